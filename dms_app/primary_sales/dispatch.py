"""Dispatch of approved primary orders through an in-transit warehouse, and the distributor's receipt.

When an order (Material Request) is approved, one draft Stock Entry moves its lines from the OEM depot
into the distributor's in-transit warehouse (ERPNext's "add to transit"). A DMS Manager releases it
with the "Dispatch" action of the DMS Dispatch workflow. The distributor then confirms what arrived:
an end-transit Stock Entry moves that quantity on to the distributor's warehouse; whatever did not
arrive stays visible in transit, with the reason given.
"""

import frappe
from frappe import _
from frappe.utils import flt

from dms_app.core.dispatch import DISPATCHED, RECEIVED
from dms_app.core.primary_order import APPROVED
from dms_app.core.receipt import Line, ReceiptError, plan_receipt
from dms_app.distribution.stock import require_stock
from dms_app.distribution.warehouses import get_group


def on_order_submit(doc, method=None):
	if doc.get("distributor"):
		create_dispatch(doc)


def before_order_submit(doc, method=None):
	if doc.get("distributor") and doc.get("workflow_state") != APPROVED:
		frappe.throw(
			_("Order {0} can only be submitted by the approval workflow.").format(doc.name),
			frappe.PermissionError,
			title=_("Use the Workflow"),
		)


def on_order_cancel(doc, method=None):
	if doc.get("distributor"):
		for name in draft_dispatches(doc.name):
			frappe.delete_doc("Stock Entry", name, ignore_permissions=True)


def before_stock_entry_submit(doc, method=None):
	if not (doc.get("distributor") and doc.add_to_transit):
		return
	if doc.get("workflow_state") != DISPATCHED:
		frappe.throw(
			_("Dispatch {0} is released with the Dispatch action by a DMS Manager.").format(doc.name),
			frappe.PermissionError,
			title=_("Use the Workflow"),
		)
	require_stock(
		[(row.item_code, row.s_warehouse, row.transfer_qty or row.qty) for row in doc.items], _("dispatch")
	)


def draft_dispatches(order: str) -> list[str]:
	return frappe.get_all(
		"Stock Entry Detail",
		filters={"material_request": order, "docstatus": 0, "parenttype": "Stock Entry"},
		pluck="parent",
		distinct=True,
	)


def create_dispatch(order) -> str | None:
	"""Draft a dispatch of what the approved ``order`` still has to ship.

	An open draft is returned instead of making a second one, and nothing is made once every line is
	dispatched (None), so each approval yields exactly one dispatch; after a partial dispatch the next
	call drafts the rest. Quantities follow ERPNext's own ordered_qty bookkeeping on the order.
	"""
	existing = draft_dispatches(order.name)
	if existing:
		return existing[0]
	lines = [
		(row, flt(row.stock_qty) - flt(row.ordered_qty))
		for row in order.items
		if flt(row.stock_qty) - flt(row.ordered_qty) > 0
	]
	if not lines:
		return None

	transit = transit_warehouse(order.distributor)
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Transfer",
			"purpose": "Material Transfer",
			"company": order.company,
			"distributor": order.distributor,
			"add_to_transit": 1,
			"from_warehouse": order.set_from_warehouse,
			"to_warehouse": transit,
			"items": [
				{
					"item_code": row.item_code,
					"qty": pending,
					"uom": row.stock_uom,
					"stock_uom": row.stock_uom,
					"conversion_factor": 1,
					"s_warehouse": row.from_warehouse or order.set_from_warehouse,
					"t_warehouse": transit,
					"material_request": order.name,
					"material_request_item": row.name,
				}
				for row, pending in lines
			],
		}
	)
	# What ERPNext's own Material Request -> Stock Entry mapping computes for a draft. The draft cannot be
	# validated now: StockEntry.validate prices every outgoing line (calculate_rate_and_amount with
	# raise_error_if_no_rate), and an order is approved before the depot necessarily holds the goods, so
	# a depot with no stock yet (no valuation) would make the approval fail. The Dispatch action saves
	# and submits the entry through ERPNext's full validation, so nothing unvalidated is ever posted.
	entry.set_transfer_qty()
	entry.set_actual_qty()
	entry.calculate_rate_and_amount(raise_error_if_no_rate=False)
	entry.flags.ignore_validate = True
	# Approving the order is what authorises the dispatch; the approver need not hold Stock Entry rights.
	entry.insert(ignore_permissions=True)
	return entry.name


def transit_warehouse(distributor: str) -> str:
	"""The distributor's In Transit warehouse, created (and mapped to it) on first dispatch."""
	doc = frappe.get_doc("Distributor", distributor)
	for row in doc.extra_warehouses:
		if row.purpose == "In Transit":
			return row.warehouse
	warehouse = frappe.get_doc(
		{
			"doctype": "Warehouse",
			"warehouse_name": f"{doc.name} In Transit",
			"company": doc.company,
			"parent_warehouse": get_group(doc.company),
			"warehouse_type": "Transit",
			"distributor": doc.name,
		}
	).insert(ignore_permissions=True)
	doc.append("extra_warehouses", {"warehouse": warehouse.name, "purpose": "In Transit"})
	doc.save(ignore_permissions=True)
	return warehouse.name


def receive(dispatch: str, received: dict[str, float] | None = None, reason: str | None = None) -> str:
	"""Post what the distributor received of ``dispatch``; return the end-transit Stock Entry."""
	source = frappe.get_doc("Stock Entry", dispatch)
	if not (source.get("distributor") and source.add_to_transit and source.docstatus == 1):
		frappe.throw(_("{0} is not a dispatched DMS transfer.").format(dispatch), title=_("Not a Dispatch"))
	lines = [Line(row.name, row.item_code, flt(row.qty) - flt(row.transferred_qty)) for row in source.items]
	try:
		plan = plan_receipt(lines, {k: flt(v) for k, v in received.items()} if received is not None else None)
	except ReceiptError as e:
		messages = {
			"unknown": _("Item {0} is not on dispatch {1}."),
			"negative": _("Received quantity of {0} cannot be negative."),
			"too_much": _("Only {2} of {0} are still in transit on dispatch {1}."),
		}
		frappe.throw(messages[e.problem].format(e.item_code, dispatch, e.limit), title=_("Invalid Receipt"))
	if not plan.quantities:
		frappe.throw(
			_("Nothing is left to receive on dispatch {0}.").format(dispatch), title=_("Invalid Receipt")
		)
	reason = (reason or "").strip()
	if plan.shortages and not reason:
		frappe.throw(
			_("Give a reason for the shortage of: {0}").format(
				", ".join(f"{item} ({qty:g})" for item, qty in plan.shortages.items())
			),
			title=_("Reason Required"),
		)

	final = dict(
		frappe.get_all(
			"Material Request Item",
			filters={"name": ["in", [row.material_request_item for row in source.items]]},
			fields=["name", "warehouse"],
			as_list=True,
		)
	)
	receipt = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Transfer",
			"purpose": "Material Transfer",
			"company": source.company,
			"distributor": source.distributor,
			"outgoing_stock_entry": source.name,
			"dms_shortage_reason": reason or None,
			"items": [
				{
					"item_code": row.item_code,
					"qty": plan.quantities[row.name],
					"uom": row.uom,
					"conversion_factor": row.conversion_factor,
					"s_warehouse": row.t_warehouse,
					"t_warehouse": final.get(row.material_request_item),
					# linked to the dispatch line, not to the order: ERPNext counts the order's
					# transferred quantity through ste_detail, as its own "End Transit" does
					"ste_detail": row.name,
					"against_stock_entry": source.name,
				}
				for row in source.items
				if row.name in plan.quantities
			],
		}
	)
	# The caller's right to confirm this receipt is checked by the API (dms_app.api.primary_orders).
	receipt.insert(ignore_permissions=True)
	receipt.workflow_state = RECEIVED
	receipt.flags.ignore_permissions = True
	receipt.submit()
	if plan.shortages:
		source.db_set("dms_shortage_reason", reason)
	return receipt.name
