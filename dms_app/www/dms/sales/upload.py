"""/dms/sales/upload: post a CSV or Tally XML file of secondary invoices through the bulk upload API
(dms_app.portal.sales.upload), with per-invoice results and row-level errors; large files run in the
background and the page polls their progress. ``?upload=<name>`` shows one of the distributor's earlier
uploads (another distributor's is not found)."""

import frappe
from frappe import _
from frappe.core.api.file import get_max_file_size

from dms_app.core.secondary_sales import CSV_COLUMNS
from dms_app.portal.context import link, prepare, set_error
from dms_app.portal.sales import upload_detail, upload_list
from dms_app.secondary_sales.ingest import SYNC_LIMIT

no_cache = 1


def get_context(context):
	context.dms_page = "sales-upload"
	distributor = prepare(context, _("Upload Sales"))
	if not distributor:
		return
	context.back_link = link("/dms/sales", context.query)
	context.back_label = _("Back to sales")
	context.template_link = link(
		"/api/method/dms_app.portal.sales.csv_template", distributor=distributor if context.query else None
	)
	context.upload_link = lambda name: link("/dms/sales/upload", context.query, upload=name)
	context.invoice_base = link("/dms/sales/view", context.query)
	context.distributor_param = distributor if context.query else ""
	context.csv_columns = CSV_COLUMNS
	context.sync_limit = SYNC_LIMIT
	context.max_size = get_max_file_size()
	context.uploads = upload_list(distributor)
	name = frappe.form_dict.get("upload")
	context.shown = None
	if name:
		context.shown = upload_detail(distributor, name)
		if not context.shown:
			set_error(
				context,
				404,
				_("Upload Not Found"),
				_("There is no upload {0} of your distributor.").format(name),
			)
