"""Document events that put messages in the outbox, in the same transaction as the document.

OEM ERP events (payload version 1, see dms_app.core.outbox):
- ``primary_order.approved`` when the DMS approvals are complete (the order reaches Pending OEM
  Confirmation, or Approved when no confirmation is asked), ``primary_order.cancelled``;
- ``stock_entry.submitted`` / ``stock_entry.cancelled`` for a distributor's dispatches and receipts;
- ``secondary_sale.submitted`` / ``secondary_sale.cancelled`` for Sales Invoices,
  ``delivery_note.submitted`` / ``delivery_note.cancelled`` for Delivery Notes;
- ``scheme_claim.approved`` / ``scheme_claim.cancelled`` for distributors' scheme claims
  (sent by dms_app.schemes.doctype.dms_scheme_claim);
- ``payment.received`` for a distributor's online payment (dms_app.distributor_account.payments).
Messages to the distributor's mobile (SMS / WhatsApp): order placed, approved, dispatched.
"""

from __future__ import annotations

import frappe
from frappe import _

from dms_app.core import outbox as core
from dms_app.core.outbox import OEM_ERP, SMS, WHATSAPP
from dms_app.core.primary_order import DRAFT, OEM_CONFIRMATION
from dms_app.dms_integrations.outbox import enabled_targets, write

EVENT_PREFIX = {
	"Material Request": "primary_order",
	"Stock Entry": "stock_entry",
	"Sales Invoice": "secondary_sale",
	"Delivery Note": "delivery_note",
	"DMS Scheme Claim": "scheme_claim",
	"Payment Entry": "payment",
}
# the rows a document's payload carries (default: items)
ROWS = {"DMS Scheme Claim": "lines", "Payment Entry": "references"}


def send_document(doc, event: str, distributor: str | None = None) -> None:
	"""Queue ``<prefix>.<event>`` with the document's payload for the OEM ERP. ``distributor``: for a
	document without a distributor field (a Payment Entry of the distributor's customer)."""
	if OEM_ERP not in enabled_targets():
		return
	name = f"{EVENT_PREFIX[doc.doctype]}.{event}"
	rows = doc.get(ROWS.get(doc.doctype, "items"))
	header = {**doc.as_dict(), "distributor": distributor} if distributor else doc.as_dict()
	payload = core.document_payload(doc.doctype, header, [row.as_dict() for row in rows])
	key = core.idempotency_key(OEM_ERP, doc.doctype, doc.name, event)
	write(OEM_ERP, doc.doctype, doc.name, name, payload, key, distributor=distributor or doc.distributor)


def send_retail_status(doc) -> None:
	"""``retail_order.status`` for the OEM ERP: a marketplace order's status, with the channel's order id,
	for the channel to be told (dms_app.retail.orders)."""
	if OEM_ERP not in enabled_targets():
		return
	status = doc.get("dms_retail_status")
	payload = {
		"version": 1,
		"event": "retail_order.status",
		"order": doc.name,
		"channel": doc.get("dms_channel"),
		"channel_order_id": doc.get("dms_channel_order_id"),
		"status": status,
		"distributor": doc.get("distributor"),
		"grand_total": doc.get("grand_total"),
		"lines": [{"item_code": row.item_code, "qty": row.qty, "rate": row.rate} for row in doc.items],
	}
	key = core.idempotency_key(OEM_ERP, doc.doctype, doc.name, "status", status)
	write(
		OEM_ERP,
		doc.doctype,
		doc.name,
		"retail_order.status",
		payload,
		key,
		distributor=doc.get("distributor"),
	)


def notify(doc, event: str, text: str, mobiles: list[str] | None = None, *key_extra: str) -> None:
	"""Queue ``text`` by SMS and WhatsApp (those enabled) to ``mobiles`` (default: the distributor's)."""
	channels = enabled_targets() & {SMS, WHATSAPP}
	if not channels:
		return
	if mobiles is None:
		mobiles = [frappe.db.get_value("Distributor", doc.distributor, "mobile_no")]
	for mobile in filter(None, mobiles):
		for target in sorted(channels):
			key = core.idempotency_key(target, doc.doctype, doc.name, event, mobile, *key_extra)
			write(target, doc.doctype, doc.name, event, {"text": text}, key, doc.get("distributor"), mobile)


# Hooks -----------------------------------------------------------------------------------------


def on_order_update(doc, method=None):
	if not doc.get("distributor") or not doc.has_value_changed("workflow_state"):
		return
	before = doc.get_doc_before_save()
	if before and before.get("workflow_state") in (None, "", DRAFT) and doc.workflow_state != DRAFT:
		notify(doc, "order.placed", _("Order {0} is placed and waits for approval.").format(doc.name))
	if doc.workflow_state == OEM_CONFIRMATION:
		send_document(doc, "approved")


def on_order_submit(doc, method=None):
	if not doc.get("distributor"):
		return
	send_document(doc, "approved")  # once: a no-op when sent at OEM confirmation
	notify(doc, "order.approved", _("Order {0} is approved.").format(doc.name))


def on_order_cancel(doc, method=None):
	if doc.get("distributor"):
		send_document(doc, "cancelled")


def on_stock_entry_submit(doc, method=None):
	if not doc.get("distributor"):
		return
	send_document(doc, "submitted")
	if doc.add_to_transit:
		notify(doc, "order.dispatched", _("Dispatch {0} is on its way to you.").format(doc.name))


def on_sale_submit(doc, method=None):
	if doc.get("distributor"):
		send_document(doc, "submitted")


def on_cancel(doc, method=None):
	"""Stock Entries, Sales Invoices and Delivery Notes of a distributor."""
	if doc.get("distributor"):
		send_document(doc, "cancelled")
