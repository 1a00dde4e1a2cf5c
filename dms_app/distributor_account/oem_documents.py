"""Recording what the OEM ERP sends about a distributor's account as ERPNext documents.

- An invoice becomes a Sales Invoice of the distributor's Customer on one non-stock line (the OEM ERP's
  total, its date and due date; no stock moves: the goods moved with the order's dispatch). The orders it
  names are marked invoiced (``dms_oem_invoice``), which is what stops them counting against credit.
- A payment becomes a Payment Entry (Receive) into the OEM Receipts Account, set against the invoices it
  names; the rest stays on account.
- A credit or debit note becomes a Journal Entry (voucher type Credit Note / Debit Note) against the
  invoice's income account, a credit note set against the invoice it names.

Each OEM ERP document has one DMS OEM Document: its version, whether it is cancelled, and the document
that records it. A newer version cancels that document and records the new one; a cancellation cancels
it. The caller (dms_app.api.oem_account) has checked the records and holds the distributor's row lock.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import flt

from dms_app.distribution.service_items import service_item
from dms_app.distribution.settings import get_settings
from dms_app.distributor_account.doctype.dms_oem_document.dms_oem_document import PREFIX

ACCOUNT_ITEM = "DMS-OEM-INVOICE"


def registry_name(kind: str, reference: str) -> str:
	return f"{PREFIX[kind]}-{reference}"


def account_item() -> str:
	"""The non-stock item OEM invoices are recorded on (DMS Settings' OEM Invoice Item, or made once)."""
	return get_settings().account_item or service_item(
		ACCOUNT_ITEM,
		_("OEM Invoice"),
		_("An invoice of the OEM ERP, recorded in the DMS for the distributor's account."),
	)


def receipts_account(company: str) -> str:
	account = get_settings().receipts_account or frappe.get_cached_value(
		"Company", company, "default_bank_account"
	)
	account = account or frappe.get_cached_value("Company", company, "default_cash_account")
	if not account:
		frappe.throw(
			_("Set the OEM Receipts Account in DMS Settings (or a default bank account on {0}).").format(
				company
			),
			title=_("DMS Settings"),
		)
	return account


def cancel_voucher(voucher_type: str | None, voucher_no: str | None) -> None:
	if not voucher_no or frappe.db.get_value(voucher_type, voucher_no, "docstatus") != 1:
		return
	doc = frappe.get_doc(voucher_type, voucher_no)
	doc.flags.ignore_permissions = True
	doc.cancel()


def _submit(doc) -> str:
	doc.flags.ignore_permissions = True  # the OEM ERP's records: checked by the API, written by the system
	doc.insert()
	doc.submit()
	return doc.name


def make_invoice(r: dict, party: frappe._dict) -> str:
	si = frappe.new_doc("Sales Invoice")
	si.update(
		{
			"customer": party.customer,
			"company": party.company,
			"posting_date": r["posting_date"],
			"set_posting_time": 1,
			"due_date": r.get("due_date") or r["posting_date"],
			"ignore_default_payment_terms_template": 1,
			"payment_terms_template": None,
			"ignore_pricing_rule": 1,
			"disable_rounded_total": 1,
			"update_stock": 0,
			"remarks": _("OEM ERP invoice {0}").format(r["invoice"])
			+ (f": {r['remarks']}" if r.get("remarks") else ""),
		}
	)
	si.append(
		"items",
		{
			"item_code": account_item(),
			"qty": 1,
			"rate": r["amount"],
			"description": _("OEM ERP invoice {0}").format(r["invoice"]),
		},
	)
	si.set("taxes", [])
	si.taxes_and_charges = None
	si.flags.ignore_permissions = True
	si.insert()
	if abs(flt(si.grand_total) - flt(r["amount"])) > 0.005:
		frappe.throw(
			_("Invoice {0} would be recorded at {1}, not {2}: check the OEM Invoice Item's taxes.").format(
				r["invoice"], si.grand_total, r["amount"]
			),
			title=_("Invoice Not Recorded"),
		)
	si.submit()
	return si.name


def make_payment(r: dict, party: frappe._dict, invoices: dict[str, str]) -> str:
	"""``invoices``: OEM ERP invoice number -> the Sales Invoice recording it."""
	from erpnext.accounts.party import get_party_account

	pe = frappe.new_doc("Payment Entry")
	pe.update(
		{
			"payment_type": "Receive",
			"company": party.company,
			"posting_date": r["posting_date"],
			"party_type": "Customer",
			"party": party.customer,
			"paid_from": get_party_account("Customer", party.customer, party.company),
			"paid_to": receipts_account(party.company),
			"paid_amount": r["amount"],
			"received_amount": r["amount"],
			"mode_of_payment": r.get("mode_of_payment"),
			"reference_no": r["payment"],
			"reference_date": r["posting_date"],
			"remarks": _("OEM ERP payment {0}").format(r["payment"])
			+ (f": {r['remarks']}" if r.get("remarks") else ""),
		}
	)
	for number, amount in (r.get("invoices") or {}).items():
		pe.append(
			"references",
			{
				"reference_doctype": "Sales Invoice",
				"reference_name": invoices[number],
				"allocated_amount": amount,
			},
		)
	return _submit(pe)


def make_note(r: dict, party: frappe._dict, against: str | None) -> str:
	"""A Journal Entry: a credit note credits the distributor (set against ``against``, a Sales Invoice,
	when named), a debit note debits it."""
	from erpnext.accounts.party import get_party_account

	income = frappe.get_cached_value("Company", party.company, "default_income_account")
	if not income:
		frappe.throw(
			_("Set the Default Income Account of {0} to record credit and debit notes.").format(
				party.company
			),
			title=_("Company Settings"),
		)
	credit = r["kind"] == "Credit Note"
	cost_center = frappe.get_cached_value("Company", party.company, "cost_center")
	je = frappe.new_doc("Journal Entry")
	je.update(
		{
			"company": party.company,
			"posting_date": r["posting_date"],
			"voucher_type": r["kind"],
			"cheque_no": r["note"],
			"cheque_date": r["posting_date"],
			"user_remark": _("OEM ERP {0} {1}").format(_(r["kind"]), r["note"])
			+ (f": {r['remarks']}" if r.get("remarks") else ""),
		}
	)
	amount = r["amount"]
	row = {
		"account": get_party_account("Customer", party.customer, party.company),
		"party_type": "Customer",
		"party": party.customer,
		"cost_center": cost_center,
		("credit_in_account_currency" if credit else "debit_in_account_currency"): amount,
	}
	if against:
		row.update({"reference_type": "Sales Invoice", "reference_name": against})
	je.append("accounts", row)
	je.append(
		"accounts",
		{
			"account": income,
			"cost_center": cost_center,
			("debit_in_account_currency" if credit else "credit_in_account_currency"): amount,
		},
	)
	return _submit(je)


def save_registry(kind: str, r: dict, key: str, voucher: tuple[str, str] | None, existing) -> None:
	kind = r.get("kind") or kind  # a note's own kind
	values = {
		"kind": kind,
		"posting_date": r.get("posting_date"),
		"due_date": r.get("due_date"),
		"amount": flt(r.get("amount")),
		"version": r["version"],
		"cancelled": int(bool(r.get("cancelled"))),
		"voucher_type": voucher[0] if voucher else None,
		"voucher_no": voucher[1] if voucher else None,
		"orders": "\n".join(r.get("orders") or []),
		"allocations": json.dumps(
			r.get("invoices") or ({r["against"]: r["amount"]} if r.get("against") else {})
		),
		"remarks": r.get("remarks"),
	}
	if existing:
		frappe.db.set_value("DMS OEM Document", existing, values)
		return
	doc = frappe.get_doc(
		{"doctype": "DMS OEM Document", "reference": r[key], "distributor": r["distributor"], **values}
	)
	doc.insert(ignore_permissions=True)


def mark_orders(orders: set[str], distributor: str) -> None:
	"""Set each order's ``dms_oem_invoice`` to a live OEM invoice naming it, or clear it."""
	if not orders:
		return
	naming: dict[str, str] = {}
	for row in frappe.get_all(
		"DMS OEM Document",
		filters={"distributor": distributor, "kind": "Invoice", "cancelled": 0},
		# only the invoices that may name one of them (a distributor has many), checked exactly below
		or_filters=[["orders", "like", f"%{order}%"] for order in sorted(orders)],
		fields=["reference", "orders"],
		order_by="creation asc",
	):
		for order in (row.orders or "").split("\n"):
			if order in orders:
				naming.setdefault(order, row.reference)
	for order in orders:
		frappe.db.set_value(
			"Material Request", order, "dms_oem_invoice", naming.get(order), update_modified=False
		)
