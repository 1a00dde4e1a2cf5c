"""The "DMS Primary Order" workflow on Material Request, generated from the state rules in core.

Approve transitions exist from each state to every state that may follow it; the one that applies is
chosen by ``doc.dms_next_state``, which dms_app.primary_sales.orders keeps up to date from the order's
approval route. A rule that names an approver limits the level to that user.
"""

from dms_app.core.approval import LEVELS
from dms_app.core.primary_order import (
	APPROVED,
	CANCELLED,
	DRAFT,
	OEM_CONFIRMATION,
	REJECTED,
	pending_state,
)
from dms_app.workflows import transition

NAME = "DMS Primary Order"
ORDER_ROLES = ("Distributor", "DMS Manager")  # who may send a draft order for approval
OEM_CONFIRMERS = ("DMS Manager", "DMS Integration")
OTHER_REQUEST_ROLES = (
	"DMS Manager",
	"Stock User",
	"Stock Manager",
	"Purchase User",
	"Purchase Manager",
	"Manufacturing User",
)
APPROVER_CHECK = "(not doc.dms_approver or doc.dms_approver == frappe.session.user)"


def _goes_to(state: str) -> str:
	return f"doc.dms_next_state == {state!r}"


def _transitions() -> list[dict]:
	pending = [pending_state(level) for level in LEVELS]
	rows = [
		transition(DRAFT, "Submit for Approval", target, role, f"doc.distributor and {_goes_to(target)}")
		for target in pending
		for role in ORDER_ROLES
	]
	# Material Requests that are not distributor orders keep a plain submit for the roles that make them.
	rows += [
		transition(DRAFT, "Submit", APPROVED, role, "not doc.distributor") for role in OTHER_REQUEST_ROLES
	]
	for index, level in enumerate(LEVELS):
		source = pending_state(level)
		rows += [
			transition(source, "Approve", target, level, f"{_goes_to(target)} and {APPROVER_CHECK}", False)
			for target in [*pending[index + 1 :], OEM_CONFIRMATION, APPROVED]
		]
		rows.append(transition(source, "Reject", REJECTED, level, APPROVER_CHECK, False))
	# The OEM ERP acknowledges through dms_app.api.primary_orders.acknowledge_order (DMS Integration);
	# until an integration runs, a DMS Manager confirms by hand.
	for role in OEM_CONFIRMERS:
		rows += [
			transition(OEM_CONFIRMATION, "Confirm", APPROVED, role),
			transition(OEM_CONFIRMATION, "Reject", REJECTED, role),
		]
	rows.append(transition(APPROVED, "Cancel", CANCELLED, "DMS Manager"))
	rows += [
		transition(APPROVED, "Cancel", CANCELLED, role, "not doc.distributor")
		for role in ("Stock Manager", "Purchase Manager")
	]
	return rows


WORKFLOW = {
	"workflow_name": NAME,
	"document_type": "Material Request",
	"is_active": 1,
	"workflow_state_field": "workflow_state",
	"send_email_alert": 0,
	"override_status": 0,
	"states": [
		{"state": DRAFT, "doc_status": "0", "allow_edit": "All"},
		*({"state": pending_state(level), "doc_status": "0", "allow_edit": level} for level in LEVELS),
		{"state": OEM_CONFIRMATION, "doc_status": "0", "allow_edit": "DMS Manager"},
		{"state": APPROVED, "doc_status": "1", "allow_edit": "DMS Manager"},
		{"state": REJECTED, "doc_status": "0", "allow_edit": "DMS Manager"},
		{"state": CANCELLED, "doc_status": "2", "allow_edit": "DMS Manager"},
	],
	"transitions": _transitions(),
}
