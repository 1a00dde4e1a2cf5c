# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Hours each primary order spent in each approval state, open states counted up to now."""

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from dms_app.core.approval import LEVELS
from dms_app.core.primary_order import OEM_CONFIRMATION, pending_state, time_in_states

STATES = [*(pending_state(level) for level in LEVELS), OEM_CONFIRMATION]


def execute(filters=None):
	filters = frappe._dict(filters or {})
	conditions = {"distributor": ["is", "set"], "docstatus": ["<", 2]}
	for field in ("company", "distributor"):
		if filters.get(field):
			conditions[field] = filters[field]
	if filters.get("from_date"):
		conditions["transaction_date"] = [">=", filters.from_date]

	orders = frappe.get_list(
		"Material Request",
		filters=conditions,
		fields=[
			"name",
			"distributor",
			"transaction_date",
			"dms_order_value",
			"workflow_state",
			"dms_state_since",
		],
		order_by="transaction_date desc, name desc",
	)
	moves: dict[str, list] = {}
	for row in frappe.get_all(
		"DMS Approval Log",
		filters={"parenttype": "Material Request", "parent": ["in", [o.name for o in orders]]},
		fields=["parent", "state", "hours_in_state"],
		order_by="idx",
	):
		moves.setdefault(row.parent, []).append((row.state, row.hours_in_state))

	now = now_datetime()
	data = []
	for order in orders:
		hours = time_in_states(
			moves.get(order.name, []), order.workflow_state, get_datetime(order.dms_state_since), now
		)
		data.append(
			{
				**order,
				**{frappe.scrub(state): hours.get(state) for state in STATES},
				"total_hours": sum(hours.get(state, 0) for state in STATES),
			}
		)
	return columns(), data


def columns():
	return [
		{
			"fieldname": "name",
			"label": _("Order"),
			"fieldtype": "Link",
			"options": "Material Request",
			"width": 170,
		},
		{
			"fieldname": "distributor",
			"label": _("Distributor"),
			"fieldtype": "Link",
			"options": "Distributor",
			"width": 140,
		},
		{"fieldname": "transaction_date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "dms_order_value", "label": _("Order Value"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "workflow_state", "label": _("State"), "fieldtype": "Data", "width": 200},
		*(
			{
				"fieldname": frappe.scrub(state),
				"label": _("Hours: {0}").format(_(state)),
				"fieldtype": "Float",
				"precision": 1,
				"width": 150,
			}
			for state in STATES
		),
		{
			"fieldname": "total_hours",
			"label": _("Hours in Approval"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 130,
		},
	]
