"""/dms/sales: the distributor's secondary invoices and returns to its retailers, with totals."""

import frappe
from frappe import _

from dms_app.portal.context import link, prepare
from dms_app.portal.sales import invoice_list, invoice_totals, retailers

no_cache = 1


def get_context(context):
	context.dms_page = "sales"
	distributor = prepare(context, _("Secondary Sales"))
	if not distributor:
		return
	context.retailers = retailers(distributor)
	# a retailer filter names one of the distributor's own retailers, or filters nothing
	retailer = frappe.form_dict.get("retailer") or None
	if retailer and retailer not in {r.name for r in context.retailers}:
		retailer = None
	context.retailer = retailer
	context.invoices = invoice_list(distributor, retailer)
	context.totals = invoice_totals(distributor, retailer)
	context.invoice_link = lambda name: link("/dms/sales/view", context.query, name=name)
	context.new_link = link("/dms/sales/new", context.query)
	context.upload_link = link("/dms/sales/upload", context.query)
