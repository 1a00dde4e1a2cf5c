"""Whitelisted endpoints for primary orders (Material Requests to distributors)."""

import frappe
from frappe import _

from dms_app.core.approval import LEVELS
from dms_app.core.primary_order import pending_state
from dms_app.permissions import portal_distributors, require_role
from dms_app.primary_sales.dispatch import receive


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


@frappe.whitelist(methods=["POST"])
def confirm_receipt(dispatch: str, received: dict | str | None = None, reason: str | None = None) -> str:
	"""Confirm what arrived of a dispatch. ``received`` maps item codes to quantities received; leave it
	out when everything arrived. A shortage needs a ``reason``. Returns the receipt's Stock Entry name.

	Allowed for the distributor's own portal users and for DMS Managers."""
	doc = frappe.get_doc("Stock Entry", dispatch)
	doc.check_permission("read")
	distributors = portal_distributors()
	if distributors is None:
		require_role("DMS Manager", "System Manager")
	elif doc.get("distributor") not in distributors:
		raise frappe.PermissionError
	if isinstance(received, str):
		received = frappe.parse_json(received)
	return receive(dispatch, received, reason)


@frappe.whitelist(methods=["POST"])
def override_credit_limit(order: str, reason: str) -> None:
	"""Let a pending order be approved beyond its distributor's credit limit. DMS Managers only."""
	require_role("DMS Manager")
	doc = frappe.get_doc("Material Request", order)
	doc.check_permission("read")
	reason = (reason or "").strip()
	if not reason:
		frappe.throw(_("Give a reason for the override."), title=_("Reason Required"))
	if not doc.get("distributor") or doc.docstatus != 0:
		frappe.throw(_("{0} is not a pending distributor order.").format(order), title=_("Not Pending"))
	doc.db_set({"dms_credit_override_reason": reason, "dms_credit_override_by": frappe.session.user})
	doc.add_comment("Comment", _("Credit limit override: {0}").format(reason))
