"""/shop: the retailer's B2B store: the catalogue (``?q=`` searches, ``?page=``), a cart kept in the
browser (index.js) with its live priced preview (dms_app.portal.store.quote: per distributor, with the
schemes' free goods and discounts, as the invoices will charge) and Place Order
(dms_app.portal.store.place_order).

A Guest is sent to log in; a user who is no customer's portal user gets a 403 page.
"""

import frappe
from frappe import _
from frappe.utils import cint

from dms_app.portal.store import PAGE_LIMIT, catalogue, page_link, prepare

no_cache = 1


def get_context(context):
	customer = prepare(context, _("Store"))
	context.shop_page = "catalogue"
	if not customer:
		return
	q = (frappe.form_dict.get("q") or "").strip()[:140]
	page = max(cint(frappe.form_dict.get("page")) or 1, 1)
	context.cat = catalogue(customer, q=q, start=(page - 1) * PAGE_LIMIT, limit=PAGE_LIMIT)
	context.page_no = page
	context.pages = max((context.cat.total + PAGE_LIMIT - 1) // PAGE_LIMIT, 1)
	context.page_link = lambda n: page_link(q, n)
	context.js_labels = {  # for index.js
		"oneItem": _("item"),
		"items": _("items"),
		"remove": _("Remove"),
		"free": _("Free"),
		"pricing": _("Pricing your cart…"),
		"placing": _("Placing the order…"),
		"place": _("Place Order"),
		"failed": _("The order could not be placed."),
		"quoteFailed": _("The cart could not be priced."),
		"forbidden": _("You are not permitted to order from this store."),
		"unrouted": _(
			"The OEM is finding the distributor to serve these items; they are ordered all the same."
		),
		"from": _("From {0}"),
		"unroutedTitle": _("Distributor to be found"),
		"schemeDiscount": _("Scheme discount"),
		"discount": _("Discount"),
		"total": _("Total"),
		"orderTotal": _("Order total"),
		"item": _("Item"),
		"qty": _("Quantity"),
		"rate": _("Rate"),
		"amount": _("Amount"),
	}
