"""The "DMS Dispatch" workflow on Stock Entry.

A dispatch (depot -> the distributor's in-transit warehouse, created when an order is approved) is
released by a DMS Manager; the distributor's receipt (in transit -> distributor warehouse) is confirmed
by the distributor's user or a DMS Manager. Stock Entries that are not DMS documents keep a plain
Submit for the stock roles, and land in "Submitted".
"""

from dms_app.core.dispatch import CANCELLED, DISPATCHED, DRAFT, RECEIVED, SUBMITTED
from dms_app.workflows import transition

NAME = "DMS Dispatch"
STOCK_ROLES = ("Stock User", "Stock Manager", "Manufacturing User", "Manufacturing Manager")
IS_DISPATCH = "doc.distributor and doc.add_to_transit"
IS_RECEIPT = "doc.distributor and doc.outgoing_stock_entry"


WORKFLOW = {
	"workflow_name": NAME,
	"document_type": "Stock Entry",
	"is_active": 1,
	"workflow_state_field": "workflow_state",
	"send_email_alert": 0,
	"override_status": 0,
	"states": [
		{"state": DRAFT, "doc_status": "0", "allow_edit": "All"},
		# first submitted state: where Frappe puts entries submitted without a workflow action
		{"state": SUBMITTED, "doc_status": "1", "allow_edit": "Stock Manager"},
		{"state": DISPATCHED, "doc_status": "1", "allow_edit": "DMS Manager"},
		{"state": RECEIVED, "doc_status": "1", "allow_edit": "DMS Manager"},
		{"state": CANCELLED, "doc_status": "2", "allow_edit": "DMS Manager"},
	],
	"transitions": [
		transition(DRAFT, "Dispatch", DISPATCHED, "DMS Manager", IS_DISPATCH),
		transition(DRAFT, "Confirm Receipt", RECEIVED, "Distributor", IS_RECEIPT),
		transition(DRAFT, "Confirm Receipt", RECEIVED, "DMS Manager", IS_RECEIPT),
		*(transition(DRAFT, "Submit", SUBMITTED, role, "not doc.distributor") for role in STOCK_ROLES),
		transition(DISPATCHED, "Cancel", CANCELLED, "DMS Manager"),
		transition(RECEIVED, "Cancel", CANCELLED, "DMS Manager"),
		*(
			transition(SUBMITTED, "Cancel", CANCELLED, role)
			for role in ("Stock Manager", "Manufacturing Manager")
		),
	],
}
