"""A distributor's account with the OEM, read from ERPNext's books, and the credit rule applied to it.

The account is the receivable of the distributor's Customer in its company: ERPNext's Payment Ledger
(`Payment Ledger Entry`, cancelled documents delinked). What lands there: the OEM ERP's invoices, notes and
payments recorded by dms_app.api.oem_account, the DMS's credit notes for approved scheme claims, and
payments made from the portal (dms_app.distributor_account.payments). Approved primary orders the OEM ERP
has not invoiced yet (no `dms_oem_invoice`) are exposure too. The arithmetic is dms_app.core.account.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.query_builder.functions import IfNull, Sum
from frappe.utils import cint, flt, getdate, today

from dms_app.core import account as core
from dms_app.core.primary_order import OEM_CONFIRMATION, PENDING_STATES
from dms_app.distribution.settings import get_settings

KIND = {
	"Sales Invoice": "Invoice",
	"Payment Entry": "Payment",
	"Journal Entry": "Journal Entry",
}


class CreditLimitError(frappe.ValidationError):
	"""An order the distributor's credit does not allow: over the limit, overdue invoices, or a hold."""


def party(distributor: str) -> frappe._dict:
	"""The distributor's Customer and company; a clear error without a customer."""
	row = frappe.db.get_value("Distributor", distributor, ["name", "customer", "company"], as_dict=True)
	if not row:
		raise frappe.DoesNotExistError(_("Distributor {0} not found").format(distributor))
	if not row.customer:
		frappe.throw(
			_("Distributor {0} has no Customer, so it has no account yet.").format(distributor),
			title=_("No Customer"),
		)
	return row


def _ple():
	ple = frappe.qb.DocType("Payment Ledger Entry")
	return ple, (
		frappe.qb.from_(ple)
		.where(ple.party_type == "Customer")
		.where(ple.delinked == 0)
		.where(ple.docstatus == 1)
	)


def balance(customer: str, company: str, before: date) -> float:
	"""What the customer owed before ``before``: a statement's opening balance."""
	ple, q = _ple()
	q = (
		q.select(Sum(ple.amount))
		.where(ple.party == customer)
		.where(ple.company == company)
		.where(ple.posting_date < before)
	)
	return flt(q.run()[0][0], 2)


def entries(customer: str, company: str, from_date: date, to_date: date) -> list[core.Entry]:
	"""Each document's effect on the account in the period."""
	ple, q = _ple()
	rows = (
		q.select(ple.voucher_type, ple.voucher_no, ple.posting_date, Sum(ple.amount).as_("amount"))
		.where(ple.party == customer)
		.where(ple.company == company)
		.where(ple.posting_date >= from_date)
		.where(ple.posting_date <= to_date)
		.groupby(ple.voucher_type, ple.voucher_no, ple.posting_date)
		.run(as_dict=True)
	)
	names = {}
	for row in rows:
		names.setdefault(row.voucher_type, []).append(row.voucher_no)
	details = _details(names)
	references = dict(
		frappe.get_all(
			"DMS OEM Document",
			filters={"voucher_no": ["in", [r.voucher_no for r in rows] or [""]], "cancelled": 0},
			fields=["voucher_no", "reference"],
			as_list=True,
		)
	)
	return [
		core.Entry(
			getdate(row.posting_date),
			row.voucher_type,
			row.voucher_no,
			details.get(row.voucher_no, {}).get("kind") or KIND.get(row.voucher_type, row.voucher_type),
			flt(row.amount, 2),
			references.get(row.voucher_no, ""),
			details.get(row.voucher_no, {}).get("due_date"),
			details.get(row.voucher_no, {}).get("remarks") or "",
		)
		for row in rows
	]


def _details(names: dict[str, list[str]]) -> dict[str, dict]:
	out = {}
	for row in frappe.get_all(
		"Sales Invoice",
		filters={"name": ["in", names.get("Sales Invoice") or [""]]},
		fields=["name", "is_return", "due_date", "remarks"],
	):
		kind = _("Credit Note") if row.is_return else _("Invoice")
		out[row.name] = {"kind": kind, "due_date": getdate(row.due_date), "remarks": row.remarks}
	for row in frappe.get_all(
		"Journal Entry",
		filters={"name": ["in", names.get("Journal Entry") or [""]]},
		fields=["name", "voucher_type", "user_remark"],
	):
		out[row.name] = {"kind": _(row.voucher_type), "remarks": row.user_remark}
	for row in frappe.get_all(
		"Payment Entry",
		filters={"name": ["in", names.get("Payment Entry") or [""]]},
		fields=["name", "mode_of_payment", "reference_no"],
	):
		out[row.name] = {
			"kind": _("Payment"),
			"remarks": " ".join(filter(None, (row.mode_of_payment, row.reference_no))),
		}
	return out


def open_items(customer: str, company: str, as_of: date | None = None) -> list[core.OpenItem]:
	"""What is still open of each invoice (and credits not set against one) on ``as_of``."""
	ple, q = _ple()
	q = (
		q.select(ple.against_voucher_type, ple.against_voucher_no, Sum(ple.amount).as_("outstanding"))
		.where(ple.party == customer)
		.where(ple.company == company)
		.groupby(ple.against_voucher_type, ple.against_voucher_no)
	)
	if as_of:
		q = q.where(ple.posting_date <= as_of)
	rows = [r for r in q.run(as_dict=True) if abs(flt(r.outstanding, 2)) >= 0.01]
	due = dict(
		frappe.get_all(
			"Sales Invoice",
			filters={"name": ["in", [r.against_voucher_no for r in rows] or [""]]},
			fields=["name", "due_date"],
			as_list=True,
		)
	)
	return [
		core.OpenItem(
			r.against_voucher_no,
			getdate(due[r.against_voucher_no]) if due.get(r.against_voucher_no) else None,
			flt(r.outstanding, 2),
		)
		for r in rows
	]


def items_of(distributor: str) -> list[core.OpenItem]:
	"""The distributor's open items now (none without a Customer)."""
	customer, company = frappe.db.get_value("Distributor", distributor, ["customer", "company"])
	return open_items(customer, company) if customer else []


def _orders(distributor: str, exclude: str | None, lock: bool, approved: bool) -> list[tuple[str, float]]:
	"""Approved orders not invoiced yet, or orders waiting for approval: (name, value). ``lock`` reads
	them with a locking read, which sees what other transactions have committed since this one began
	(a plain read would see this transaction's snapshot)."""
	mr = frappe.qb.DocType("Material Request")
	q = (
		frappe.qb.from_(mr)
		.select(mr.name, mr.dms_order_value)
		.where(mr.distributor == distributor)
		.where(mr.name != (exclude or ""))
	)
	if approved:
		q = q.where(mr.docstatus == 1).where(IfNull(mr.dms_oem_invoice, "") == "")
	else:
		q = q.where(mr.docstatus == 0).where(mr.workflow_state.isin([*PENDING_STATES, OEM_CONFIRMATION]))
	if lock:
		q = q.for_update()
	return [(name, flt(value)) for name, value in q.run()]


def unbilled_orders(
	distributor: str, exclude: str | None = None, lock: bool = False
) -> list[tuple[str, float]]:
	"""Approved orders the OEM ERP has not invoiced yet: (name, value)."""
	return _orders(distributor, exclude, lock, approved=True)


def pending_orders(
	distributor: str, exclude: str | None = None, lock: bool = False
) -> list[tuple[str, float]]:
	"""Orders waiting for approval (or for the OEM ERP's confirmation)."""
	return _orders(distributor, exclude, lock, approved=False)


def position(
	distributor: str,
	*,
	with_pending: bool = False,
	exclude: str | None = None,
	as_of: date | None = None,
	lock: bool = False,
	items: list[core.OpenItem] | None = None,
) -> core.Position:
	"""Where the distributor stands now; ``with_pending`` counts the orders waiting for approval (used
	before a new order enters approval), ``exclude`` leaves out the order being checked. ``items``: its
	open items, when the caller has read them already."""
	dist = frappe.db.get_value(
		"Distributor",
		distributor,
		["name", "credit_limit", "credit_hold", "credit_hold_reason"],
		as_dict=True,
	)
	as_of = as_of or getdate(today())
	allowed = cint(get_settings().credit_overdue_days)
	if items is None:
		items = items_of(distributor)
	return core.Position(
		limit=flt(dist.credit_limit),
		owed=round(sum(item.outstanding for item in items), 2),  # what is open is what is owed
		unbilled=core.unbilled(unbilled_orders(distributor, exclude, lock), ()),
		pending=sum(v for _, v in pending_orders(distributor, exclude, lock)) if with_pending else 0.0,
		overdue=core.overdue(items, as_of, allowed) if allowed > 0 else core.Overdue(0.0, (), 0),
		overdue_days=allowed,
		hold=bool(dist.credit_hold),
		hold_reason=dist.credit_hold_reason or "",
	)


def refusal_text(refusal: core.Refusal) -> str:
	"""Why, and what would release it."""
	money = lambda v: frappe.format_value(v, "Currency")  # noqa: E731
	if refusal.code == core.HOLD:
		return _("The account is on credit hold ({0}); a DMS Manager releases it.").format(
			refusal.reason or _("no reason given")
		)
	if refusal.code == core.OVERDUE:
		return _("{0} is overdue ({1}); paying it releases new orders.").format(
			money(refusal.amount), ", ".join(refusal.invoices[:5])
		)
	return _(
		"The order goes {0} over the available credit; a payment of {0} or a smaller order releases it."
	).format(money(refusal.amount))


def summary(distributor: str) -> dict:
	"""The figures the portal shows: limit, exposure (owed + approved and not invoiced), orders waiting
	for approval, overdue (past the due date; ``overdue`` is the part that blocks orders) and available."""
	items = items_of(distributor)
	pos = position(distributor, with_pending=True, items=items)
	return frappe._dict(
		limit=pos.limit,
		owed=pos.owed,
		unbilled=pos.unbilled,
		pending=pos.pending,
		exposure=pos.exposure,
		overdue_total=core.overdue(items, getdate(today()), 0).amount,
		overdue=pos.overdue.amount,
		overdue_blocks=pos.overdue_days > 0,
		available=pos.available,
		hold=pos.hold,
		hold_reason=pos.hold_reason,
	)


def check_order(doc, *, placing: bool) -> None:
	"""The one credit rule for a primary order, on every path (portal, desk, API, bulk).

	``placing``: the order is entering approval, so the orders already waiting count too; the
	distributor's row is locked first so two orders placed at once are checked one after the other.
	Otherwise (an approval) only the account and the approved orders count. A DMS Manager's override
	(dms_app.api.primary_orders.override_credit_limit) lets the order through, logged with its reason.
	"""
	if (doc.get("dms_credit_override_reason") or "").strip() and doc.get("dms_credit_override_by"):
		return
	frappe.db.get_value("Distributor", doc.distributor, "name", for_update=True)
	pos = position(doc.distributor, with_pending=placing, exclude=doc.name, lock=True)
	refusals = core.check(pos, flt(doc.dms_order_value))
	if refusals:
		frappe.throw(
			"<br>".join(
				[
					_("Order {0} of {1} cannot go ahead for distributor {2}:").format(
						doc.name if not doc.is_new() else "",
						frappe.format_value(doc.dms_order_value, "Currency"),
						frappe.bold(doc.distributor),
					),
					*(refusal_text(r) for r in refusals),
				]
			),
			CreditLimitError,
			title=_("Credit Limit Exceeded") if refusals[0].code == core.LIMIT else _("Order Blocked"),
		)


def statement(distributor: str, from_date: date, to_date: date) -> frappe._dict:
	"""The distributor's statement of a period: the opening balance, each document with the running
	balance, the closing balance, the ageing of what is open on ``to_date``, the approved orders not yet
	invoiced, and the exposure."""
	from_date, to_date = getdate(from_date), getdate(to_date)
	if from_date > to_date:
		frappe.throw(_("The statement's From Date is after its To Date."), title=_("Invalid Period"))
	p = party(distributor)
	opening = balance(p.customer, p.company, from_date)
	lines = core.running(opening, entries(p.customer, p.company, from_date, to_date))
	closing = lines[-1].balance if lines else opening
	items = open_items(p.customer, p.company, as_of=to_date)
	orders = unbilled_orders(distributor)
	unbilled = core.unbilled(orders, ())
	return frappe._dict(
		distributor=distributor,
		customer=p.customer,
		company=p.company,
		from_date=from_date,
		to_date=to_date,
		opening=opening,
		lines=lines,
		closing=closing,
		ageing=core.ageing(items, to_date),
		open_invoices=sorted(
			(i for i in items if i.outstanding > 0), key=lambda i: (i.due_date or to_date, i.voucher_no)
		),
		unbilled_orders=orders,
		unbilled=unbilled,
		exposure=round(closing + unbilled, 2),
		reported=flt(frappe.db.get_value("Distributor", distributor, "outstanding_reported")),
	)


def csv_rows(st: frappe._dict) -> list[list]:
	"""The statement as rows for a CSV file."""
	rows = [
		[_("Distributor"), st.distributor],
		[_("Period"), str(st.from_date), str(st.to_date)],
		[],
		[
			_("Date"),
			_("Document"),
			_("Type"),
			_("OEM ERP Reference"),
			_("Due Date"),
			_("Debit"),
			_("Credit"),
			_("Balance"),
		],
		["", "", _("Opening Balance"), "", "", "", "", st.opening],
	]
	for line in st.lines:
		e = line.entry
		rows.append(
			[
				str(e.posting_date),
				e.voucher_no,
				e.kind,
				e.reference,
				str(e.due_date or ""),
				line.debit,
				line.credit,
				line.balance,
			]
		)
	rows += [
		["", "", _("Closing Balance"), "", "", "", "", st.closing],
		[],
		[_("Ageing on {0}").format(st.to_date), _("Not Due"), *core.BUCKETS, _("On Account"), _("Total")],
		["", st.ageing.not_due, *st.ageing.buckets.values(), st.ageing.on_account, st.ageing.total],
		[],
		[_("Approved orders not yet invoiced"), st.unbilled],
		[_("Exposure"), st.exposure],
	]
	return rows
