"""/dms/account: the distributor's account with the OEM: credit position, statement of a period
(``?from_date=&to_date=``), ageing, approved orders not yet invoiced, online payment of open invoices
and advances, and the statement as CSV or PDF. ``?payment=`` shows how an online payment ended."""

import frappe
from frappe import _

from dms_app.distributor_account import ledger
from dms_app.distributor_account.payments import payment_status
from dms_app.portal.account import online_payment_ready, payable, period
from dms_app.portal.context import link, prepare, set_error

no_cache = 1


def get_context(context):
	context.dms_page = "account"
	distributor = prepare(context, _("Account"))
	if not distributor:
		return
	try:
		start, end = period(frappe.form_dict.get("from_date"), frappe.form_dict.get("to_date"))
		st = ledger.statement(distributor, start, end)
	except frappe.ValidationError as e:
		set_error(context, 400 if not isinstance(e, frappe.DoesNotExistError) else 404, _("Account"), str(e))
		return
	context.st = st
	context.credit = ledger.summary(distributor)
	context.payable = payable(st)
	context.can_pay = online_payment_ready()
	context.buckets = list(st.ageing.buckets.items())
	dist_param = distributor if context.query else None
	context.csv_url = link(
		"/api/method/dms_app.portal.account.statement_csv",
		distributor=dist_param,
		from_date=start,
		to_date=end,
	)
	context.pdf_url = link(
		"/api/method/dms_app.portal.account.statement_pdf",
		distributor=dist_param,
		from_date=start,
		to_date=end,
	)
	context.asked_distributor = dist_param or ""
	reference = frappe.form_dict.get("payment")
	if reference:
		try:
			context.payment = payment_status(reference)
		except (frappe.DoesNotExistError, frappe.PermissionError, frappe.ValidationError):
			frappe.clear_messages()
			context.payment = None
