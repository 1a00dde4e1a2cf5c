"""Inbound APIs for the OEM ERP: the distributor's account (invoices, payments, credit and debit notes).

In the style of dms_app.api.oem: POST, DMS Integration role, a list of records each with the ERP's
``version``, all-or-nothing (422 malformed, 404 unknown document, 409 stale version, 401 bad signature),
and a repeat of a version reports ``unchanged``. A record with ``cancelled: 1`` (and a newer version)
cancels what the DMS recorded; a newer version replaces it. Each OEM ERP document is kept once (DMS OEM
Document), so the same message twice, or messages out of order, change nothing: an invoice that names an
order settles it whether the order was approved before or after; an older version arriving after a newer
one (or after a cancellation) is refused as stale. See dms_app.distributor_account.oem_documents for how
each is recorded.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from dms_app.api.errors import Conflict, InvalidPayload, require_args
from dms_app.api.oem import _authorise, _outcome, _parse, _refuse_stale, _require_known
from dms_app.core import inbound
from dms_app.distributor_account import oem_documents as docs


def _invalid(lines: list[str]) -> None:
	if lines:
		frappe.throw("<br>".join(lines[:50]), InvalidPayload, title=_("Invalid Payload"))


def _prepare(records, spec, key: str, kind: str) -> tuple[list[dict], dict, dict]:
	"""Checked records, their distributors' parties (locked, in name order) and the registry rows."""
	records = _parse(records, spec, key)
	_invalid(
		[
			_("Record {0}: {1} is required").format(r[key], field)
			for r in records
			if not r.get("cancelled")
			for field in ("posting_date", "amount")
			if not r.get(field)
		]
		+ [
			_("Record {0}: due_date is before posting_date").format(r[key])
			for r in records
			if r.get("due_date") and r.get("posting_date") and r["due_date"] < r["posting_date"]
		]
	)
	names = sorted({r["distributor"] for r in records})
	parties = {
		d.name: d
		for d in frappe.get_all(
			"Distributor", filters={"name": ["in", names]}, fields=["name", "customer", "company"]
		)
	}
	_require_known("Distributor", set(names), parties)
	_invalid([_("Distributor {0} has no Customer").format(n) for n in names if not parties[n].customer])
	for name in names:  # one writer per distributor at a time; in name order, so no deadlock
		frappe.db.get_value("Distributor", name, "name", for_update=True)
	registry = {
		row.name: row
		for row in frappe.get_all(
			"DMS OEM Document",
			filters={"name": ["in", [docs.registry_name(kind, r[key]) for r in records]]},
			fields=["name", "distributor", "version", "cancelled", "voucher_type", "voucher_no", "orders"],
		)
	}
	_invalid(
		[
			_("{0} {1} belongs to distributor {2}").format(_(kind), r[key], row.distributor)
			for r in records
			for row in [registry.get(docs.registry_name(kind, r[key]))]
			if row and row.distributor != r["distributor"]
		]
	)
	return records, parties, registry


def _order(records, registry, kind: str, key: str) -> dict[str, int]:
	order = {
		r[key]: inbound.compare_versions(
			r["version"], (registry.get(docs.registry_name(kind, r[key])) or {}).get("version")
		)
		for r in records
	}
	_refuse_stale([ref for ref, o in order.items() if o < 0])
	return order


def _live_invoices(numbers: set[str]) -> dict[str, frappe._dict]:
	"""OEM ERP invoice number -> its registry row (404 for unknown ones)."""
	rows = {
		row.reference: row
		for row in frappe.get_all(
			"DMS OEM Document",
			filters={"kind": "Invoice", "reference": ["in", list(numbers) or [""]]},
			fields=["reference", "distributor", "cancelled", "voucher_no"],
		)
	}
	missing = sorted(numbers - set(rows))
	if missing:
		frappe.throw(
			_("Unknown OEM invoice: {0}").format(", ".join(missing[:20])),
			frappe.DoesNotExistError,
			title=_("Not Found"),
		)
	return rows


def _replace(registry_row) -> None:
	"""Cancel what an earlier version recorded."""
	if not registry_row or registry_row.cancelled:
		return
	try:
		docs.cancel_voucher(registry_row.voucher_type, registry_row.voucher_no)
	except frappe.LinkExistsError:
		frappe.throw(
			_("{0} has payments or notes set against it in the DMS: cancel or re-send those first.").format(
				registry_row.name
			),
			Conflict,
			title=_("Conflict"),
		)


@frappe.whitelist(methods=["POST"])
def record_invoices(invoices=None) -> list[dict]:
	"""The OEM ERP's invoices to distributors: invoice, distributor, posting_date, due_date, amount,
	orders (the primary orders it invoices), remarks, cancelled, version."""
	_authorise()
	require_args(invoices=invoices)
	records, parties, registry = _prepare(invoices, inbound.OEM_INVOICE, "invoice", "Invoice")
	orders = {o for r in records for o in r.get("orders") or ()}
	known = {
		row.name: row
		for row in frappe.get_all(
			"Material Request", filters={"name": ["in", list(orders) or [""]]}, fields=["name", "distributor"]
		)
	}
	_require_known("Material Request", orders, known)
	_invalid(
		[
			_("Invoice {0}: order {1} is not an order of distributor {2}").format(
				r["invoice"], o, r["distributor"]
			)
			for r in records
			for o in r.get("orders") or ()
			if known[o].distributor != r["distributor"]
		]
	)
	order = _order(records, registry, "Invoice", "invoice")

	results = []
	for r in records:
		name = docs.registry_name("Invoice", r["invoice"])
		existing = registry.get(name)
		if order[r["invoice"]] > 0:
			_replace(existing)
			voucher = None
			if not r.get("cancelled"):
				voucher = ("Sales Invoice", docs.make_invoice(r, parties[r["distributor"]]))
			docs.save_registry("Invoice", r, "invoice", voucher, existing and existing.name)
			before = set((existing.orders or "").split("\n")) - {""} if existing else set()
			docs.mark_orders(before | set(r.get("orders") or ()), r["distributor"])
		results.append({"invoice": r["invoice"], "result": _outcome(not existing, order[r["invoice"]])})
	return results


@frappe.whitelist(methods=["POST"])
def record_payments(payments=None) -> list[dict]:
	"""Payments the OEM ERP received from distributors: payment, distributor, posting_date, amount,
	invoices (OEM invoice number -> amount set against it; the rest stays on account), mode_of_payment,
	remarks, cancelled, version."""
	_authorise()
	require_args(payments=payments)
	records, parties, registry = _prepare(payments, inbound.OEM_PAYMENT, "payment", "Payment")
	invoices = _live_invoices({n for r in records for n in r.get("invoices") or {}})
	problems = []
	for r in records:
		for number in r.get("invoices") or {}:
			row = invoices[number]
			if row.distributor != r["distributor"]:
				problems.append(
					_("Payment {0}: invoice {1} is not distributor {2}'s").format(
						r["payment"], number, r["distributor"]
					)
				)
			elif row.cancelled and not r.get("cancelled"):
				problems.append(_("Payment {0}: invoice {1} is cancelled").format(r["payment"], number))
		if not r.get("cancelled") and sum((r.get("invoices") or {}).values()) > flt(r.get("amount")) + 0.005:
			problems.append(_("Payment {0}: sets more against invoices than its amount").format(r["payment"]))
	_invalid(problems)
	order = _order(records, registry, "Payment", "payment")

	results = []
	for r in records:
		existing = registry.get(docs.registry_name("Payment", r["payment"]))
		if order[r["payment"]] > 0:
			_replace(existing)
			voucher = None
			if not r.get("cancelled"):
				_check_outstanding(r["payment"], r.get("invoices") or {}, invoices)
				vouchers = {n: invoices[n].voucher_no for n in r.get("invoices") or {}}
				voucher = ("Payment Entry", docs.make_payment(r, parties[r["distributor"]], vouchers))
			docs.save_registry("Payment", r, "payment", voucher, existing and existing.name)
		results.append({"payment": r["payment"], "result": _outcome(not existing, order[r["payment"]])})
	return results


def _check_outstanding(ref: str, amounts: dict[str, float], invoices: dict) -> None:
	outstanding = dict(
		frappe.get_all(
			"Sales Invoice",
			filters={"name": ["in", [invoices[n].voucher_no for n in amounts] or [""]]},
			fields=["name", "outstanding_amount"],
			as_list=True,
		)
	)
	_invalid(
		[
			_("{0}: {1} against invoice {2}, whose outstanding in the DMS is {3}").format(
				ref, amount, number, flt(outstanding.get(invoices[number].voucher_no))
			)
			for number, amount in amounts.items()
			if amount > flt(outstanding.get(invoices[number].voucher_no)) + 0.005
		]
	)


@frappe.whitelist(methods=["POST"])
def record_notes(notes=None) -> list[dict]:
	"""The OEM ERP's credit and debit notes to distributors: note, distributor, kind (Credit Note /
	Debit Note), posting_date, amount, against (a credit note's OEM invoice number), remarks, cancelled,
	version."""
	_authorise()
	require_args(notes=notes)
	records, parties, registry = _prepare(notes, inbound.OEM_NOTE, "note", "Note")
	invoices = _live_invoices({r["against"] for r in records if r.get("against")})
	problems = []
	for r in records:
		if r.get("against"):
			row = invoices[r["against"]]
			if r["kind"] != "Credit Note":
				problems.append(_("Note {0}: only a credit note is set against an invoice").format(r["note"]))
			elif row.distributor != r["distributor"]:
				problems.append(
					_("Note {0}: invoice {1} is not distributor {2}'s").format(
						r["note"], r["against"], r["distributor"]
					)
				)
			elif row.cancelled and not r.get("cancelled"):
				problems.append(_("Note {0}: invoice {1} is cancelled").format(r["note"], r["against"]))
	_invalid(problems)
	order = _order(records, registry, "Note", "note")

	results = []
	for r in records:
		existing = registry.get(docs.registry_name("Note", r["note"]))
		if order[r["note"]] > 0:
			_replace(existing)
			voucher = None
			if not r.get("cancelled"):
				against = invoices[r["against"]].voucher_no if r.get("against") else None
				if against:
					_check_outstanding(r["note"], {r["against"]: r["amount"]}, invoices)
				voucher = ("Journal Entry", docs.make_note(r, parties[r["distributor"]], against))
			docs.save_registry("Note", r, "note", voucher, existing and existing.name)
		results.append({"note": r["note"], "result": _outcome(not existing, order[r["note"]])})
	return results
