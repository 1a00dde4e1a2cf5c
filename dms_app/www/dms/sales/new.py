"""/dms/sales/new: a new invoice to one of the distributor's retailers, priced live by the schemes.

The page calls dms_app.portal.sales.search_items, preview (as lines change) and create_invoice; each
resolves the distributor from the logged-in user again.
"""

import frappe
from frappe import _

from dms_app.portal.context import link, prepare
from dms_app.portal.sales import distributor_info, retailers, sales_warehouses

no_cache = 1


def get_context(context):
	context.dms_page = "sales-new"
	distributor = prepare(context, _("New Invoice"))
	if not distributor:
		return
	info = distributor_info(distributor)
	context.retailers = retailers(distributor)
	context.warehouses = sales_warehouses(distributor, info.warehouse)
	wanted = frappe.form_dict.get("retailer")
	context.retailer = wanted if wanted in {r.name for r in context.retailers} else None
	context.back_link = link("/dms/sales", context.query)
	# OEM staff name the distributor; the page passes it on, and every method checks it again
	context.distributor_param = distributor if context.query else ""
