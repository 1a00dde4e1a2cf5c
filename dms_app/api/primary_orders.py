"""Whitelisted endpoints for primary orders (Material Requests to distributors)."""

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow

from dms_app.api.errors import require_args
from dms_app.core.approval import LEVELS
from dms_app.core.primary_order import APPROVED, OEM_CONFIRMATION, REJECTED, pending_state
from dms_app.permissions import portal_distributors, require_role
from dms_app.primary_sales.dispatch import create_dispatch, receive


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
def confirm_receipt(
	dispatch: str | None = None, received: dict | str | None = None, reason: str | None = None
) -> str:
	"""Confirm what arrived of a dispatch. ``received`` maps item codes to quantities received; leave it
	out when everything arrived. A shortage needs a ``reason``. Returns the receipt's Stock Entry name.

	Allowed for the distributor's own portal users and for DMS Managers."""
	require_args(dispatch=dispatch)
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
def override_credit_limit(order: str | None = None, reason: str | None = None) -> None:
	"""Let an order that is not approved yet go ahead whatever the distributor's credit says (limit,
	overdue invoices, credit hold): as it enters approval and at each approval. DMS Managers only; the
	reason is kept on the order and logged as a comment."""
	require_args(order=order)
	require_role("DMS Manager")
	doc = frappe.get_doc("Material Request", order)
	doc.check_permission("write")
	reason = (reason or "").strip()
	if not reason:
		frappe.throw(_("Give a reason for the override."), title=_("Reason Required"))
	if not doc.get("distributor") or doc.docstatus != 0:
		frappe.throw(
			_("{0} is not a distributor order waiting for approval.").format(order), title=_("Not Pending")
		)
	doc.db_set({"dms_credit_override_reason": reason, "dms_credit_override_by": frappe.session.user})
	doc.add_comment("Comment", _("Credit limit override: {0}").format(reason))


@frappe.whitelist(methods=["POST"])
def acknowledge_order(
	order: str | None = None,
	accepted: bool | int | str | None = None,
	erp_reference: str | None = None,
	reason: str | None = None,
) -> dict:
	"""The OEM ERP's answer to an order waiting at Pending OEM Confirmation: accepted moves it to
	Approved (its dispatch is drafted), not accepted rejects it with ``reason``. For DMS Integration
	users (and DMS Managers). Answering again with the same outcome changes nothing."""
	require_args(order=order, accepted=accepted)
	require_role("DMS Integration", "DMS Manager")
	doc = frappe.get_doc("Material Request", order)
	doc.check_permission("write")
	accepted = frappe.utils.sbool(accepted)
	target = APPROVED if accepted else REJECTED
	if doc.get("workflow_state") == target:
		return {"order": doc.name, "state": target}
	if doc.get("workflow_state") != OEM_CONFIRMATION:
		frappe.throw(
			_("Order {0} is at {1}, not waiting for OEM confirmation.").format(
				doc.name, _(doc.get("workflow_state"))
			),
			frappe.ValidationError,
			title=_("Not Waiting for Confirmation"),
		)
	if not accepted:
		if not (reason or "").strip():
			frappe.throw(_("Give the reason the OEM ERP rejected the order."), title=_("Reason Required"))
		doc.db_set("dms_rejection_reason", reason.strip())
	if erp_reference:
		doc.db_set("dms_erp_reference", erp_reference)
	doc = apply_workflow(doc, "Confirm" if accepted else "Reject")
	return {"order": doc.name, "state": doc.workflow_state}


@frappe.whitelist(methods=["POST"])
def make_dispatch(order: str | None = None) -> str | None:
	"""Draft the dispatch of what an approved order still has to ship (after a partial dispatch).
	Returns the open draft if there is one. DMS Managers only."""
	require_args(order=order)
	require_role("DMS Manager")
	doc = frappe.get_doc("Material Request", order)
	doc.check_permission("read")
	if not doc.get("distributor") or doc.docstatus != 1:
		frappe.throw(_("{0} is not an approved distributor order.").format(order), title=_("Not Approved"))
	return create_dispatch(doc)
