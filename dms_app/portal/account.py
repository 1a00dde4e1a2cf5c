"""The distributor's account in the portal (/dms/account): statement, ageing, what can be paid online,
and the statement as CSV or PDF. The figures are dms_app.distributor_account.ledger's."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_months, getdate, today
from frappe.utils.csvutils import to_csv

from dms_app.distributor_account import ledger
from dms_app.portal.context import resolve_distributor

MAX_DAYS = 3 * 366  # a statement covers at most three years


def period(from_date, to_date) -> tuple:
	"""The statement's period from the request (default: the last three months), clear errors for bad
	dates."""
	try:
		end = getdate(to_date) if to_date else getdate(today())
		start = getdate(from_date) if from_date else getdate(add_months(end, -3))
	except Exception:
		frappe.throw(_("Dates must be given as YYYY-MM-DD."), title=_("Invalid Period"))
	if start > end:
		frappe.throw(_("The statement's From Date is after its To Date."), title=_("Invalid Period"))
	if (end - start).days > MAX_DAYS:
		frappe.throw(_("A statement covers at most three years."), title=_("Invalid Period"))
	return start, end


def payable(st: frappe._dict) -> list[frappe._dict]:
	"""The open invoices of a statement with their OEM ERP numbers, oldest due first."""
	numbers = dict(
		frappe.get_all(
			"DMS OEM Document",
			filters={"voucher_no": ["in", [i.voucher_no for i in st.open_invoices] or [""]], "cancelled": 0},
			fields=["voucher_no", "reference"],
			as_list=True,
		)
	)
	return [
		frappe._dict(
			invoice=i.voucher_no,
			reference=numbers.get(i.voucher_no) or i.voucher_no,
			due_date=i.due_date,
			outstanding=i.outstanding,
			overdue=bool(i.due_date and i.due_date < st.to_date),
		)
		for i in st.open_invoices
	]


def online_payment_ready() -> bool:
	return bool(
		"payments" in frappe.get_installed_apps()
		and frappe.db.get_single_value("DMS Settings", "payment_gateway_account")
	)


@frappe.whitelist(methods=["GET"])
def statement_csv(distributor: str | None = None, from_date: str | None = None, to_date: str | None = None):
	"""The statement as CSV, for the caller's own distributor (OEM staff name one)."""
	distributor = resolve_distributor(distributor)
	st = ledger.statement(distributor, *period(from_date, to_date))
	frappe.response["type"] = "csv"
	frappe.response["doctype"] = f"statement-{distributor}-{st.to_date}"
	frappe.response["result"] = to_csv(ledger.csv_rows(st))


@frappe.whitelist(methods=["GET"])
def statement_pdf(distributor: str | None = None, from_date: str | None = None, to_date: str | None = None):
	"""The statement as a PDF, for the caller's own distributor (OEM staff name one)."""
	from frappe.utils.pdf import get_pdf

	distributor = resolve_distributor(distributor)
	st = ledger.statement(distributor, *period(from_date, to_date))
	name, company = frappe.db.get_value("Distributor", distributor, ["distributor_name", "company"])
	currency = frappe.get_cached_value("Company", company, "default_currency")
	html = frappe.render_template(
		"templates/dms/statement_pdf.html",
		{
			"st": st,
			"distributor_name": name,
			"company": company,
			"money": lambda v: frappe.utils.fmt_money(v or 0, currency=currency),
			"buckets": list(st.ageing.buckets.items()),
		},
	)
	frappe.local.response.filename = f"statement-{distributor}-{st.to_date}.pdf"
	frappe.local.response.filecontent = get_pdf(html)
	frappe.local.response.type = "pdf"
