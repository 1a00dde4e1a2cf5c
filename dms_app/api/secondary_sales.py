"""Bulk, idempotent ingestion of secondary sales for integrators (Tally connectors, distributors' ERPs).

	POST /api/method/dms_app.api.secondary_sales.upload
	     distributor=<code>   (optional for a distributor's own user)
	     format=json|csv|tally
	     invoices=<JSON list>  or  data=<CSV or Tally XML text>

Up to SYNC_LIMIT invoices are posted at once and the response holds one result per invoice; larger
batches, and any batch of a distributor whose earlier uploads are still waiting, are queued for the
workers and the response names a DMS Upload to poll with upload_status. Invoices are posted, and their
results listed, in posting-date order (batch order within a day); see dms_app.secondary_sales.ingest.
"""

import json

import frappe
from frappe import _

from dms_app.api.errors import require_args
from dms_app.core.secondary_sales import (
	BatchError,
	RowError,
	csv_to_records,
	in_posting_order,
	parse_invoices,
	tally_to_records,
)
from dms_app.permissions import portal_distributors, require_role
from dms_app.secondary_sales import ingest

FORMATS = {"json": "JSON", "csv": "CSV", "tally": "Tally XML"}


def resolve_distributor(distributor: str | None) -> str:
	"""The distributor the caller may post for: a portal user's own (never another), or the one named by
	DMS Integration / DMS Manager users."""
	mine = portal_distributors()
	if mine is not None:
		if distributor and distributor not in mine:
			raise frappe.PermissionError(_("You cannot post sales for distributor {0}.").format(distributor))
		if not distributor and len(mine) != 1:
			frappe.throw(_("Name the distributor to post for."), title=_("Distributor Required"))
		return distributor or mine[0]
	require_role("DMS Integration", "DMS Manager", "System Manager")
	if not distributor or not frappe.db.exists("Distributor", distributor):
		frappe.throw(_("Unknown distributor {0}.").format(distributor or ""), frappe.DoesNotExistError)
	return distributor


def read_batch(
	format: str, invoices=None, data: str | None = None, distributor: str | None = None
) -> tuple[list, list[RowError], list[dict]]:
	"""The batch's invoices, its row errors, and the vouchers of a Tally file that are no sale to post
	(cancelled, optional, deleted, post-dated, other voucher types), each with the reason. A Tally file's
	quantities and rates are put in each item's stock unit by its UOM conversions."""
	skipped: list[dict] = []
	errors: list[RowError] = []
	if format not in FORMATS:
		frappe.throw(_("format must be one of: {0}").format(", ".join(FORMATS)), title=_("Invalid Format"))
	try:
		if format == "json":
			records = json.loads(invoices) if isinstance(invoices, str) else invoices
		elif format == "csv":
			records = csv_to_records(data or "")
		else:
			records = tally_to_records(data or "", skipped, errors, ingest.ItemUnits(distributor))
		return parse_invoices(records, errors), errors, skipped
	except (BatchError, json.JSONDecodeError) as e:
		frappe.throw(_("The batch cannot be read: {0}").format(e), title=_("Invalid Batch"))


@frappe.whitelist(methods=["POST"])
def upload(
	format: str = "json", distributor: str | None = None, invoices=None, data: str | None = None
) -> dict:
	distributor = resolve_distributor(distributor)
	frappe.has_permission("Sales Invoice", "create", throw=True)
	parsed, errors, skipped = read_batch(format, invoices, data, distributor)
	parsed = in_posting_order(parsed)
	# Posted in this request when small and nothing of the distributor's is waiting for a worker (it
	# would then be posted before older uploads); otherwise queued behind them.
	small = len(parsed) <= ingest.SYNC_LIMIT and not ingest.next_waiting(distributor)

	def record_and_post_if_small():
		doc = frappe.get_doc(
			{
				"doctype": "DMS Upload",
				"distributor": distributor,
				"source_format": FORMATS[format],
				"payload": json.dumps([_plain(invoice) for invoice in parsed]),
				"read_errors": json.dumps([e.as_dict() for e in errors]),
				"skipped_vouchers": len(skipped),
				"skipped": json.dumps(skipped) if skipped else None,
			}
		).insert()
		if small:
			ingest.finish(doc, ingest.ingest(distributor, parsed, upload=doc.name))
		return doc

	# Nothing is committed before the request ends, so a deadlock victim is simply done again.
	doc = ingest.retry_on_deadlock(record_and_post_if_small)
	if small:
		return upload_status(doc.name)
	ingest.enqueue(doc.name)
	return {
		"upload": doc.name,
		"status": "Queued",
		"invoices": len(parsed) + len({e.invoice for e in errors}),
	}


@frappe.whitelist(methods=["GET"])
def upload_status(upload: str | None = None) -> dict:
	require_args(upload=upload)
	doc = frappe.get_doc("DMS Upload", upload)
	doc.check_permission("read")
	return {
		"upload": doc.name,
		"status": doc.status,
		"progress": doc.progress,
		"created": doc.created_invoices,
		"duplicates": doc.duplicate_invoices,
		"rejected": doc.rejected_invoices,
		"skipped": json.loads(doc.skipped) if doc.skipped else [],
		"books_total": doc.books_total,
		"dms_total": doc.dms_total,
		"results": json.loads(doc.results) if doc.results else None,
	}


def _plain(invoice) -> dict:
	return {
		"external_ref": invoice.external_ref,
		"posting_date": invoice.posting_date,
		"retailer": vars(invoice.retailer),
		"lines": [vars(line) for line in invoice.lines],
		"is_return": invoice.is_return,
		"return_against": invoice.return_against,
		"ledgers": [vars(entry) for entry in invoice.ledgers],
		"total": invoice.total,
		"place_of_supply": invoice.place_of_supply,
	}
