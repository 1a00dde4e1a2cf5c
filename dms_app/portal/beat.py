"""The sales person's beat on the phone (/dms/beat): today's outlets in visit order, check-in with the
phone's position, then an order (the retail store's priced cart: dms_app.retail.orders) or the reason
for none, recorded as a DMS Visit.

Every method checks its caller explicitly: the beat's own user (DMS Beat.user) works it, a DMS Manager
may act for them; a retailer must be on the beat; a retailer is visited once per beat and day (checking
in again gives the same visit). Orders booked here are the beat's distributor's: lines another
distributor would serve (or nobody) are refused, named, before anything is saved."""

import frappe
from frappe import _
from frappe.utils import flt, fmt_money, format_time, getdate, nowdate

from dms_app.core import beats as core
from dms_app.distribution.settings import get_settings
from dms_app.permissions import portal_distributors
from dms_app.portal.sales import sales_warehouses
from dms_app.retail import orders
from dms_app.retail.doctype.dms_visit.dms_visit import (
	NO_ORDER,
	NO_ORDER_REASONS,
	ORDER,
	NotOnBeat,
	visit_key,
)

MANAGER_ROLES = frozenset({"DMS Manager", "System Manager"})
ITEM_LIMIT = 300  # items offered in the cart; the search box narrows them on the phone


class NotYourBeat(frappe.PermissionError):
	"""The caller does not work this beat (or it does not exist: the same answer, so nothing leaks)."""


class NotServed(frappe.ValidationError):
	"""Lines of an order that the beat's distributor does not serve to the retailer."""


class ClosedVisit(frappe.ValidationError):
	"""The visit's outcome is settled, or the visit is of another day."""


def is_manager(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(MANAGER_ROLES & set(frappe.get_roles(user)))


def _name(value, what: str) -> str:
	if not isinstance(value, str) or not value.strip():
		frappe.throw(_("Say which {0}.").format(what), frappe.ValidationError, title=_("Missing Value"))
	return value.strip()


def _beat(name) -> frappe._dict:
	"""The beat the caller works (or, as a DMS Manager, may act on); NotYourBeat otherwise."""
	name = _name(name, _("beat"))
	row = frappe.db.get_value(
		"DMS Beat",
		name,
		["name", "beat_name", "distributor", "sales_person", "user", "visit_days", "active"],
		as_dict=True,
	)
	if not row or (row.user != frappe.session.user and not is_manager()):
		raise NotYourBeat(_("Beat {0} is not one you work.").format(name))
	if not row.active:
		frappe.throw(
			_("Beat {0} is not active.").format(row.beat_name), ClosedVisit, title=_("Beat Inactive")
		)
	return row


def stops(beat: str) -> list[frappe._dict]:
	"""The beat's retailers in visit order."""
	row, customer = frappe.qb.DocType("DMS Beat Retailer"), frappe.qb.DocType("Customer")
	return (
		frappe.qb.from_(row)
		.left_join(customer)
		.on(customer.name == row.retailer)
		.select(
			row.idx,
			row.retailer,
			customer.customer_name.as_("retailer_name"),
			customer.mobile_no,
			customer.disabled,
		)
		.where((row.parent == beat) & (row.parenttype == "DMS Beat") & (row.parentfield == "retailers"))
		.orderby(row.idx)
		.run(as_dict=True)
	)


def _on_beat(beat: frappe._dict, retailer) -> str:
	retailer = _name(retailer, _("retailer"))
	if retailer not in {s.retailer for s in stops(beat.name)}:
		frappe.throw(
			_("{0} is not on beat {1}.").format(retailer, beat.beat_name),
			NotOnBeat,
			title=_("Not on the Beat"),
		)
	return retailer


def _visit(name):
	"""A visit of a beat the caller works, today's, as a document."""
	name = _name(name, _("visit"))
	row = frappe.db.get_value("DMS Visit", name, ["name", "beat", "visit_date"], as_dict=True)
	if not row:
		raise NotYourBeat(_("Visit {0} is not one of yours.").format(name))
	try:
		beat = _beat(row.beat)
	except NotYourBeat:
		raise NotYourBeat(_("Visit {0} is not one of yours.").format(name))
	if getdate(row.visit_date) != getdate(nowdate()):
		frappe.throw(
			_("This visit was on {0}: check in again to record today's call.").format(row.visit_date),
			ClosedVisit,
			title=_("Visit Closed"),
		)
	return frappe.get_doc("DMS Visit", name), beat


def _money(distributor: str):
	company = frappe.db.get_value("Distributor", distributor, "company")
	currency = frappe.get_cached_value("Company", company, "default_currency") if company else None
	return lambda value: fmt_money(flt(value), currency=currency)


def describe(visit) -> dict:
	"""What the page shows of a visit."""
	return {
		"name": visit.name,
		"retailer": visit.retailer,
		"outcome": visit.outcome or "",
		"no_order_reason": visit.no_order_reason or "",
		"remarks": visit.remarks or "",
		"sales_order": visit.sales_order or "",
		"lines": visit.lines or 0,
		"checked_in_at": format_time(visit.checked_in_at) if visit.checked_in_at else "",
		"has_position": bool(visit.latitude or visit.longitude),
		"state": state(visit),
	}


def state(visit) -> str:
	if not visit:
		return "new"
	return {ORDER: "ordered", NO_ORDER: "no-order"}.get(visit.outcome or "", "visited")


# -- the page -----------------------------------------------------------------------------------------


def beats_of(distributor: str, user: str | None = None) -> list[frappe._dict]:
	"""The active beats of ``distributor`` the page lists: the user's own; OEM staff see every one."""
	user = user or frappe.session.user
	filters = {"distributor": distributor, "active": 1}
	if portal_distributors(user) is not None or not is_manager(user):
		filters["user"] = user
	return frappe.get_all(
		"DMS Beat",
		filters=filters,
		fields=["name", "beat_name", "visit_days", "sales_person", "user"],
		order_by="beat_name",
	)


def _days(text) -> tuple[str, ...]:
	try:
		return core.parse_visit_days(text)
	except core.VisitDaysError:
		return ()


def page(distributor: str, beat: str | None = None, day: str | None = None) -> dict:
	"""The page's data: the user's beats (those due on ``day`` first), the chosen one (``beat``, or the
	first due) with its outlets and their visits on ``day``, the cart's items and the reasons."""
	try:
		on = getdate(day) if day else getdate(nowdate())
	except Exception:
		frappe.throw(_("Dates must be given as YYYY-MM-DD."), title=_("Invalid Date"))
	mine = beats_of(distributor)
	by_name = {b.name: b for b in mine}
	order = core.due_first({b.name: _days(b.visit_days) for b in mine}, on)
	if beat and beat not in by_name:
		raise NotYourBeat(_("Beat {0} is not one you work.").format(beat))
	chosen = by_name.get(beat or (order[0] if order else ""))
	listed = [
		frappe._dict(by_name[name], due=core.is_due(_days(by_name[name].visit_days), on)) for name in order
	]
	out = {
		"day": on,
		"is_today": on == getdate(nowdate()),
		"weekday": _(core.weekday_of(on)),
		"beats": listed,
		"beat": None,
		"outlets": [],
		"reasons": [(r, _(r)) for r in NO_ORDER_REASONS],
	}
	if not chosen:
		return out
	visits = {
		v.retailer: v
		for v in frappe.get_all(
			"DMS Visit",
			filters={"beat": chosen.name, "visit_date": on},
			fields=[
				"name",
				"retailer",
				"outcome",
				"no_order_reason",
				"remarks",
				"sales_order",
				"lines",
				"checked_in_at",
				"latitude",
				"longitude",
			],
		)
	}
	totals = dict(
		frappe.get_all(
			"Sales Order",
			filters={"name": ["in", [v.sales_order for v in visits.values() if v.sales_order] or [""]]},
			fields=["name", "grand_total"],
			as_list=True,
		)
	)
	money = _money(distributor)
	outlets = []
	for stop in stops(chosen.name):
		visit = visits.get(stop.retailer)
		outlets.append(
			frappe._dict(
				stop,
				visit=describe(visit) if visit else None,
				state=state(visit),
				order_total=money(totals[visit.sales_order]) if visit and visit.sales_order in totals else "",
			)
		)
	out.update(
		beat=frappe._dict(chosen, due=core.is_due(_days(chosen.visit_days), on)),
		outlets=outlets,
		visited=sum(1 for o in outlets if o.visit),
		ordered=sum(1 for o in outlets if o.state == "ordered"),
		items=cart_items(distributor) if out["is_today"] else [],
	)
	return out


def cart_items(distributor: str) -> list[dict]:
	"""What the cart offers: the sales items the distributor holds, with its list price (the quote prices
	them for the retailer, schemes included)."""
	warehouses = sales_warehouses(distributor, frappe.db.get_value("Distributor", distributor, "warehouse"))
	if not warehouses:
		return []
	bin_, item = frappe.qb.DocType("Bin"), frappe.qb.DocType("Item")
	rows = (
		frappe.qb.from_(bin_)
		.join(item)
		.on(item.name == bin_.item_code)
		.select(item.name.as_("item_code"), item.item_name, item.stock_uom)
		.where(
			bin_.warehouse.isin(warehouses)
			& (bin_.actual_qty > 0)
			& (item.disabled == 0)
			& (item.is_sales_item == 1)
			& (item.has_variants == 0)
		)
		.groupby(item.name, item.item_name, item.stock_uom)
		.orderby(item.item_name)
		.limit(ITEM_LIMIT)
		.run(as_dict=True)
	)
	price_list = frappe.db.get_value("Distributor", distributor, "default_price_list") or (
		get_settings().default_price_list
	)
	prices = dict(
		frappe.get_all(
			"Item Price",
			filters={
				"price_list": price_list or "",
				"item_code": ["in", [r.item_code for r in rows] or [""]],
				"selling": 1,
			},
			fields=["item_code", "price_list_rate"],
			as_list=True,
		)
	)
	money = _money(distributor)
	return [
		{**row, "price": flt(prices.get(row.item_code)), "fmt_price": money(prices.get(row.item_code))}
		for row in rows
		if row.item_code in prices
	]


# -- the methods the page calls -----------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def check_in(
	beat: str | None = None,
	retailer: str | None = None,
	latitude: float | None = None,
	longitude: float | None = None,
	accuracy: float | None = None,
) -> dict:
	"""Check in at ``retailer`` of ``beat`` today, with the phone's position when it gave one. Checking in
	again returns the same visit (its first position kept)."""
	row = _beat(beat)
	retailer = _on_beat(row, retailer)
	try:
		where = core.position(latitude, longitude, accuracy)
	except core.PositionError as e:
		frappe.throw(_("The position could not be used: {0}.").format(str(e)), title=_("Invalid Position"))
	today = nowdate()
	key = visit_key(row.name, retailer, today)
	if existing := frappe.db.get_value("DMS Visit", {"visit_key": key}):
		return {**describe(frappe.get_doc("DMS Visit", existing)), "again": True}
	latitude, longitude, accuracy = where or (None, None, None)
	doc = frappe.get_doc(
		{
			"doctype": "DMS Visit",
			"beat": row.name,
			"retailer": retailer,
			"sales_person": row.sales_person,
			"user": frappe.session.user,
			"visit_date": today,
			"latitude": latitude,
			"longitude": longitude,
			"accuracy": accuracy,
		}
	)
	frappe.db.savepoint("dms_check_in")
	try:
		doc.insert()  # as the caller: the beat's distributor's user may create its visits
	except frappe.UniqueValidationError:
		# checked in at the same moment from another request: that visit stands
		frappe.db.rollback(save_point="dms_check_in")
		frappe.clear_last_message()
		existing = frappe.db.get_value("DMS Visit", {"visit_key": key})
		return {**describe(frappe.get_doc("DMS Visit", existing)), "again": True}
	return {**describe(doc), "again": False}


@frappe.whitelist(methods=["POST"])
def quote(retailer: str | None = None, lines: str | list | None = None) -> dict:
	"""The priced cart for ``retailer`` (a retailer on one of the caller's beats), as placing it would
	make it: per distributor the lines with free goods, the scheme discount and the total. Parts another
	distributor (or nobody) would serve are marked ``served: false``; booking refuses them."""
	retailer = _name(retailer, _("retailer"))
	distributors = _my_distributors_for(retailer)
	parts = orders.quote(retailer, lines)
	money = _money(distributors[0])
	out = []
	for part in parts:
		served = part["distributor"] in distributors
		out.append(
			{
				**part,
				"served": served,
				"fmt_total": money(part["grand_total"]),
				"fmt_discount": money(part["scheme_discount"] or part["discount_amount"]),
				"lines": [
					{**line, "fmt_rate": money(line["rate"]), "fmt_amount": money(line["amount"])}
					for line in part["lines"]
				],
			}
		)
	total = sum(p["grand_total"] for p in out if p["served"])
	return {"parts": out, "ok": all(p["served"] for p in out), "total": total, "fmt_total": money(total)}


def _my_distributors_for(retailer: str) -> list[str]:
	"""The distributors of the caller's active beats that hold ``retailer`` (a DMS Manager: any beat's)."""
	beat, stop = frappe.qb.DocType("DMS Beat"), frappe.qb.DocType("DMS Beat Retailer")
	query = (
		frappe.qb.from_(stop)
		.join(beat)
		.on(beat.name == stop.parent)
		.select(beat.distributor)
		.distinct()
		.where((stop.parenttype == "DMS Beat") & (stop.retailer == retailer) & (beat.active == 1))
	)
	if not is_manager():
		query = query.where(beat.user == frappe.session.user)
	found = sorted(query.run(pluck=True))
	if not found:
		raise NotYourBeat(_("{0} is on none of your beats.").format(retailer))
	return found


@frappe.whitelist(methods=["POST"])
def book(visit: str | None = None, lines: str | list | None = None) -> dict:
	"""Book the order taken on ``visit`` (today's, checked in): a Sales Order of the retailer for the
	beat's distributor (source Beat), priced as quoted, linked to the visit. All or nothing."""
	doc, beat = _visit(visit)
	if doc.outcome == ORDER:
		frappe.throw(
			_("Order {0} is booked on this visit already.").format(doc.sales_order),
			ClosedVisit,
			title=_("Already Ordered"),
		)
	# routed first, saved after: lines the beat's distributor does not serve are refused by name
	_refuse_unserved(beat.distributor, doc.retailer, orders.quote(doc.retailer, lines))
	frappe.db.savepoint("dms_beat_book")
	placed = orders.place(doc.retailer, lines, "Beat")
	if (
		len(placed) != 1
		or placed[0]["distributor"] != beat.distributor
		or placed[0]["status"] != orders.PLACED
	):
		frappe.db.rollback(save_point="dms_beat_book")  # routing changed between the two: nothing saved
		_refuse_unserved(beat.distributor, doc.retailer, orders.quote(doc.retailer, lines))
		frappe.throw(_("The order could not be placed with {0}.").format(beat.distributor), NotServed)
	[order] = placed
	doc.outcome = ORDER
	doc.sales_order = order["name"]
	doc.lines = sum(1 for line in order["lines"] if not line["free"])
	doc.no_order_reason = None
	doc.save()
	return {
		**describe(doc),
		"grand_total": order["grand_total"],
		"fmt_total": _money(beat.distributor)(order["grand_total"]),
	}


def _refuse_unserved(distributor: str, retailer: str, parts: list[dict]) -> None:
	others = [p for p in parts if p["distributor"] != distributor]
	if not others:
		return
	items = [
		f"{line['item_code']} ({p['distributor'] or p['unrouted'].get(line['item_code']) or _('unrouted')})"
		for p in others
		for line in p["lines"]
		if not line["free"]
	]
	frappe.throw(
		_("{0} does not serve these items to {1}; take them off the order: {2}").format(
			distributor, retailer, ", ".join(items)
		),
		NotServed,
		title=_("Not Served"),
	)


@frappe.whitelist(methods=["POST"])
def no_order(visit: str | None = None, reason: str | None = None, remarks: str | None = None) -> dict:
	"""Record that ``visit`` (today's) ended without an order, and why."""
	doc, _beat_row = _visit(visit)
	if doc.outcome == ORDER:
		frappe.throw(
			_("Order {0} is booked on this visit.").format(doc.sales_order),
			ClosedVisit,
			title=_("Already Ordered"),
		)
	if reason not in NO_ORDER_REASONS:
		frappe.throw(
			_("Choose why there is no order: {0}.").format(", ".join(_(r) for r in NO_ORDER_REASONS)),
			title=_("Reason Needed"),
		)
	doc.outcome = NO_ORDER
	doc.no_order_reason = reason
	doc.remarks = (remarks or "").strip()[:1000] or None
	doc.save()
	return describe(doc)
