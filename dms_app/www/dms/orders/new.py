"""/dms/orders/new: place a primary order from the distributor's catalogue, with suggested quantities.

The catalogue (dms_app.portal.catalogue) is searched on the server (``?q=``) and shown a page at a time
(``?page=``); the cart lives in the browser (new.js) until it is sent to
dms_app.portal.catalogue.place_order. Script and style are colocated files (new.js, new.css), so the
template is kept to the markup.
"""

import frappe
from frappe import _
from frappe.utils import cint

from dms_app.portal.catalogue import PAGE_LIMIT, catalogue
from dms_app.portal.context import link, prepare

no_cache = 1


def get_context(context):
	context.dms_page = "place-order"
	distributor = prepare(context, _("Place Order"))
	if not distributor:
		return
	q = (frappe.form_dict.get("q") or "").strip()[:140]
	page = max(cint(frappe.form_dict.get("page")) or 1, 1)
	cat = catalogue(distributor, q=q, start=(page - 1) * PAGE_LIMIT, limit=PAGE_LIMIT)
	pages = max((cat.total + cat.limit - 1) // cat.limit, 1)
	context.cat = cat
	context.page_no = page
	context.pages = pages
	context.page_link = lambda n: link("/dms/orders/new", context.query, q=q or None, page=n)
	context.clear_link = link("/dms/orders/new", context.query)
	company = frappe.db.get_value("Distributor", distributor, "company")
	context.currency = frappe.get_cached_value("Company", company, "default_currency") if company else ""
	context.js_labels = {  # for new.js
		"item": _("Item"),
		"oneItem": _("item"),
		"items": _("items"),
		"quantity": _("Quantity"),
		"amount": _("Amount"),
		"remove": _("Remove"),
		"placing": _("Placing the order…"),
		"submit": _("Submit Order"),
		"failed": _("The order could not be placed."),
		"forbidden": _("You are not permitted to place this order."),
	}
