"""/dms/retail-orders: the retailer orders the distributor received (from the store, beat visits and
marketplaces), newest first, by retail status (``?status=``)."""

import frappe
from frappe import _

from dms_app.portal.context import link, prepare
from dms_app.portal.retail_orders import STATUSES, order_list, status_counts

no_cache = 1


def get_context(context):
	context.dms_page = "retail-orders"
	distributor = prepare(context, _("Retail Orders"))
	if not distributor:
		return
	status = frappe.form_dict.get("status")
	status = status if status in STATUSES else None
	context.status = status
	context.counts = status_counts(distributor)
	context.tabs = [
		{"label": _("All"), "status": None, "count": sum(context.counts.values())},
		*({"label": _(s), "status": s, "count": context.counts.get(s, 0)} for s in STATUSES),
	]
	context.orders = order_list(distributor, status)
	context.tab_link = lambda s: link("/dms/retail-orders", context.query, status=s)
	context.order_link = lambda name: link("/dms/retail-orders/view", context.query, name=name)
