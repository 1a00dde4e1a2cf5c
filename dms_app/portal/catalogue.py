"""The Place Order page's catalogue and the order it places.

The catalogue of a distributor lists the items it may order: enabled stock items (no templates, not past
their end of life) with a price in its price list (the distributor's, else DMS Settings') and sold in its
territory (the rule of dms_app.primary_sales.orders, dms_app.core.distributor.sold_in). For each: the
price (as orders.prepare prices an order: the Item Price of that list, the latest valid_from winning),
stock on hand in its own warehouses, stock in transit to it, quantity on order (awaiting approval, or
approved and not yet dispatched), the net quantity sold to retailers over the sell-out window (outgoing
stock ledger entries of Sales Invoices and Delivery Notes in its own warehouses, returns netted), and the
suggested order quantity (dms_app.core.replenishment).

A handful of set-based queries build it whatever the number of items (no query per item): the orderable
items with their order rules, territory limits, stock by item, open order lines and sell-out by item;
then names and prices of the slice shown. Search (code, name or group) runs in the database; the page
shows one slice at a time, items with a suggestion first (only an item sold in the window can have one).

place_order turns a cart into a Material Request inserted as the user (normal permissions, the order
hooks check and price it) and sends it for approval with the workflow's "Submit for Approval", all in one
savepoint: any error leaves nothing behind.

The distributor always comes from the logged-in user (dms_app.portal.context.resolve_distributor); a
``distributor`` argument is honoured only for a user who may see that distributor.
"""

import json
import time
from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow
from frappe.query_builder.functions import Min, Sum
from frappe.utils import add_days, cint, flt, get_datetime, getdate, nowdate

from dms_app.core import replenishment
from dms_app.core.distributor import sold_in
from dms_app.core.primary_order import OEM_CONFIRMATION, PENDING_STATES
from dms_app.distribution.settings import get_settings
from dms_app.distributor_account import ledger
from dms_app.portal.context import link, resolve_distributor
from dms_app.primary_sales.approval_rules import territory_path

PAGE_LIMIT = 100
MAX_LIMIT = 500
DEFAULT_COVER_DAYS = 15
DEFAULT_WINDOW_DAYS = 30
REQUIRED_IN_DAYS = 7  # the order's Required By date, as dms_app.tests.factories.make_primary_order sets it
SELL_OUT_VOUCHERS = ("Sales Invoice", "Delivery Note")
SUBMIT_ACTION = "Submit for Approval"  # dms_app.workflows.primary_order


def catalogue(
	distributor: str,
	q: str | None = None,
	start: int = 0,
	limit: int = PAGE_LIMIT,
	today=None,
) -> frappe._dict:
	"""One slice of ``distributor``'s catalogue (matching ``q``), items with a suggestion first, then by
	item code; with the total number of matches and the norms used.

	Only an item sold in the window can have a suggestion, so suggestions are worked out for those; the
	details (name, price...) are read for the slice shown."""
	today = getdate(today or nowdate())
	dist = _distributor(distributor)
	settings = get_settings()
	price_list = dist.default_price_list or settings.default_price_list
	cover_days = replenishment.cover_days_for(
		dist.days_of_cover, cint(settings.get("days_of_cover")) or DEFAULT_COVER_DAYS
	)
	window_days = cint(settings.get("sell_out_window_days")) or DEFAULT_WINDOW_DAYS
	rules = _orderable(dist, price_list, q=q)
	codes = list(rules)

	own, transit = _warehouses(distributor)
	on_hand = _bin_qty(own)
	in_transit = _bin_qty(transit)
	on_order = _on_order(distributor)
	window_start = add_days(today, -(window_days - 1))
	sold = _sold(own, window_start)
	history = replenishment.history_days(window_days, _trading_since(dist, own, window_start), today)

	def suggestion(code: str, item) -> replenishment.Suggestion:
		return replenishment.suggest(
			sold.get(code, 0),
			history,
			cover_days,
			on_hand=on_hand.get(code, 0),
			in_transit=in_transit.get(code, 0),
			on_order=on_order.get(code, 0),
			min_order_qty=flt(item.min_order_qty),
			whole=bool(item.whole),
		)

	suggested = {code: suggestion(code, rules[code]).qty for code in codes if sold.get(code, 0) > 0}
	codes.sort(key=lambda code: (suggested.get(code, 0) <= 0, code))
	start = max(cint(start), 0)
	limit = min(max(cint(limit) or PAGE_LIMIT, 1), MAX_LIMIT)
	shown = codes[start : start + limit]
	details = _details(price_list, shown)
	rows = []
	for code in shown:
		item = details[code]
		s = suggestion(code, rules[code])
		rows.append(
			frappe._dict(
				item,
				on_hand=on_hand.get(code, 0.0),
				in_transit=in_transit.get(code, 0.0),
				on_order=on_order.get(code, 0.0),
				sold=sold.get(code, 0.0),
				daily=s.daily,
				suggested_qty=s.qty,
			)
		)
	return frappe._dict(
		rows=rows,
		total=len(codes),
		start=start,
		limit=limit,
		q=(q or "").strip(),
		price_list=price_list,
		cover_days=cover_days,
		window_days=window_days,
		history_days=history,
		status=dist.status,
		credit=ledger.summary(dist.name),
	)


def orderable_codes(dist, price_list: str | None, q: str | None = None, item_codes=None) -> list[str]:
	"""Codes of the items ``dist`` may order from ``price_list`` (optionally only ``item_codes``, or those
	matching ``q`` in code, name or group), sorted."""
	return list(_orderable(dist, price_list, q, item_codes))


# The whole orderable list of a price list and territory, the same for every distributor there and read
# on every view of the Place Order page: kept in the web worker's memory for CATALOGUE_SECONDS at most,
# and dropped by every worker as soon as an item, price, unit, price list or territory is saved or
# deleted (forget_orderable). A search or a cart is always read from the database.
CATALOGUE_SECONDS = 300
CATALOGUE_VERSION = "dms_catalogue_version"
_orderable_kept: dict[tuple, tuple[str, float, dict]] = {}


def _orderable(dist, price_list: str | None, q: str | None = None, item_codes=None) -> dict:
	"""orderable_codes, each with its order rules: min_order_qty and whole (the stock unit must be whole)."""
	if not price_list:
		return {}
	if q or item_codes is not None:
		return _read_orderable(dist, price_list, q, item_codes)
	key = (frappe.local.site, price_list, dist.territory, nowdate())
	version = frappe.cache.get_value(CATALOGUE_VERSION, generator=lambda: frappe.generate_hash(length=12))
	kept = _orderable_kept.get(key)
	if kept and kept[0] == version and time.monotonic() - kept[1] < CATALOGUE_SECONDS:
		return kept[2]
	rules = _read_orderable(dist, price_list)
	if len(_orderable_kept) >= 256:  # yesterday's lists, lists of territories no longer used
		_orderable_kept.clear()
	_orderable_kept[key] = (version, time.monotonic(), rules)
	return rules


def forget_orderable(doc=None, method=None, *args) -> None:
	"""doc_events hook: a change to what the orderable list is made of makes every worker read it again:
	at once (this transaction reads its own change), and again when the transaction ends, committed or
	rolled back (another worker may have read the list in between, before the change was committed)."""
	frappe.cache.delete_value(CATALOGUE_VERSION)
	if not frappe.flags.dms_forget_orderable:  # once per transaction, however many items it saves
		frappe.flags.dms_forget_orderable = True
		frappe.db.after_commit.add(_forget_version)
		frappe.db.after_rollback.add(_forget_version)


def _forget_version() -> None:
	frappe.flags.dms_forget_orderable = False
	frappe.cache.delete_value(CATALOGUE_VERSION)


def _read_orderable(dist, price_list: str, q: str | None = None, item_codes=None) -> dict:
	item = frappe.qb.DocType("Item")
	price = frappe.qb.DocType("Item Price")
	uom = frappe.qb.DocType("UOM")
	query = (
		frappe.qb.from_(price)
		.join(item)
		.on(item.name == price.item_code)
		.left_join(uom)
		.on(uom.name == item.stock_uom)
		.select(item.name, item.min_order_qty, uom.must_be_whole_number)
		.distinct()
		.where(
			(price.price_list == price_list)
			& (item.disabled == 0)
			& (item.is_stock_item == 1)
			& (item.has_variants == 0)
			& (item.end_of_life.isnull() | (item.end_of_life > getdate(nowdate())))
		)
	)
	if item_codes is not None:
		if not item_codes:
			return {}
		query = query.where(item.name.isin(list(item_codes)))
	if q := (q or "").strip():
		like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
		query = query.where(item.name.like(like) | item.item_name.like(like) | item.item_group.like(like))
	found = {code: frappe._dict(min_order_qty=moq, whole=whole) for code, moq, whole in query.run()}
	if not found:
		return {}
	# Items limited to territories (DMS Item Territory): the rule orders.prepare applies to an order.
	territories = territory_path(dist.territory)
	limited = frappe.qb.DocType("DMS Item Territory")
	sold_where: dict[str, set[str]] = {}
	for parent, territory in (
		frappe.qb.from_(limited)
		.select(limited.parent, limited.territory)
		.where((limited.parenttype == "Item") & (limited.parentfield == "dms_territories"))
		.run()
	):
		sold_where.setdefault(parent, set()).add(territory)
	return {
		code: found[code]
		for code in sorted(found)
		if sold_in(frozenset(sold_where.get(code, ())), territories)
	}


def _details(price_list: str, codes: list[str]) -> dict[str, frappe._dict]:
	"""item_code, item_name, item_group, uom, whole, min_order_qty and rate (the price as
	dms_app.primary_sales.orders._price_lines takes it: the latest valid_from wins) of ``codes``."""
	if not codes:
		return {}
	item = frappe.qb.DocType("Item")
	price = frappe.qb.DocType("Item Price")
	uom = frappe.qb.DocType("UOM")
	rows = (
		frappe.qb.from_(price)
		.join(item)
		.on(item.name == price.item_code)
		.left_join(uom)
		.on(uom.name == item.stock_uom)
		.select(
			item.name.as_("item_code"),
			item.item_name,
			item.item_group,
			item.stock_uom.as_("uom"),
			uom.must_be_whole_number.as_("whole"),
			item.min_order_qty,
			price.price_list_rate.as_("rate"),
		)
		.where((price.price_list == price_list) & item.name.isin(codes))
		.orderby(price.valid_from)
		.run(as_dict=True)
	)
	return {row.item_code: row for row in rows}


def _distributor(name: str) -> frappe._dict:
	return frappe.db.get_value(
		"Distributor",
		name,
		[
			"name",
			"status",
			"company",
			"territory",
			"default_price_list",
			"days_of_cover",
			"credit_limit",
			"creation",
		],
		as_dict=True,
	)


def _warehouses(distributor: str) -> tuple[list[str], list[str]]:
	"""The distributor's own warehouses and its in-transit ones."""
	own, transit = [], []
	for row in frappe.get_all(
		"Warehouse", filters={"distributor": distributor, "is_group": 0}, fields=["name", "warehouse_type"]
	):
		(transit if row.warehouse_type == "Transit" else own).append(row.name)
	return own, transit


def _bin_qty(warehouses: list[str]) -> dict[str, float]:
	if not warehouses:
		return {}
	bin_ = frappe.qb.DocType("Bin")
	rows = (
		frappe.qb.from_(bin_)
		.select(bin_.item_code, Sum(bin_.actual_qty))
		.where(bin_.warehouse.isin(warehouses))
		.groupby(bin_.item_code)
		.run()
	)
	return {code: flt(qty) for code, qty in rows}


def _on_order(distributor: str) -> dict[str, float]:
	"""Ordered and not yet dispatched, by item: orders awaiting approval, and what approved orders still
	have to ship (their stock quantity less ERPNext's ordered_qty, which dispatches raise)."""
	order = frappe.qb.DocType("Material Request")
	line = frappe.qb.DocType("Material Request Item")
	waiting = [*PENDING_STATES, OEM_CONFIRMATION]
	rows = (
		frappe.qb.from_(line)
		.join(order)
		.on(line.parent == order.name)
		.select(line.item_code, line.stock_qty, line.ordered_qty)
		.where(
			(order.distributor == distributor)
			& (line.parenttype == "Material Request")
			& (
				((order.docstatus == 0) & order.workflow_state.isin(waiting))
				| ((order.docstatus == 1) & (order.status != "Stopped"))
			)
		)
		.run(as_dict=True)
	)
	totals: dict[str, float] = {}
	for row in rows:
		left = flt(row.stock_qty) - flt(row.ordered_qty)
		if left > 0:
			totals[row.item_code] = totals.get(row.item_code, 0.0) + left
	return totals


def _sold(warehouses: list[str], since) -> dict[str, float]:
	"""Net quantity sold to retailers from ``warehouses`` since ``since``, by item (returns netted)."""
	if not warehouses:
		return {}
	sle = frappe.qb.DocType("Stock Ledger Entry")
	rows = (
		frappe.qb.from_(sle)
		.select(sle.item_code, Sum(sle.actual_qty))
		.where(
			(sle.posting_datetime >= get_datetime(since))
			& sle.warehouse.isin(warehouses)
			& sle.voucher_type.isin(SELL_OUT_VOUCHERS)
			& (sle.is_cancelled == 0)
		)
		.groupby(sle.item_code)
		.run()
	)
	return {code: -flt(qty) for code, qty in rows}


def _trading_since(dist, warehouses: list[str], window_start):
	"""When the distributor began trading, as far as the sell-out window is concerned: created before the
	window, it traded all of it; created within it, since its creation or its first stock movement in the
	window, whichever is earlier (data migrated with back dates)."""
	created = getdate(dist.creation)
	if created <= getdate(window_start) or not warehouses:
		return created
	sle = frappe.qb.DocType("Stock Ledger Entry")
	((first,),) = (
		frappe.qb.from_(sle)
		.select(Min(sle.posting_date))
		.where(
			(sle.posting_datetime >= get_datetime(window_start))
			& sle.warehouse.isin(warehouses)
			& (sle.is_cancelled == 0)
		)
		.run()
	)
	return min(created, getdate(first)) if first else created


# Placing the order ------------------------------------------------------------------------------------


def _resolve(distributor: str | None) -> str:
	"""resolve_distributor, with its refusal as a message the page can show."""
	try:
		return resolve_distributor(distributor)
	except frappe.PermissionError as e:
		frappe.throw(str(e), frappe.PermissionError, title=_("Not Permitted"))
	except frappe.ValidationError as e:
		frappe.throw(str(e), title=_("Choose a Distributor"))


def cart_message(error: replenishment.CartError) -> str:
	return {
		"empty": _("Add at least one item with a quantity to the order."),
		"too_many": _("An order can hold at most {0} items.").format(error.value),
		"no_item": _("Every line of the order needs an item code."),
		"bad_qty": _("Quantity of {0} must be a number greater than zero.").format(error.item_code),
	}[error.problem]


@frappe.whitelist(methods=["GET"])
def get_catalogue(
	q: str | None = None, start: int = 0, limit: int = PAGE_LIMIT, distributor: str | None = None
):
	"""The caller's catalogue as JSON (see catalogue)."""
	return catalogue(_resolve(distributor), q=q, start=start, limit=limit)


@frappe.whitelist(methods=["POST"])
def place_order(lines: str | list | None = None, distributor: str | None = None) -> dict:
	"""Place a primary order of ``lines`` ([{item_code, qty}], or that as JSON) for the caller's
	distributor and send it for approval. Returns the order's name, state and portal address.

	All or nothing: the lines are checked first (known items the distributor may order, quantities above
	zero); the order's own checks (dms_app.primary_sales.orders) run when it is inserted as the caller;
	any error undoes everything."""
	asked, distributor = distributor, _resolve(distributor)
	if isinstance(lines, str):
		try:
			lines = json.loads(lines)
		except ValueError:
			frappe.throw(_("The order's lines could not be read."), title=_("Invalid Order"))
	if lines is not None and not isinstance(lines, list):
		frappe.throw(_("The order's lines could not be read."), title=_("Invalid Order"))
	try:
		cart = replenishment.parse_cart(lines)
	except replenishment.CartError as e:
		frappe.throw(cart_message(e), title=_("Invalid Order"))

	dist = _distributor(distributor)
	price_list = dist.default_price_list or get_settings().default_price_list
	allowed = set(orderable_codes(dist, price_list, item_codes=list(cart)))
	refused = [code for code in cart if code not in allowed]
	if refused:
		unknown = [code for code in refused if not frappe.db.exists("Item", code)]
		if unknown:
			frappe.throw(_("No such item: {0}").format(", ".join(unknown)), title=_("Item Not Available"))
		frappe.throw(
			_("Your distributor cannot order: {0}. Order only items listed in the catalogue.").format(
				", ".join(refused)
			),
			title=_("Item Not Available"),
		)

	schedule = add_days(nowdate(), REQUIRED_IN_DAYS)
	frappe.db.savepoint("dms_place_order")
	try:
		# One order of a distributor at a time enters approval: its credit check counts the orders
		# already waiting (dms_app.distributor_account.ledger.check_order, which takes the same lock).
		frappe.db.get_value("Distributor", distributor, "name", for_update=True)
		order = frappe.get_doc(
			{
				"doctype": "Material Request",
				"material_request_type": "Material Transfer",
				"company": dist.company,
				"distributor": distributor,
				"schedule_date": schedule,
				"items": [
					{"item_code": code, "qty": qty, "schedule_date": schedule} for code, qty in cart.items()
				],
			}
		)
		order.insert()  # as the caller, with their permissions
		order = apply_workflow(order, SUBMIT_ACTION)
	except Exception:
		frappe.db.rollback(save_point="dms_place_order")
		raise
	# the order's page keeps a distributor the caller named (OEM staff), as the portal's links do
	query = urlencode({"distributor": distributor}) if asked else ""
	return {
		"name": order.name,
		"workflow_state": order.workflow_state,
		"url": link("/dms/orders/view", query, name=order.name),
	}
