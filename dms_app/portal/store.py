"""The retailer's B2B store (/shop): the catalogue, a priced cart and the retailer's orders.

A retailer is a website user listed in an ERPNext Customer's ``portal_users`` table (ERPNext gives such a
user the Customer role when a System Manager adds it). The customer is always resolved from the session
user (:func:`retailer_for`), never named by the request: a user who is no customer's portal user is
refused (403), a Guest is sent to log in.

* The catalogue: sales items with a price in the retailer's price list
  (dms_app.retail.orders.price_list_for), Product Bundles among them when priced.
* :func:`quote` prices the cart exactly as the orders (and the invoices made from them) will be priced:
  dms_app.retail.orders.quote, per serving distributor, with the schemes' free goods and discounts.
* :func:`place_order` places it (dms_app.retail.orders.place, source "Store"): one Sales Order per
  serving distributor, and one the OEM routes for what no rule routes.

The Frappe webshop app is not used: its cart and checkout would have to be overridden to route each line
to a serving distributor and to price with the DMS scheme engine.
"""

from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.utils import cint, flt, fmt_money, format_date, nowdate

from dms_app.retail import orders

PAGE_LIMIT = 40
ORDER_LIMIT = 100
STATUS_COLOURS = {
	orders.UNROUTED: "orange",
	orders.PLACED: "blue",
	orders.ACCEPTED: "blue",
	orders.PARTLY: "orange",
	orders.DELIVERED: "green",
	orders.REFUSED: "red",
	orders.CANCELLED: "red",
}


class NotARetailerUser(frappe.PermissionError):
	"""The logged-in user is no customer's portal user."""


def retailer_for(user: str | None = None) -> str:
	"""The Customer whose portal user ``user`` (default: the session user) is; the first by name when it
	is several customers' user. Raises PermissionError for a Guest or a user who is no retailer's."""
	user = user or frappe.session.user
	if user == "Guest":
		raise frappe.PermissionError(_("Log in to order from the store."))
	linked = frappe.get_all(
		"Portal User",
		filters={"user": user, "parenttype": "Customer", "parentfield": "portal_users"},
		pluck="parent",
	)
	customers = (
		frappe.get_all(
			"Customer", filters={"name": ["in", linked], "disabled": 0}, pluck="name", order_by="name asc"
		)
		if linked
		else []
	)
	if not customers:
		raise NotARetailerUser(
			_(
				"Your user is not a retailer's user. Ask your distributor or the OEM to add it to your "
				"shop's customer record."
			)
		)
	return customers[0]


def currency_of(customer: str) -> str | None:
	price_list = orders.price_list_for(customer, frappe.db.get_value("Customer", customer, "distributor"))
	return (price_list and frappe.db.get_value("Price List", price_list, "currency")) or frappe.db.get_value(
		"Customer", customer, "default_currency"
	)


def money_formatter(currency: str | None):
	return lambda value: fmt_money(flt(value), currency=currency)


# -- pages --------------------------------------------------------------------------------------------


def prepare(context, title: str) -> str | None:
	"""Common set-up of a store page: a Guest is sent to log in; a user who is no retailer's gets a 403
	page. Returns the customer, or None after putting the error in ``context``."""
	context.no_cache = 1
	context.show_sidebar = 0
	context.title = title
	if frappe.session.user == "Guest":
		path = frappe.local.request.full_path if getattr(frappe.local, "request", None) else "/shop"
		frappe.local.flags.redirect_location = "/login?" + urlencode({"redirect-to": path.rstrip("?")})
		raise frappe.Redirect(302)
	try:
		customer = retailer_for()
	except frappe.PermissionError as e:
		context.http_status_code = 403
		context.store_error = {"title": _("Not Permitted"), "message": str(e)}
		return None
	context.customer = customer
	context.customer_name = frappe.db.get_value("Customer", customer, "customer_name") or customer
	context.currency = currency_of(customer) or ""
	context.money = money_formatter(context.currency)
	context.qty = lambda value: frappe.format_value(flt(value), {"fieldtype": "Float"})
	context.date = format_date
	return customer


# -- catalogue ----------------------------------------------------------------------------------------


def catalogue(customer: str, q: str = "", start: int = 0, limit: int = PAGE_LIMIT) -> frappe._dict:
	"""The items the retailer may order: enabled sales items (not templates) with a price in its price
	list today (a price for this customer before a general one), matching ``q`` (code, name or group),
	a page from ``start``. Product Bundles among them carry their contents."""
	price_list = orders.price_list_for(customer, frappe.db.get_value("Customer", customer, "distributor"))
	out = frappe._dict(q=q, start=start, limit=limit, total=0, rows=[], price_list=price_list)
	if not price_list:
		return out
	item = frappe.qb.DocType("Item")
	price = frappe.qb.DocType("Item Price")
	today = nowdate()
	query = (
		frappe.qb.from_(item)
		.join(price)
		.on(price.item_code == item.name)
		.select(
			item.name.as_("item_code"),
			item.item_name,
			item.item_group,
			item.stock_uom,
			item.image,
			price.price_list_rate.as_("rate"),
			price.uom.as_("price_uom"),
			price.customer,
		)
		.where(price.price_list == price_list)
		.where(item.disabled == 0)
		.where(item.is_sales_item == 1)
		.where(item.has_variants == 0)
		.where(price.customer.isnull() | (price.customer == "") | (price.customer == customer))
		.where(price.valid_from.isnull() | (price.valid_from <= today))
		.where(price.valid_upto.isnull() | (price.valid_upto >= today))
		.orderby(item.item_name)
		.orderby(item.name)
	)
	if q:
		like = f"%{q}%"
		query = query.where(item.name.like(like) | item.item_name.like(like) | item.item_group.like(like))
	by_code: dict[str, dict] = {}
	for row in query.run(as_dict=True):
		if row.item_code not in by_code or row.customer == customer:
			by_code[row.item_code] = row
	rows = list(by_code.values())
	out.total = len(rows)
	out.rows = rows[start : start + limit]
	bundles = _bundles([row.item_code for row in out.rows])
	for row in out.rows:
		row.uom = row.price_uom or row.stock_uom
		row.bundle = bundles.get(row.item_code)
	return out


def _bundles(item_codes: list[str]) -> dict[str, list[dict]]:
	"""The contents of the enabled Product Bundles among ``item_codes``."""
	if not item_codes:
		return {}
	names = dict(
		frappe.get_all(
			"Product Bundle",
			filters={"new_item_code": ["in", item_codes], "disabled": 0},
			fields=["name", "new_item_code"],
			as_list=True,
		)
	)
	contents: dict[str, list[dict]] = {}
	for row in frappe.get_all(
		"Product Bundle Item",
		filters={"parent": ["in", list(names) or [""]], "parenttype": "Product Bundle"},
		fields=["parent", "item_code", "qty", "uom"],
		order_by="idx asc",
	):
		contents.setdefault(names[row.parent], []).append(row)
	return contents


# -- the retailer's orders -----------------------------------------------------------------------------


def order_list(customer: str, limit: int = ORDER_LIMIT) -> list[dict]:
	"""The retailer's orders (from the store, a beat visit or a marketplace), newest first, with lines."""
	rows = frappe.get_all(
		"Sales Order",
		filters={"customer": customer, "dms_order_source": ["is", "set"]},
		fields=[
			"name",
			"transaction_date",
			"creation",
			"distributor",
			"dms_retail_status",
			"dms_order_source",
			"dms_refusal_reason",
			"dms_routing_note",
			"dms_scheme_discount",
			"grand_total",
			"docstatus",
		],
		order_by="creation desc",
		limit=limit,
	)
	if not rows:
		return []
	names = {
		d.name: d.distributor_name
		for d in frappe.get_all(
			"Distributor",
			filters={"name": ["in", list({r.distributor for r in rows if r.distributor})]},
			fields=["name", "distributor_name"],
		)
	}
	lines: dict[str, list] = {}
	for line in frappe.get_all(
		"Sales Order Item",
		filters={"parent": ["in", [r.name for r in rows]], "parenttype": "Sales Order"},
		fields=["parent", "item_code", "item_name", "qty", "uom", "rate", "amount", "dms_scheme"],
		order_by="idx asc",
	):
		lines.setdefault(line.parent, []).append(line)
	for row in rows:
		row.distributor_name = names.get(row.distributor) or row.distributor
		row.lines = lines.get(row.name, [])
		row.status = row.dms_retail_status or (orders.UNROUTED if not row.distributor else orders.PLACED)
		row.colour = STATUS_COLOURS.get(row.status, "")
	return rows


# -- methods ------------------------------------------------------------------------------------------


def present(parts: list[dict], currency: str | None) -> list[dict]:
	"""dms_app.retail.orders' summaries with the distributors' names and the amounts formatted."""
	money = money_formatter(currency)
	names = dict(
		frappe.get_all(
			"Distributor",
			filters={"name": ["in", [p["distributor"] for p in parts if p["distributor"]] or [""]]},
			fields=["name", "distributor_name"],
			as_list=True,
		)
	)
	for part in parts:
		part["distributor_name"] = names.get(part["distributor"]) or part["distributor"]
		part["fmt_grand_total"] = money(part["grand_total"])
		part["fmt_scheme_discount"] = money(part["scheme_discount"])
		part["fmt_discount_amount"] = money(part["discount_amount"])
		for line in part["lines"]:
			line["fmt_rate"] = money(line["rate"])
			line["fmt_price_list_rate"] = money(line["price_list_rate"])
			line["fmt_amount"] = money(line["amount"])
	return parts


@frappe.whitelist(methods=["POST"])
def quote(lines: str | list | None = None) -> dict:
	"""What placing ``lines`` ([{item_code, qty}]) would make for the caller's shop, priced as the
	invoices will be, without saving anything: per distributor (none: the OEM routes it) the lines with
	their rates and free goods, the scheme discount and the total."""
	customer = retailer_for()
	currency = currency_of(customer)
	frappe.db.savepoint("dms_store_quote")
	try:
		parts = present(orders.quote(customer, lines), currency)
	finally:
		frappe.db.rollback(save_point="dms_store_quote")
	return {
		"orders": parts,
		"grand_total": sum(flt(p["grand_total"]) for p in parts),
		"fmt_grand_total": money_formatter(currency)(sum(flt(p["grand_total"]) for p in parts)),
	}


@frappe.whitelist(methods=["POST"])
def place_order(lines: str | list | None = None) -> dict:
	"""Place the caller's shop's order of ``lines``: one Sales Order per serving distributor (and one the
	OEM routes for what no rule routes), all or nothing. Returns the orders and the page listing them."""
	customer = retailer_for()
	frappe.db.savepoint("dms_store_place")
	try:
		placed = orders.place(customer, lines, "Store")
	except Exception:
		frappe.db.rollback(save_point="dms_store_place")
		raise
	frappe.db.release_savepoint("dms_store_place")
	return {
		"orders": present(placed, currency_of(customer)),
		"url": "/shop/orders?" + urlencode({"placed": ",".join(p["name"] for p in placed)}),
	}


def page_link(q: str, page: int) -> str:
	params = {k: v for k, v in (("q", q or None), ("page", cint(page) if page > 1 else None)) if v}
	return "/shop" + ("?" + urlencode(params) if params else "")
