"""Whitelisted endpoints for primary orders (Material Requests to distributors)."""

import frappe

from dms_app.core.approval import LEVELS
from dms_app.core.primary_order import pending_state


@frappe.whitelist(methods=["GET"])
def pending_approvals() -> list[dict]:
	"""Orders waiting for the current user: at a level whose role they hold, and either named as the
	approver or with no approver named. Read rights apply as in the list view."""
	user = frappe.session.user
	states = [pending_state(level) for level in LEVELS if level in frappe.get_roles(user)]
	if not states:
		return []
	return frappe.get_list(
		"Material Request",
		filters={"workflow_state": ["in", states], "docstatus": 0, "distributor": ["is", "set"]},
		or_filters=[["dms_approver", "is", "not set"], ["dms_approver", "=", user]],
		fields=[
			"name",
			"distributor",
			"workflow_state",
			"dms_order_value",
			"dms_state_since",
			"dms_approver",
		],
		order_by="dms_state_since asc",
	)
