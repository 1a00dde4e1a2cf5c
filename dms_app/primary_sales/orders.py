"""Primary orders: Material Requests (Material Transfer) from the OEM depot to a distributor.

Hooked on Material Request (see hooks.py). A Material Request without a distributor is left alone.
While an order is a draft its lines are checked, priced from the distributor's price list and routed
through the approval levels; on every workflow move the move is logged, the pending approver set and
the next state computed for the workflow's conditions (see dms_app/workflows/primary_order.py).
"""

import json
from dataclasses import asdict

import frappe
from frappe import _
from frappe.utils import flt, get_datetime, now_datetime

from dms_app.core.approval import route
from dms_app.core.distributor import sold_in
from dms_app.core.primary_order import (
	CANCELLED,
	DRAFT,
	PENDING_STATES,
	REJECTED,
	hours_between,
	next_state,
	sequence,
)
from dms_app.distribution.settings import get_settings
from dms_app.distributor_account.ledger import check_order
from dms_app.primary_sales.approval_rules import describe, load_rules, territory_path
from dms_app.schemes import engine as schemes


class ConcurrentApprovalError(frappe.ValidationError):
	pass


def validate(doc, method=None):
	if not doc.get("distributor"):
		return
	if (doc.get("workflow_state") or DRAFT) == DRAFT:
		prepare(doc)
	track_state(doc)


def before_cancel(doc, method=None):
	if doc.get("distributor"):
		track_state(doc)


def prepare(doc):
	"""Check, price and route a draft order."""
	settings = get_settings()
	distributor = frappe.db.get_value(
		"Distributor",
		doc.distributor,
		["name", "status", "company", "warehouse", "territory", "default_price_list", "customer"],
		as_dict=True,
	)
	if distributor.status != "Active":
		frappe.throw(
			_("Distributor {0} is {1}; orders can be placed for active distributors only.").format(
				frappe.bold(distributor.name), _(distributor.status)
			),
			title=_("Distributor Not Active"),
		)
	if not settings.oem_depot_warehouse:
		frappe.throw(_("Set the OEM Depot Warehouse in DMS Settings first."), title=_("DMS Settings"))
	if doc.company != distributor.company:
		frappe.throw(
			_("Distributor {0} belongs to company {1}, not {2}.").format(
				distributor.name, distributor.company, doc.company
			),
			title=_("Company Mismatch"),
		)

	doc.material_request_type = "Material Transfer"
	doc.set_from_warehouse = settings.oem_depot_warehouse
	doc.set_warehouse = doc.set_warehouse or distributor.warehouse
	schemes.drop_free_rows(doc)
	_check_lines(doc, territory_path(distributor.territory))
	price_list = distributor.default_price_list or settings.default_price_list
	_price_lines(doc, price_list)
	schemes.apply_to_order(doc, distributor, price_list)
	doc.dms_order_value = flt(doc.dms_order_value) - flt(doc.dms_scheme_discount)
	steps = route(describe(doc, distributor.territory), load_rules())
	doc.dms_approval_route = json.dumps([asdict(step) for step in steps])


def _check_lines(doc, territories: tuple[str, ...]):
	if not doc.items:
		frappe.throw(_("Add at least one item to the order."), title=_("Empty Order"))
	items = {
		row.name: row
		for row in frappe.get_all(
			"Item",
			filters={"name": ["in", [row.item_code for row in doc.items]]},
			fields=["name", "disabled", "is_stock_item"],
		)
	}
	sold_where: dict[str, frozenset[str]] = {}
	for row in frappe.get_all(
		"DMS Item Territory",
		filters={"parenttype": "Item", "parent": ["in", list(items)]},
		fields=["parent", "territory"],
	):
		sold_where[row.parent] = sold_where.get(row.parent, frozenset()) | {row.territory}
	for row in doc.items:
		row.from_warehouse = doc.set_from_warehouse
		row.warehouse = doc.set_warehouse
		item = items.get(row.item_code)
		if flt(row.qty) <= 0:
			frappe.throw(
				_("Row {0}: quantity of {1} must be greater than zero.").format(row.idx, row.item_code),
				title=_("Invalid Quantity"),
			)
		if not item or item.disabled:
			frappe.throw(
				_("Row {0}: item {1} is disabled and cannot be ordered.").format(row.idx, row.item_code),
				title=_("Item Not Available"),
			)
		if not sold_in(sold_where.get(row.item_code, frozenset()), territories):
			frappe.throw(
				_("Row {0}: item {1} is not sold in territory {2} of distributor {3}.").format(
					row.idx, row.item_code, territories[0] if territories else _("(none)"), doc.distributor
				),
				title=_("Item Not Available"),
			)
	if frappe.db.get_value("Warehouse", doc.set_warehouse, "distributor") != doc.distributor:
		frappe.throw(
			_("Target warehouse {0} is not a warehouse of distributor {1}.").format(
				frappe.bold(doc.set_warehouse), frappe.bold(doc.distributor)
			),
			title=_("Invalid Warehouse"),
		)


def _price_lines(doc, price_list: str | None):
	if not price_list:
		frappe.throw(
			_("Set a price list on distributor {0} or in DMS Settings.").format(doc.distributor),
			title=_("No Price List"),
		)
	prices = dict(
		frappe.get_all(
			"Item Price",
			filters={"price_list": price_list, "item_code": ["in", [row.item_code for row in doc.items]]},
			fields=["item_code", "price_list_rate"],
			order_by="valid_from asc",
			as_list=True,
		)
	)
	missing = [row.item_code for row in doc.items if row.item_code not in prices]
	if missing:
		frappe.throw(
			_("No price in price list {0} for: {1}").format(frappe.bold(price_list), ", ".join(missing)),
			title=_("Missing Price"),
		)
	for row in doc.items:
		row.price_list_rate = row.rate = flt(prices[row.item_code])
		row.amount = flt(row.qty) * row.rate
	doc.dms_order_value = sum(row.amount for row in doc.items)


def route_of(doc) -> list[dict]:
	return json.loads(doc.get("dms_approval_route") or "[]")


def track_state(doc):
	"""Log a workflow move, then set who the order waits for and where an approval takes it."""
	before = doc.get_doc_before_save()
	old = (before.get("workflow_state") or DRAFT) if before else DRAFT
	new = doc.get("workflow_state") or DRAFT
	now = now_datetime()

	if old != new:
		locked = frappe.db.get_value("Material Request", doc.name, "workflow_state", for_update=True)
		if (locked or DRAFT) != old:
			frappe.throw(
				_("Order {0} has already moved to {1}. Reload it to see the latest state.").format(
					doc.name, _(locked)
				),
				ConcurrentApprovalError,
				title=_("Already Actioned"),
			)
		if new == REJECTED and not (doc.get("dms_rejection_reason") or "").strip():
			frappe.throw(
				_("Enter a Rejection Reason before rejecting the order."), title=_("Reason Required")
			)
		if new not in (REJECTED, CANCELLED):
			if old == DRAFT:  # entering approval, from any path: portal, desk, API, bulk
				check_order(doc, placing=True)
			elif old in PENDING_STATES:
				check_order(doc, placing=False)
		doc.append(
			"dms_approvals",
			{
				"state": old,
				"next_state": new,
				"user": frappe.session.user,
				"at": now,
				"hours_in_state": hours_between(
					get_datetime(doc.get("dms_state_since") or doc.creation), now
				),
				"comment": doc.dms_rejection_reason if new == REJECTED else doc.get("dms_approval_comment"),
			},
		)
		doc.dms_approval_comment = None
		doc.dms_state_since = now
		doc.dms_reminded_at = doc.dms_escalated_at = None

	steps = route_of(doc)
	level = PENDING_STATES.get(new)
	step = next((s for s in steps if s["level"] == level), None)
	doc.dms_approver = step["approver"] if step else None
	doc.dms_next_state = next_state(
		new, sequence([s["level"] for s in steps], bool(get_settings().require_oem_confirmation))
	)
