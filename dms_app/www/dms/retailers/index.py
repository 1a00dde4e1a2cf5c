"""/dms/retailers: the distributor's retailers, with search, this month's sales and loyalty points."""

import frappe
from frappe import _

from dms_app.portal.context import link, prepare
from dms_app.portal.retailers import LIST_LIMIT, retailer_list

no_cache = 1


def get_context(context):
	context.dms_page = "retailers"
	distributor = prepare(context, _("Retailers"))
	if not distributor:
		return
	context.search = (frappe.form_dict.get("q") or "").strip()
	context.retailers = retailer_list(distributor, context.search)
	context.limit = LIST_LIMIT
	context.loyalty = any(r.points is not None for r in context.retailers)
	context.saved = frappe.form_dict.get("saved")
	context.edit_link = lambda name=None: link("/dms/retailers/edit", context.query, name=name)
