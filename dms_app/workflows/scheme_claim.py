"""The "DMS Scheme Claim" workflow: a distributor claims back what its schemes gave retailers.

The distributor (or a DMS Manager) sends a draft claim for approval; a DMS Manager approves it, which
submits the claim and settles it with a Credit Note or Journal Entry (dms_app.schemes), or rejects it
back to the distributor with a reason in the remarks.
"""

from dms_app.workflows import transition

NAME = "DMS Scheme Claim"
DRAFT, PENDING, APPROVED, REJECTED, CANCELLED = (
	"Draft",
	"Pending Approval",
	"Approved",
	"Rejected",
	"Cancelled",
)

WORKFLOW = {
	"workflow_name": NAME,
	"document_type": "DMS Scheme Claim",
	"is_active": 1,
	"workflow_state_field": "workflow_state",
	"send_email_alert": 0,
	"override_status": 0,
	"states": [
		{"state": DRAFT, "doc_status": "0", "allow_edit": "Distributor"},
		{"state": PENDING, "doc_status": "0", "allow_edit": "DMS Manager"},
		{"state": REJECTED, "doc_status": "0", "allow_edit": "Distributor"},
		{"state": APPROVED, "doc_status": "1", "allow_edit": "DMS Manager"},
		{"state": CANCELLED, "doc_status": "2", "allow_edit": "DMS Manager"},
	],
	"transitions": [
		*(
			transition(state, "Send for Approval", PENDING, role)
			for state in (DRAFT, REJECTED)
			for role in ("Distributor", "DMS Manager")
		),
		transition(PENDING, "Approve", APPROVED, "DMS Manager"),
		transition(PENDING, "Reject", REJECTED, "DMS Manager"),
		transition(APPROVED, "Cancel", CANCELLED, "DMS Manager"),
	],
}
