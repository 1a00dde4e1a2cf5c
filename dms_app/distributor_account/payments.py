# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""A distributor pays the OEM online from the portal: one gateway payment for invoices (each in full or
in part) and an advance.

- ``pay`` makes one ERPNext Payment Request per invoice (so ERPNext's own flow records and reconciles the
  payment) and one Razorpay Payment Link for the total. The *group* is an Integration Request (service
  "DMS Razorpay") whose data hold the distributor, the Payment Requests with their amounts, the advance
  and the total; its name is the link's ``reference_id`` and the reference the portal is given.
- ``callback`` is where the link's page sends the payer back. It accepts only a correctly signed
  redirect, reads the link back from Razorpay, and settles the group once, in one transaction: each
  Payment Request's Payment Entry (ERPNext's ``set_as_paid``), an unallocated Payment Entry for the
  advance, ``payment.received`` messages for the OEM ERP in the outbox, the group Completed.
- ``payment_status`` tells the portal page how a group ended.
"""

import json
import math

import frappe
from frappe import _
from frappe.utils import flt, nowdate

from dms_app.api.errors import BadSignature, Conflict, InvalidPayload
from dms_app.distributor_account.doctype.dms_razorpay_settings.dms_razorpay_settings import (
	SERVICE,
	paise,
)
from dms_app.dms_integrations.events import send_document
from dms_app.permissions import portal_distributors, require_role

GATEWAY = "DMS Razorpay"  # the Payment Gateway record
SETTINGS = "DMS Razorpay Settings"
OPEN_REQUEST = ("Requested", "Initiated")
RESULT_PAGE = "/dms/account"
MAX_AMOUNT = 1e10  # more than any one online payment can be; keeps absurd input from the gateway


class PaymentNotSetUp(Conflict):
	"""No gateway account in DMS Settings, or the payments app is not installed."""


class PaymentNotConfirmed(Conflict):
	"""A signed redirect says "paid" but Razorpay's API does not confirm the amount."""


# Entry points ----------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def pay(
	distributor: str | None = None,
	invoices: dict | str | None = None,
	advance: float | str | None = None,
) -> dict:
	"""Start one online payment of ``invoices`` (Sales Invoice name -> amount to pay now, at most its
	outstanding amount) and an ``advance`` (not against any invoice) for ``distributor``.

	Returns ``{"url": <the gateway's payment page>, "reference": <the payment's reference>}``."""
	distributor = _allowed_distributor(distributor)
	amounts = _invoice_amounts(invoices)
	advance = _amount(advance, _("Advance"), allow_zero=True)
	total = flt(sum(amounts.values()) + advance, 2)
	if total <= 0:
		frappe.throw(
			_("Choose invoices to pay or enter an advance: the total must be more than zero."),
			InvalidPayload,
			title=_("Nothing to Pay"),
		)
	if total > MAX_AMOUNT:
		frappe.throw(_("The total is too large for one online payment."), InvalidPayload)
	gateway_account = _gateway_account()

	# two checkouts of one distributor run one after the other
	frappe.db.get_value("Distributor", distributor, "name", for_update=True)
	dist = frappe.db.get_value("Distributor", distributor, ["customer", "company"], as_dict=True)
	if not dist.customer:
		frappe.throw(_("Distributor {0} has no customer record.").format(distributor), InvalidPayload)
	currency = dist.currency = frappe.get_cached_value("Company", dist.company, "default_currency")
	rows = _check_invoices(amounts, dist)

	# Undo this function's writes when the gateway refuses, also where the caller's transaction goes on
	# (a web request rolls back anyway).
	frappe.db.savepoint("dms_pay")
	try:
		_cancel_open_requests(list(amounts))
		requests = [_payment_request(rows[name], amount, gateway_account) for name, amount in amounts.items()]
		link = _controller(gateway_account.payment_gateway).create_payment_link(
			amount=total,
			currency=currency,
			title=dist.company,
			description=_("Payment by {0}").format(distributor),
			reference_doctype="Distributor",
			reference_docname=distributor,
			payer_email=frappe.session.user,
			payer_name=frappe.db.get_value("Customer", dist.customer, "customer_name"),
			payment_gateway=gateway_account.payment_gateway,
			dms_payment={
				"distributor": distributor,
				"customer": dist.customer,
				"company": dist.company,
				"currency": currency,
				"payment_gateway_account": gateway_account.name,
				"payment_requests": [
					{"name": pr.name, "invoice": pr.reference_name, "amount": pr.grand_total}
					for pr in requests
				],
				"advance": advance,
				"total": total,
			},
		)
	except Exception:
		frappe.db.rollback(save_point="dms_pay")
		raise
	for pr in requests:
		pr.db_set({"payment_url": link["url"], "status": "Initiated"})
	return {"url": link["url"], "reference": link["reference"]}


@frappe.whitelist(allow_guest=True, methods=["GET"])
def callback(**kwargs) -> None:
	"""Where Razorpay's payment page sends the payer back (GET, signed). Settles the payment once and
	redirects to the portal's account page."""
	params = {
		key: kwargs.get(key) if isinstance(kwargs.get(key), str) else None
		for key in (
			"razorpay_payment_id",
			"razorpay_payment_link_id",
			"razorpay_payment_link_reference_id",
			"razorpay_payment_link_status",
			"razorpay_signature",
		)
	}
	settings = frappe.get_cached_doc(SETTINGS)
	if not settings.signature_is_valid(params):
		_refuse(
			params, "DMS Razorpay: bad signature", BadSignature, _("The payment's signature is not valid.")
		)
	reference = params["razorpay_payment_link_reference_id"]
	group = frappe.db.get_value(
		"Integration Request",
		{"name": reference, "integration_request_service": SERVICE},
		["name", "status", "data", "request_id"],
		as_dict=True,
		for_update=True,  # a callback that arrives twice waits here, then finds the group Completed
	)
	if not group or group.request_id != params["razorpay_payment_link_id"]:
		_refuse(params, "DMS Razorpay: unknown payment", BadSignature, _("Unknown payment."))
	if group.status != "Completed":
		_settle(group, params, settings)
	frappe.db.commit()  # a GET request is not committed by Frappe
	frappe.local.response["type"] = "redirect"
	frappe.local.response["location"] = f"{RESULT_PAGE}?payment={reference}"


@frappe.whitelist(methods=["GET"])
def payment_status(reference: str | None = None) -> dict:
	"""How an online payment ended: status (Initiated, Completed or Failed), amount and the Payment
	Entries it made. For the distributor's portal users and DMS Managers."""
	if not reference or not isinstance(reference, str):
		frappe.throw(_("Give the payment's reference."), InvalidPayload, title=_("Missing Reference"))
	group = frappe.db.get_value(
		"Integration Request",
		{"name": reference, "integration_request_service": SERVICE},
		["name", "status", "data", "creation"],
		as_dict=True,
	)
	data = _group_data(group) if group else None
	if not data:
		frappe.throw(
			_("Payment {0} not found.").format(reference), frappe.DoesNotExistError, title=_("Not Found")
		)
	_allowed_distributor(data["distributor"])
	entries = data.get("payment_entries") or []
	return {
		"reference": group.name,
		"status": {"Queued": "Initiated", "Completed": "Completed"}.get(group.status, "Failed"),
		"distributor": data["distributor"],
		"amount": data["total"],
		"currency": data.get("currency"),
		"advance": data.get("advance") or 0,
		"invoices": [{"invoice": r["invoice"], "amount": r["amount"]} for r in data["payment_requests"]],
		"payment_entries": frappe.get_all(
			"Payment Entry",
			filters={"name": ["in", entries or [""]]},
			fields=["name", "posting_date", "paid_amount", "unallocated_amount", "reference_no"],
			order_by="name asc",
		),
		"created": group.creation,
	}


def ensure_gateway() -> None:
	"""The Payment Gateway "DMS Razorpay" served by DMS Razorpay Settings, where the payments app is
	installed. Idempotent; called on install and migrate."""
	if "payments" not in frappe.get_installed_apps() or frappe.db.exists("Payment Gateway", GATEWAY):
		return
	from payments.utils import create_payment_gateway

	create_payment_gateway(GATEWAY, settings=SETTINGS, controller=SETTINGS)


# pay -------------------------------------------------------------------------------------------


def _allowed_distributor(requested) -> str:
	"""The distributor the session user may pay for: one of their own (portal users), or any named one
	for DMS Managers and System Managers."""
	if requested is not None and not isinstance(requested, str):
		frappe.throw(_("Distributor must be a distributor's name."), InvalidPayload)
	requested = (requested or "").strip() or None
	own = portal_distributors()
	if own is None:
		require_role("DMS Manager", "System Manager")
		if not requested:
			frappe.throw(_("Name the distributor who pays."), InvalidPayload, title=_("Distributor Required"))
		if not frappe.db.exists("Distributor", requested):
			frappe.throw(_("Distributor {0} does not exist.").format(requested), frappe.DoesNotExistError)
		return requested
	if requested and requested not in own:
		frappe.throw(_("You can only pay for your own distributor."), frappe.PermissionError)
	if not requested and len(own) != 1:
		frappe.throw(
			_("Your user is not linked to a distributor.")
			if not own
			else _("Name the distributor who pays."),
			frappe.PermissionError,
		)

	return requested or own[0]


def _amount(value, label: str, allow_zero: bool = False) -> float:
	if value is None or value == "":
		if allow_zero:
			return 0.0
	elif not isinstance(value, bool) and isinstance(value, int | float | str):
		try:
			number = float(value)
		except ValueError:
			number = math.nan
		if math.isfinite(number) and (number > 0 or (allow_zero and number == 0)):
			if number > MAX_AMOUNT:
				frappe.throw(_("{0} is too large for an online payment.").format(label), InvalidPayload)
			return flt(number, 2)
	frappe.throw(
		_("{0} must be a number {1}.").format(label, _("of zero or more") if allow_zero else _("above zero")),
		InvalidPayload,
		title=_("Invalid Amount"),
	)


def _invoice_amounts(invoices) -> dict[str, float]:
	if invoices is None or invoices == "":
		return {}
	if isinstance(invoices, str):
		try:
			invoices = json.loads(invoices)
		except ValueError:
			invoices = None
	if not isinstance(invoices, dict):
		frappe.throw(
			_("Invoices must map each Sales Invoice to the amount paid now."),
			InvalidPayload,
			title=_("Invalid Invoices"),
		)
	amounts = {}
	for name, amount in invoices.items():
		amounts[name] = _amount(amount, _("The amount for invoice {0}").format(name))
	return amounts


def _check_invoices(amounts: dict[str, float], dist) -> dict:
	if not amounts:
		return {}
	rows = {
		row.name: row
		for row in frappe.get_all(
			"Sales Invoice",
			filters={"name": ["in", list(amounts)]},
			fields=["name", "customer", "company", "docstatus", "outstanding_amount", "currency"],
		)
	}
	for name, amount in amounts.items():
		row = rows.get(name)
		if not row or row.customer != dist.customer or row.company != dist.company:
			frappe.throw(
				_("{0} is not an invoice to this distributor.").format(name),
				InvalidPayload,
				title=_("Invalid Invoice"),
			)
		if row.docstatus != 1:
			frappe.throw(_("Invoice {0} is not submitted.").format(name), InvalidPayload)
		if row.currency != dist.currency:
			frappe.throw(
				_("Invoice {0} is in {1}: only invoices in {2} can be paid online.").format(
					name, row.currency, dist.currency
				),
				InvalidPayload,
			)
		if amount > flt(row.outstanding_amount, 2):
			frappe.throw(
				_("Invoice {0}: {1} is more than its outstanding amount {2}.").format(
					name, amount, flt(row.outstanding_amount, 2)
				),
				InvalidPayload,
				title=_("Amount Over Outstanding"),
			)
	return rows


def _gateway_account():
	name = frappe.db.get_single_value("DMS Settings", "payment_gateway_account")
	account = name and frappe.db.get_value(
		"Payment Gateway Account",
		name,
		["name", "payment_gateway", "payment_account", "payment_channel", "currency"],
		as_dict=True,
	)
	if not account or "payments" not in frappe.get_installed_apps():
		frappe.throw(
			_("Online payment is not set up: ask the OEM to set a payment gateway account in DMS Settings."),
			PaymentNotSetUp,
			title=_("Online Payment Not Set Up"),
		)
	return account


def _controller(payment_gateway: str):
	from payments.utils import get_payment_gateway_controller

	return get_payment_gateway_controller(payment_gateway)


def _cancel_open_requests(invoices: list[str]) -> None:
	"""An abandoned checkout must not block a new one: ERPNext refuses Payment Requests beyond an
	invoice's outstanding amount. Money that still arrives for a cancelled request is recorded as an
	advance (see _settle)."""
	if not invoices:
		return
	for name in frappe.get_all(
		"Payment Request",
		filters={
			"reference_doctype": "Sales Invoice",
			"reference_name": ["in", invoices],
			"payment_gateway": GATEWAY,
			"docstatus": 1,
			"status": ["in", OPEN_REQUEST],
		},
		pluck="name",
	):
		_cancel_request(name)


def _cancel_request(name: str) -> None:
	pr = frappe.get_doc("Payment Request", name)
	if pr.docstatus == 1 and pr.status in OPEN_REQUEST:
		# the system's record of a checkout the caller was allowed to start (checked at the entry point)
		pr.flags.ignore_permissions = True
		pr.cancel()


def _payment_request(invoice, amount: float, gateway_account):
	from erpnext.accounts.party import get_party_account
	from erpnext.accounts.utils import get_account_currency

	party_account = get_party_account("Customer", invoice.customer, invoice.company)
	pr = frappe.get_doc(
		{
			"doctype": "Payment Request",
			"payment_request_type": "Inward",
			"transaction_date": nowdate(),
			"payment_gateway_account": gateway_account.name,
			"payment_gateway": gateway_account.payment_gateway,
			"payment_account": gateway_account.payment_account,
			"payment_channel": gateway_account.payment_channel,
			"currency": invoice.currency,
			"party_account_currency": get_account_currency(party_account),
			"grand_total": amount,
			"email_to": frappe.session.user,
			"subject": _("Payment Request for {0}").format(invoice.name),
			"reference_doctype": "Sales Invoice",
			"reference_name": invoice.name,
			"company": invoice.company,
			"party_type": "Customer",
			"party": invoice.customer,
			"party_name": frappe.db.get_value("Customer", invoice.customer, "customer_name"),
			"mute_email": 1,
		}
	)
	pr.flags.mute_email = True
	# Distributors' portal users hold no rights on Payment Requests: the request records a checkout of
	# their own distributor's invoice, which pay() checked.
	pr.insert(ignore_permissions=True)
	pr.submit()
	return pr


# callback --------------------------------------------------------------------------------------


def _refuse(params: dict, title: str, exc: type[Exception], message: str) -> None:
	"""Log the refused redirect (committed: the refusal rolls back the request) and refuse it."""
	frappe.log_error(title=title, message=json.dumps(params, indent=1, default=str))
	frappe.db.commit()
	frappe.throw(message, exc, title=_("Payment Not Recorded"))


def _group_data(group) -> dict | None:
	try:
		data = json.loads(group.data or "{}").get("dms_payment")
	except (ValueError, AttributeError):
		return None
	return data if isinstance(data, dict) and data.get("distributor") else None


def _settle(group, params: dict, settings) -> None:
	data = _group_data(group)
	if not data:
		_refuse(params, "DMS Razorpay: unknown payment", BadSignature, _("Unknown payment."))
	link = settings.fetch_payment_link(params["razorpay_payment_link_id"])
	if link.get("status") == "paid":
		if link.get("amount_paid") != paise(data["total"]) or link.get("amount") != paise(data["total"]):
			_refuse(
				{**params, "link": link},
				"DMS Razorpay: payment not confirmed",
				PaymentNotConfirmed,
				_("The payment gateway does not confirm the full amount."),
			)
		_record(group, data, params, link)
	elif params["razorpay_payment_link_status"] == "paid":
		_refuse(
			{**params, "link": link},
			"DMS Razorpay: payment not confirmed",
			PaymentNotConfirmed,
			_("The payment gateway does not confirm this payment."),
		)
	elif group.status != "Failed":
		# cancelled, expired or abandoned: nothing is recorded, the invoices may be paid again
		for row in data["payment_requests"]:
			_cancel_request(row["name"])
		_update_group(group.name, "Failed", data, {"link": link, "callback": params})


def _record(group, data: dict, params: dict, link: dict) -> None:
	"""Record the group's payment in the current transaction.

	Runs as Administrator: the redirect comes from the payer's browser without a trusted session (often
	as Guest), and these are the system's records of a payment Razorpay has confirmed. ERPNext's Payment
	Request makes the Payment Entry (set_as_paid: reconciled against the invoice, the request marked
	Paid); its on_payment_authorized hook does not exist in ERPNext 15.99, and would need a session and
	Shopping Cart settings."""
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		entries, advance = [], flt(data.get("advance"))
		for row in data["payment_requests"]:
			pr = frappe.get_doc("Payment Request", row["name"])
			outstanding = frappe.db.get_value("Sales Invoice", row["invoice"], "outstanding_amount")
			if (
				pr.docstatus == 1
				and pr.status in OPEN_REQUEST
				and flt(pr.outstanding_amount) <= flt(outstanding)
			):
				entries.append(pr.set_as_paid())
			else:
				# cancelled by a later checkout, or the invoice was settled otherwise meanwhile: the money
				# arrived all the same, and waits as an advance
				_cancel_request(pr.name)
				advance = flt(advance + flt(row["amount"]), 2)
		if advance > 0:
			entries.append(_advance_entry(data, advance, params["razorpay_payment_id"]))
		for entry in entries:
			send_document(entry, "received", distributor=data["distributor"])
		_update_group(
			group.name,
			"Completed",
			{**data, "payment_entries": [entry.name for entry in entries]},
			{"link": link, "callback": params},
		)
	finally:
		frappe.set_user(user)


def _advance_entry(data: dict, amount: float, payment_id: str | None):
	account = frappe.db.get_value(
		"Payment Gateway Account", data["payment_gateway_account"], "payment_account"
	)
	pe = frappe.new_doc("Payment Entry")
	pe.update(
		{
			"payment_type": "Receive",
			"company": data["company"],
			"posting_date": nowdate(),
			"party_type": "Customer",
			"party": data["customer"],
			"paid_to": account,
			"paid_amount": amount,
			"received_amount": amount,
			"reference_no": payment_id or data.get("reference"),
			"reference_date": nowdate(),
			"remarks": _("Advance from distributor {0} paid online (Razorpay {1})").format(
				data["distributor"], payment_id
			),
		}
	)
	pe.setup_party_account_field()
	pe.set_missing_values()
	pe.set_exchange_rate()
	pe.set_amounts()
	pe.insert(ignore_permissions=True)
	pe.submit()
	return pe


def _update_group(name: str, status: str, data: dict, output: dict) -> None:
	request = frappe.get_doc("Integration Request", name)
	stored = json.loads(request.data or "{}")
	stored["dms_payment"] = data
	request.db_set(
		{
			"status": status,
			"data": json.dumps(stored, default=str, indent=1),
			"output": json.dumps(output, default=str, indent=1),
		}
	)
