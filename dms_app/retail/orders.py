"""Retailers' orders (from the store, a beat visit or a marketplace), served by their distributors.

An order is a Sales Order of the retailer (Customer) for the distributor that serves it, from that
distributor's warehouse, priced by the DMS schemes exactly as the invoice it becomes will be
(dms_app.schemes.engine.apply_to_sale runs on both). Routing is dms_app.core.routing, line by line: one
Sales Order per distributor; lines no rule routes go on a Sales Order with no distributor ("Unrouted")
that a DMS Manager routes (``route_to``). Order limits per retailer segment (DMS Retail Order Limit)
are checked as an order is placed.

The retail status follows the order: Unrouted, Placed, Accepted (the distributor submitted it, with the
quantities it can serve), Partly Served / Delivered (its invoices), Refused, Cancelled; each change is
sent to the retailer's mobile (SMS / WhatsApp) and, for a marketplace order, to the OEM ERP, through the
outbox.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import add_days, flt, nowdate

from dms_app.core import routing
from dms_app.distribution.settings import get_settings
from dms_app.retail.links import ensure_link
from dms_app.schemes import engine as schemes

UNROUTED, PLACED, ACCEPTED, PARTLY, DELIVERED, REFUSED, CANCELLED = (
	"Unrouted",
	"Placed",
	"Accepted",
	"Partly Served",
	"Delivered",
	"Refused",
	"Cancelled",
)
SOURCES = ("Store", "Beat", "Marketplace")
DELIVERY_DAYS = 2
MAX_LINES = 500  # lines in one order


class OrderLimitError(frappe.ValidationError):
	pass


class NotARetailer(frappe.ValidationError):
	pass


# -- routing ---------------------------------------------------------------------------------------


def retailer_of(customer: str) -> routing.Retailer:
	"""What routing needs to know of a retailer, read once."""
	row = frappe.db.get_value(
		"Customer", customer, ["name", "distributor", "territory", "disabled"], as_dict=True
	)
	if not row or row.disabled:
		frappe.throw(_("Retailer {0} not found.").format(customer), NotARetailer, title=_("Not a Retailer"))
	links = frappe.get_all(
		"DMS Retailer Link", filters={"customer": customer, "active": 1}, fields=["distributor", "division"]
	)
	beat = frappe.qb.DocType("DMS Beat")
	stop = frappe.qb.DocType("DMS Beat Retailer")
	beats = (
		frappe.qb.from_(stop)
		.join(beat)
		.on(beat.name == stop.parent)
		.select(beat.distributor)
		.where(stop.retailer == customer)
		.where(stop.parenttype == "DMS Beat")
		.where(beat.active == 1)
		.distinct()
		.run(pluck=True)
	)
	named = {row.distributor, *(link.distributor for link in links), *beats} - {None}
	active = set(
		frappe.get_all("Distributor", filters={"name": ["in", list(named)], "status": "Active"}, pluck="name")
		if named
		else ()
	)
	servings = [routing.Serving(row.distributor)] if row.distributor in active else []
	servings += [
		routing.Serving(link.distributor, link.division or None)
		for link in links
		if link.distributor in active
	]
	territories = []
	if row.territory:
		path = schemes.path("Territory", row.territory)
		by_territory: dict[str, list[str]] = {}
		for d in frappe.get_all(
			"Distributor",
			filters={"territory": ["in", path], "status": "Active"},
			fields=["name", "territory"],
		):
			by_territory.setdefault(d.territory, []).append(d.name)
		territories = [tuple(by_territory.get(t, ())) for t in path]
	return routing.Retailer(tuple(servings), tuple(b for b in beats if b in active), tuple(territories))


def lines_of(item_codes: list[str]) -> list[routing.Line]:
	groups = dict(
		frappe.get_all(
			"Item", filters={"name": ["in", item_codes]}, fields=["name", "item_group"], as_list=True
		)
	)
	return [routing.Line(code, schemes.path("Item Group", groups.get(code))) for code in item_codes]


# -- building orders --------------------------------------------------------------------------------


def _clean_cart(lines) -> dict[str, float]:
	"""{item_code: qty} from [{item_code, qty}] (or that as JSON, as a request sends it), with clear
	errors."""
	if isinstance(lines, str):
		try:
			lines = json.loads(lines)
		except ValueError:
			frappe.throw(_("The order's lines could not be read."), title=_("Invalid Order"))
	if lines is None or lines == []:
		frappe.throw(_("Add at least one item to the order."), title=_("Empty Order"))
	if not isinstance(lines, list) or len(lines) > MAX_LINES:
		frappe.throw(_("The order's lines could not be read."), title=_("Invalid Order"))
	cart: dict[str, float] = {}
	for i, line in enumerate(lines, 1):
		if not isinstance(line, dict):
			frappe.throw(_("Line {0} could not be read.").format(i), title=_("Invalid Order"))
		code = str(line.get("item_code") or "").strip()
		try:
			qty = float(line.get("qty"))
		except (TypeError, ValueError):
			qty = 0
		if not code or qty <= 0 or qty != qty:
			frappe.throw(
				_("Line {0}: give an item and a quantity above zero.").format(i), title=_("Invalid Order")
			)
		cart[code] = cart.get(code, 0) + qty
	known = set(
		frappe.get_all(
			"Item",
			filters={"name": ["in", list(cart)], "disabled": 0, "is_sales_item": 1},
			pluck="name",
		)
	)
	unknown = [code for code in cart if code not in known]
	if unknown:
		frappe.throw(_("Not for sale: {0}").format(", ".join(unknown[:20])), title=_("Item Not Available"))
	return cart


def price_list_for(customer: str, distributor: str | None) -> str | None:
	return (
		frappe.db.get_value("Customer", customer, "default_price_list")
		or (distributor and frappe.db.get_value("Distributor", distributor, "default_price_list"))
		or get_settings().default_price_list
	)


def build(customer: str, distributor: str | None, cart: dict[str, float], source: str, **fields):
	"""An unsaved Sales Order of ``cart`` for ``distributor`` (None: unrouted), priced."""
	company = (
		frappe.db.get_value("Distributor", distributor, "company") if distributor else get_settings().company
	)
	warehouse = distributor and frappe.db.get_value("Distributor", distributor, "warehouse")
	delivery = add_days(nowdate(), DELIVERY_DAYS)
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"company": company,
			"distributor": distributor,
			"transaction_date": nowdate(),
			"delivery_date": delivery,
			"selling_price_list": price_list_for(customer, distributor),
			"set_warehouse": warehouse,
			"order_type": "Sales",
			"dms_order_source": source,
			"dms_retail_status": PLACED if distributor else UNROUTED,
			"items": [
				{"item_code": code, "qty": qty, "delivery_date": delivery, "warehouse": warehouse}
				for code, qty in cart.items()
			],
			**fields,
		}
	)
	return doc


def split(customer: str, cart: dict[str, float]) -> tuple[dict[str | None, dict[str, float]], dict[str, str]]:
	"""The cart by distributor (None: unrouted) and each unrouted item's reason."""
	result = routing.route(retailer_of(customer), lines_of(list(cart)))
	parts: dict[str | None, dict[str, float]] = {
		distributor: {code: cart[code] for code in codes}
		for distributor, codes in result.by_distributor.items()
	}
	if result.unrouted:
		parts[None] = {code: cart[code] for code in result.unrouted}
	return parts, result.unrouted


def quote(customer: str, lines) -> list[dict]:
	"""What placing ``lines`` would make, without saving: per distributor (None: unrouted) the priced
	lines (free goods included), the scheme discount and the total. The store's cart shows this."""
	cart = _clean_cart(lines)
	parts, reasons = split(customer, cart)
	out = []
	for distributor, part in parts.items():
		doc = build(customer, distributor, part, "Store")
		doc.flags.ignore_permissions = True  # as in place(): the caller checks who may order for customer
		schemes.before_validate(doc)  # as an insert does: ERPNext's pricing rules would apply twice
		doc.run_method("set_missing_values")
		doc.calculate_taxes_and_totals()
		if distributor:
			schemes.apply_to_sale(doc)
		out.append(_summary(doc, reasons))
	return out


def _summary(doc, reasons: dict[str, str] | None = None) -> dict:
	return {
		"distributor": doc.distributor,
		"name": doc.name if not doc.is_new() else None,
		"lines": [
			{
				"item_code": row.item_code,
				"item_name": row.item_name,
				"qty": flt(row.qty),
				"rate": flt(row.rate),
				"price_list_rate": flt(row.price_list_rate),
				"amount": flt(row.amount),
				"free": bool(row.get(schemes.FREE_ROW)),
			}
			for row in doc.items
		],
		"scheme_discount": flt(doc.get("dms_scheme_discount")),
		"discount_amount": flt(doc.discount_amount),
		"grand_total": flt(doc.grand_total),
		"status": doc.dms_retail_status,
		"unrouted": {code: reasons[code] for code in (reasons or {}) if not doc.distributor},
	}


def place(customer: str, lines, source: str, **fields) -> list[dict]:
	"""Place a retailer's order: one Sales Order per serving distributor (and one Unrouted for what no
	rule routes). All or nothing. Inserted as the caller (checked by the caller for who may order for
	``customer``); each is validated by ``validate`` below."""
	if source not in SOURCES:
		frappe.throw(_("Unknown order source {0}.").format(source), title=_("Invalid Order"))
	cart = _clean_cart(lines)
	parts, reasons = split(customer, cart)
	out = []
	for distributor, part in parts.items():
		if distributor:
			ensure_link(distributor, customer)  # routed by beat or territory: now one of its retailers
		doc = build(customer, distributor, part, source, **fields)
		if not distributor:
			doc.dms_routing_note = "\n".join(f"{code}: {reasons[code]}" for code in part)
		doc.flags.ignore_permissions = True  # the caller's right to order for the retailer is checked
		doc.insert()
		if not distributor and doc.distributor:
			# Frappe fills an empty link from the caller's only User Permission (a distributor's user):
			# an unrouted order belongs to no distributor until a DMS Manager routes it
			doc.db_set("distributor", None, update_modified=False)
		notify_status(doc)
		out.append(_summary(doc, reasons))
	return out


# -- hooks on Sales Order ------------------------------------------------------------------------------


def validate(doc, method=None):
	"""A retail order: the distributor's own warehouse, the schemes' pricing, the segment's limits."""
	if not doc.get("dms_order_source") or not doc.get("distributor"):
		return
	warehouse = frappe.db.get_value("Distributor", doc.distributor, "warehouse")
	doc.set_warehouse = warehouse
	own = set(frappe.get_all("Warehouse", filters={"distributor": doc.distributor}, pluck="name"))
	for row in doc.items:
		if row.warehouse not in own:
			row.warehouse = warehouse
	schemes.apply_to_sale(doc)
	if doc.docstatus == 0 and doc.dms_retail_status in (PLACED, UNROUTED):
		check_limits(doc)


def check_limits(doc) -> None:
	"""The most specific DMS Retail Order Limit of the retailer's segment: value per order, and what the
	retailer may owe the distributor (unpaid invoices plus this order)."""
	group, outlet_class = frappe.db.get_value("Customer", doc.customer, ["customer_group", "outlet_class"])
	groups = schemes.path("Customer Group", group)  # nearest first: the nearer group is more specific
	limits = [
		limit
		for limit in frappe.get_all(
			"DMS Retail Order Limit",
			fields=["name", "customer_group", "outlet_class", "max_order_value", "max_outstanding"],
		)
		if (not limit.customer_group or limit.customer_group in groups)
		and (not limit.outlet_class or limit.outlet_class == outlet_class)
	]
	if not limits:
		return
	nearness = {g: len(groups) - i for i, g in enumerate(groups)}
	limit = max(limits, key=lambda x: (nearness.get(x.customer_group, 0), bool(x.outlet_class)))
	total = flt(doc.grand_total)
	money = lambda v: frappe.format_value(v, "Currency")  # noqa: E731
	if flt(limit.max_order_value) and total > flt(limit.max_order_value):
		frappe.throw(
			_("An order of {0} is more than the {1} one order of this retailer may be worth.").format(
				money(total), money(limit.max_order_value)
			),
			OrderLimitError,
			title=_("Order Limit"),
		)
	if flt(limit.max_outstanding):
		owed = flt(
			frappe.db.get_value(
				"Sales Invoice",
				{"customer": doc.customer, "distributor": doc.distributor, "docstatus": 1},
				"sum(outstanding_amount)",
			)
		)
		if owed + total > flt(limit.max_outstanding):
			frappe.throw(
				_(
					"The retailer owes {0} {1} already; with this order of {2} that is more than the {3} "
					"allowed. Paying the distributor releases it."
				).format(doc.distributor, money(owed), money(total), money(limit.max_outstanding)),
				OrderLimitError,
				title=_("Order Limit"),
			)


def on_submit(doc, method=None):
	if doc.get("dms_order_source") and doc.get("distributor"):
		set_status(doc, ACCEPTED)


def on_cancel(doc, method=None):
	if doc.get("dms_order_source"):
		set_status(doc, CANCELLED)


def on_invoice_change(doc, method=None):
	"""A distributor's invoice (or delivery note) from retail orders: their status follows it."""
	if not doc.get("distributor"):
		return
	orders = {row.sales_order for row in doc.items if row.get("sales_order")} | {
		row.against_sales_order for row in doc.items if row.get("against_sales_order")
	}
	for name in filter(None, orders):
		order = frappe.get_doc("Sales Order", name)
		if not order.get("dms_order_source") or order.docstatus != 1:
			continue
		served = max(flt(order.per_delivered), flt(order.per_billed))
		set_status(order, DELIVERED if served >= 99.99 else PARTLY if served > 0 else ACCEPTED)


def set_status(doc, status: str) -> None:
	if doc.get("dms_retail_status") == status:
		return
	doc.db_set("dms_retail_status", status, update_modified=False)
	notify_status(doc)


def notify_status(doc) -> None:
	"""Tell the retailer (SMS / WhatsApp) and, for a marketplace order, the OEM ERP."""
	from dms_app.dms_integrations.events import notify, send_retail_status

	status = doc.dms_retail_status
	texts = {
		PLACED: _("Your order {0} is placed with {1}."),
		UNROUTED: _("Your order {0} is received; we are finding the distributor to serve it."),
		ACCEPTED: _("Your order {0} is accepted by {1}."),
		PARTLY: _("Your order {0} is partly served by {1}."),
		DELIVERED: _("Your order {0} is served by {1}."),
		REFUSED: _("Your order {0} could not be served by {1}."),
		CANCELLED: _("Your order {0} is cancelled."),
	}
	mobile = frappe.db.get_value("Customer", doc.customer, "mobile_no")
	if status in texts and mobile:
		notify(
			doc,
			f"retail_order.{frappe.scrub(status)}",
			texts[status].format(doc.name, doc.distributor or ""),
			[mobile],
		)
	if doc.get("dms_order_source") == "Marketplace":
		send_retail_status(doc)


@frappe.whitelist(methods=["POST"])
def route_to(order: str | None = None, distributor: str | None = None) -> dict:
	"""A DMS Manager routes an Unrouted retail order to a distributor, which then serves the retailer
	(a DMS Retailer Link is made). The order is priced again for that distributor."""
	from dms_app.api.errors import require_args
	from dms_app.permissions import require_role

	require_role("DMS Manager", "System Manager")
	require_args(order=order, distributor=distributor)
	doc = frappe.get_doc("Sales Order", order)
	doc.check_permission("write")
	if doc.get("dms_retail_status") != UNROUTED or doc.docstatus != 0:
		frappe.throw(_("{0} is not an unrouted retail order.").format(order), title=_("Not Unrouted"))
	dist = frappe.db.get_value(
		"Distributor", distributor, ["name", "status", "company", "warehouse"], as_dict=True
	)
	if not dist:
		frappe.throw(_("Distributor {0} not found.").format(distributor), frappe.DoesNotExistError)
	if dist.status != "Active":
		frappe.throw(
			_("Distributor {0} is not active.").format(distributor), title=_("Distributor Not Active")
		)
	ensure_link(dist.name, doc.customer)
	doc.update(
		{
			"distributor": dist.name,
			"company": dist.company,
			"set_warehouse": dist.warehouse,
			"selling_price_list": price_list_for(doc.customer, dist.name),
			"dms_retail_status": PLACED,
			"dms_routing_note": _("Routed by {0}").format(frappe.session.user),
		}
	)
	for row in doc.items:
		row.warehouse = dist.warehouse
	doc.save()
	notify_status(doc)
	return _summary(doc)
