"""A distributor's primary orders (Material Requests with its distributor) for the portal: the list, and
one order with its lines and status timeline (approval log, dispatches, receipts), and what of its
dispatches is still in transit, for the receipt form (which posts to
dms_app.api.primary_orders.confirm_receipt). Read-only.

Every query names the distributor, which the caller resolved from the logged-in user; an order of
another distributor is simply not found.
"""

import frappe
from frappe import _
from frappe.utils import flt, get_datetime

from dms_app.core import portal
from dms_app.core.primary_order import DRAFT

LIST_LIMIT = 200


def stage_labels() -> dict[str, str]:
	return {
		"draft": _("Draft"),
		"pending": _("Awaiting Approval"),
		"approved": _("Approved"),
		"in_transit": _("In Transit"),
		"partly_received": _("Partly Received"),
		"received": _("Received"),
		"rejected": _("Rejected"),
		"cancelled": _("Cancelled"),
	}


def order_list(distributor: str, limit: int = LIST_LIMIT) -> list[dict]:
	return frappe.get_all(
		"Material Request",
		filters={"distributor": distributor},
		fields=[
			"name",
			"transaction_date",
			"schedule_date",
			"workflow_state",
			"docstatus",
			"dms_order_value",
			"transfer_status",
			"dms_approver",
		],
		order_by="creation desc",
		limit=limit,
	)


def order_detail(distributor: str, name: str | None) -> dict | None:
	"""The order ``name`` of ``distributor`` with items, dispatches and timeline, or None when the
	distributor has no such order."""
	if not name:
		return None
	order = frappe.db.get_value(
		"Material Request",
		{"name": name, "distributor": distributor},
		[
			"name",
			"owner",
			"creation",
			"transaction_date",
			"schedule_date",
			"workflow_state",
			"docstatus",
			"dms_order_value",
			"transfer_status",
			"dms_approver",
			"dms_rejection_reason",
			"set_warehouse",
		],
		as_dict=True,
	)
	if not order:
		return None
	items = frappe.get_all(
		"Material Request Item",
		filters={"parent": order.name, "parenttype": "Material Request"},
		fields=["item_code", "item_name", "qty", "uom", "rate", "amount", "ordered_qty", "warehouse"],
		order_by="idx",
	)
	approvals = frappe.get_all(
		"DMS Approval Log",
		filters={"parent": order.name, "parenttype": "Material Request", "parentfield": "dms_approvals"},
		fields=["state", "next_state", "user", "at", "hours_in_state", "comment"],
		order_by="idx",
	)
	dispatches = _dispatches(order.name)
	receipts = _receipts([d.name for d in dispatches if d.docstatus == 1])
	submitted = [d for d in dispatches if d.docstatus == 1]
	receivable = in_transit(submitted)
	received_fully = bool(submitted) and order.transfer_status == "Completed"
	state = order.workflow_state or DRAFT
	stage = portal.stage(state, bool(submitted), received_fully, bool(receipts))
	return {
		"order": order,
		"items": items,
		"dispatches": dispatches,
		"receipts": receipts,
		"stage": stage,
		"stage_label": stage_labels()[stage],
		"receivable": receivable,
		"timeline": portal.timeline(
			get_datetime(order.creation),
			order.owner,
			[{**a, "at": get_datetime(a.at) if a.at else None} for a in approvals],
			dispatches,
			receipts,
		),
	}


def _dispatches(order: str) -> list[dict]:
	names = frappe.get_all(
		"Stock Entry Detail",
		filters={"material_request": order, "parenttype": "Stock Entry"},
		pluck="parent",
		distinct=True,
	)
	if not names:
		return []
	rows = frappe.get_all(
		"Stock Entry",
		filters={"name": ["in", names], "add_to_transit": 1, "docstatus": ["<", 2]},
		fields=[
			"name",
			"docstatus",
			"creation",
			"posting_date",
			"posting_time",
			"workflow_state",
			"per_transferred",
			"dms_carrier",
			"dms_tracking_no",
			"dms_eta",
			"dms_logistics_status",
			"dms_shortage_reason",
		],
		order_by="creation",
	)
	for row in rows:
		row.at = get_datetime(f"{row.posting_date} {row.posting_time}") if row.docstatus == 1 else None
		row.creation = get_datetime(row.creation)
	return rows


def in_transit(dispatches: list[dict]) -> list[dict]:
	"""The submitted ``dispatches`` with something still in transit: each with its ``lines`` (item_code,
	item_name, uom, pending: dispatched and not yet received, per item as the receipt counts it)."""
	if not dispatches:
		return []
	pending: dict[str, dict[str, frappe._dict]] = {}
	for row in frappe.get_all(
		"Stock Entry Detail",
		filters={"parent": ["in", [d.name for d in dispatches]], "parenttype": "Stock Entry"},
		fields=["parent", "item_code", "item_name", "stock_uom", "qty", "transferred_qty"],
		order_by="idx",
	):
		line = pending.setdefault(row.parent, {}).setdefault(
			row.item_code,
			frappe._dict(item_code=row.item_code, item_name=row.item_name, uom=row.stock_uom, pending=0.0),
		)
		line.pending += flt(row.qty) - flt(row.transferred_qty)
	result = []
	for dispatch in dispatches:
		lines = [line for line in pending.get(dispatch.name, {}).values() if line.pending > 1e-9]
		if lines:
			result.append(frappe._dict(dispatch, lines=lines))
	return result


def _receipts(dispatches: list[str]) -> list[dict]:
	if not dispatches:
		return []
	rows = frappe.get_all(
		"Stock Entry",
		filters={"outgoing_stock_entry": ["in", dispatches], "docstatus": 1},
		fields=[
			"name",
			"posting_date",
			"posting_time",
			"outgoing_stock_entry",
			"dms_shortage_reason",
			"owner",
		],
		order_by="posting_date, posting_time",
	)
	lines: dict[str, list] = {}
	for line in frappe.get_all(
		"Stock Entry Detail",
		filters={"parent": ["in", [row.name for row in rows] or [""]], "parenttype": "Stock Entry"},
		fields=["parent", "item_code", "qty", "stock_uom"],
		order_by="idx",
	):
		lines.setdefault(line.parent, []).append(line)
	for row in rows:
		row.at = get_datetime(f"{row.posting_date} {row.posting_time}")
		row.lines = lines.get(row.name, [])
	return rows
