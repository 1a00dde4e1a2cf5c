"""/shop/orders: the retailer's orders, newest first, with their retail status (Placed, Accepted, Partly
Served, Delivered; Unrouted while the OEM finds the distributor; Refused with the distributor's reason).
``?placed=`` names the orders just placed from the store, to thank the retailer for them.

A Guest is sent to log in; a user who is no customer's portal user gets a 403 page.
"""

import frappe
from frappe import _

from dms_app.portal.store import order_list, prepare

no_cache = 1


def get_context(context):
	customer = prepare(context, _("My Orders"))
	context.shop_page = "orders"
	if not customer:
		return
	context.orders = order_list(customer)
	own = {o.name for o in context.orders}
	placed = frappe.form_dict.get("placed")
	context.placed = [n for n in (placed.split(",") if isinstance(placed, str) else []) if n in own]
