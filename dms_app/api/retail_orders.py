"""Inbound API for orders from outside channels (ONDC seller apps, Amazon and the like).

In the style of dms_app.api.oem: for users with the DMS Integration role (API key and secret), an optional
X-DMS-Signature of the body, records checked by dms_app.core.inbound (spec RETAIL_ORDER), all-or-nothing:

- 422 with every problem (record index, field, reason) when a record is malformed, or an item is not
  for sale;
- 404 when a record names an unknown item or territory, or (order_status) an unknown channel order;
- 409 when a buyer's data points at two retailers (the GSTIN of one, the mobile of another), when a
  channel order id is sent again with other lines or another buyer, or when a retailer's order limit
  refuses the order;
- 401 when DMS Settings has an Inbound Signing Secret and X-DMS-Signature does not match the body.

Each channel order is a retailer's order (dms_app.retail.orders.place, source Marketplace): routed to the
distributors that serve the buyer, priced by the schemes; what no distributor serves is kept on an
Unrouted order, with the reason, for a DMS Manager. The buyer is the retailer its GSTIN, else its mobile
number, names (dms_app.core.channel_orders), or a new retailer Customer.

Sending the same channel order again places nothing and reports ``unchanged`` with the same Sales Orders.
Each order is kept once as a DMS Channel Order named "<channel>:<channel_order_id>", inserted before
anything else is written: of two identical calls at once, the second waits on the first's row lock for
that name and, once the first commits, finds it there (duplicate key) and reports ``unchanged``.

Status changes go back to the channel through the OEM ERP (``retail_order.status`` in the outbox, see
dms_app.dms_integrations.events.send_retail_status); ``order_status`` answers a channel that polls.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import flt, get_system_timezone

from dms_app.api.errors import Conflict, InvalidPayload, require_args
from dms_app.api.oem import _authorise, _parse, _require_known
from dms_app.core import channel_orders, inbound, retailers
from dms_app.distribution import gst
from dms_app.retail import orders as retail

REGISTRY = "DMS Channel Order"
DEFAULT_TERRITORY = "All Territories"


def _key(r: dict) -> str:
	return f"{r['channel']}:{r['channel_order_id']}"


def _invalid(lines: list[str]) -> None:
	if lines:
		frappe.throw("<br>".join(lines[:50]), InvalidPayload, title=_("Invalid Payload"))


def _conflict(lines: list[str]) -> None:
	if lines:
		frappe.throw("<br>".join(lines[:50]), Conflict, title=_("Conflict"))


# -- checks, before anything is written -----------------------------------------------------------------


def _clean_buyers(records: list[dict]) -> None:
	"""Each buyer's mobile and GSTIN in their clean form (as the portal keeps a retailer's), or 422."""
	problems = []
	for i, r in enumerate(records):
		buyer = r["buyer"]
		values = retailers.clean(
			{
				"customer_name": buyer.get("name"),
				"mobile_no": buyer.get("mobile"),
				"tax_id": buyer.get("gstin"),
				"address_line1": buyer.get("address_line1"),
				"city": buyer.get("city"),
				"state": buyer.get("state"),
				"pincode": buyer.get("pincode"),
			}
		)
		for field, code in retailers.problems(values):
			name = {"mobile_no": "mobile", "tax_id": "gstin", "customer_name": "name"}.get(field, field)
			reason = {
				retailers.BAD_MOBILE: _("must have {0} to {1} digits").format(*retailers.MOBILE_DIGITS),
				retailers.BAD_TAX_ID: _("must be 5 to 20 letters and digits"),
				retailers.ADDRESS_WITHOUT_CITY: _("is required with an address"),
			}.get(code, _("is not valid"))
			problems.append(_("Record {0}: buyer.{1} {2}").format(i, name, reason))
		if values.get("address_line1") and not values.get("state") and gst.applies():
			problems.append(_("Record {0}: buyer.state is required with an address").format(i))
		buyer.update(
			{
				"mobile": values.get("mobile_no"),
				"gstin": values.get("tax_id"),
				"state": values.get("state"),
			}
		)
	_invalid(problems)


def _check_items(records: list[dict]) -> None:
	"""404 for unknown items, 422 for items that are not for sale."""
	codes = {line["item_code"] for r in records for line in r["lines"]}
	rows = frappe.get_all(
		"Item", filters={"name": ["in", list(codes)]}, fields=["name", "disabled", "is_sales_item"]
	)
	_require_known("Item", codes, [row.name for row in rows])
	closed = sorted(row.name for row in rows if row.disabled or not row.is_sales_item)
	if closed:
		_invalid([_("Not for sale: {0}").format(", ".join(closed[:20]))])


def _known_retailers(records: list[dict]) -> list[channel_orders.Known]:
	"""The enabled retailers (not distributors' own Customers) any buyer's GSTIN or mobile names."""
	gstins = {r["buyer"]["gstin"] for r in records if r["buyer"].get("gstin")}
	phones = {channel_orders.mobile_key(r["buyer"].get("mobile")) for r in records} - {None}
	found: dict[str, frappe._dict] = {}
	fields = ["name", "tax_id", "mobile_no"]
	if gstins:
		for row in frappe.get_all(
			"Customer", filters={"tax_id": ["in", list(gstins)], "disabled": 0}, fields=fields
		):
			found[row.name] = row
	if phones:  # one read for all: a mobile number is kept as typed, so by its last ten digits
		for row in frappe.get_all(
			"Customer",
			filters={"disabled": 0},
			or_filters=[["mobile_no", "like", f"%{phone}"] for phone in sorted(phones)],
			fields=fields,
		):
			found[row.name] = row
	own = set(
		frappe.get_all("Distributor", filters={"customer": ["in", list(found) or [""]]}, pluck="customer")
	)
	return [
		channel_orders.Known(row.name, row.tax_id, row.mobile_no)
		for row in found.values()
		if row.name not in own
	]


def _match_buyers(records: list[dict]) -> dict[int, str | None]:
	"""Record index -> the existing retailer it is (None: new), or 409 naming every conflict."""
	known = _known_retailers(records)
	matches, problems = {}, []
	for i, r in enumerate(records):
		match = channel_orders.match_buyer(r["buyer"].get("gstin"), r["buyer"].get("mobile"), known)
		if match.conflict:
			problems.append(_("Record {0} ({1}): {2}").format(i, _key(r), match.conflict))
		matches[i] = match.customer
	_conflict(problems)
	return matches


def _refuse_changed(records: list[dict], registry: dict) -> None:
	_conflict(
		[
			_(
				"Channel order {0} was received before with other lines or another buyer: send it under a new channel_order_id."
			).format(_key(r))
			for r in records
			for row in [registry.get(_key(r).casefold())]
			if row and row.fingerprint != channel_orders.fingerprint(r)
		]
	)


# -- writing --------------------------------------------------------------------------------------------


def _system_time(value):
	"""A date-time with an offset in the site's time zone (as Frappe keeps date-times, without one)."""
	if isinstance(value, datetime) and value.tzinfo:
		return value.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)
	return value


def _claim(r: dict) -> frappe._dict | None:
	"""Insert the channel order's registry row (None), or, when another call has just placed it, that
	call's row (read with a lock, so the latest committed one)."""
	doc = frappe.get_doc(
		{
			"doctype": REGISTRY,
			"channel": r["channel"],
			"channel_order_id": r["channel_order_id"],
			"fingerprint": channel_orders.fingerprint(r),
			"ordered_at": _system_time(r.get("ordered_at")),
			"remarks": r.get("remarks"),
		}
	)
	messages = len(frappe.local.message_log)
	try:
		doc.insert()
		return None
	except frappe.DuplicateEntryError:
		del frappe.local.message_log[messages:]  # Frappe's "already exists": not this call's answer
		return frappe.db.get_value(REGISTRY, _key(r), "*", as_dict=True, for_update=True)


def _new_retailer(buyer: dict) -> str:
	"""A retailer Customer for a buyer no retailer matched, with its contact and address."""
	frappe.has_permission("Customer", "create", throw=True)
	group = frappe.db.get_single_value("DMS Settings", "retailer_customer_group")
	if not group:
		frappe.throw(
			_(
				"Set the Retailer Customer Group in DMS Settings before channel orders can make new retailers."
			),
			frappe.ValidationError,
			title=_("DMS Settings"),
		)
	company = frappe.db.get_single_value("DMS Settings", "company")
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": buyer["name"],
			"customer_type": "Company",
			"customer_group": group,
			"territory": buyer.get("territory") or DEFAULT_TERRITORY,
			"tax_id": buyer.get("gstin"),
			"mobile_no": buyer.get("mobile"),
			"email_id": buyer.get("email"),
			# ERPNext makes the primary contact and address from these as the Customer is inserted
			"address_line1": buyer.get("address_line1"),
			"city": buyer.get("city"),
			"state": buyer.get("state"),
			"pincode": buyer.get("pincode"),
			"country": (company and frappe.get_cached_value("Company", company, "country"))
			or frappe.db.get_default("country"),
		}
	)
	# The caller may create Customers (checked above); the retailer's contact and address belong to it
	# and are written on its behalf, as the portal writes a retailer's (dms_app.portal.retailers).
	doc.flags.ignore_permissions = True
	try:
		doc.insert()
	except frappe.ValidationError as e:
		if isinstance(e, frappe.PermissionError | frappe.DuplicateEntryError):
			raise
		frappe.throw(
			_("Buyer {0}: {1}").format(buyer["name"], frappe.utils.strip_html(str(e))),
			InvalidPayload,
			title=_("Invalid Payload"),
		)
	return doc.name


def _summaries(names: list[str], lock: bool = False) -> list[dict]:
	rows = {
		row.name: row
		for row in frappe.db.get_values(
			"Sales Order",
			{"name": ["in", names or [""]]},
			["name", "distributor", "dms_retail_status", "grand_total"],
			as_dict=True,
			for_update=lock,  # a row another call committed after this one's snapshot: read the latest
		)
	}
	return [
		{
			"name": name,
			"distributor": rows[name].distributor,
			"status": rows[name].dms_retail_status,
			"grand_total": flt(rows[name].grand_total),
		}
		for name in names
		if name in rows
	]


def _repeat(r: dict, row, lock: bool = False) -> dict:
	return {
		"channel": r["channel"],
		"channel_order_id": r["channel_order_id"],
		"result": "unchanged",
		"orders": _summaries([n for n in (row.orders or "").split("\n") if n], lock),
		"unrouted": json.loads(row.unrouted or "{}"),
	}


def _place(r: dict, customer: str | None) -> dict:
	customer = customer or _new_retailer(r["buyer"])
	try:
		placed = retail.place(
			customer,
			[{"item_code": line["item_code"], "qty": line["qty"]} for line in r["lines"]],
			"Marketplace",
			dms_channel=r["channel"],
			dms_channel_order_id=r["channel_order_id"],
		)
	except retail.OrderLimitError as e:
		frappe.clear_last_message()
		frappe.throw(
			_("Channel order {0}: {1}").format(_key(r), frappe.utils.strip_html(str(e))),
			Conflict,
			title=_("Order Limit"),
		)
	unrouted = {code: reason for p in placed for code, reason in (p.get("unrouted") or {}).items()}
	frappe.db.set_value(
		REGISTRY,
		_key(r),
		{
			"customer": customer,
			"orders": "\n".join(p["name"] for p in placed),
			"unrouted": json.dumps(unrouted, sort_keys=True),
		},
		update_modified=False,
	)
	return {
		"channel": r["channel"],
		"channel_order_id": r["channel_order_id"],
		"result": "created",
		"orders": [
			{
				"name": p["name"],
				"distributor": p["distributor"],
				"status": p["status"],
				"grand_total": p["grand_total"],
			}
			for p in placed
		],
		"unrouted": unrouted,
	}


@frappe.whitelist(methods=["POST"])
def receive_orders(orders=None) -> list[dict]:
	"""Orders from outside channels: channel, channel_order_id, buyer {name, gstin, mobile, email,
	address_line1, city, pincode, state, territory}, lines [{item_code, qty}], ordered_at, remarks.
	Per record: channel, channel_order_id, result (created / unchanged), orders [{name, distributor,
	status, grand_total}] and unrouted {item_code: reason}."""
	_authorise()
	require_args(orders=orders)
	records = _parse(orders, inbound.RETAIL_ORDER, inbound.CHANNEL_KEY)
	first: dict[str, int] = {}  # the database tells channel order ids apart without regard to case
	_invalid(
		[
			_("Record {0}: channel_order_id repeats record {1}").format(i, first[_key(r).casefold()])
			for i, r in enumerate(records)
			if first.setdefault(_key(r).casefold(), i) != i
		]
	)
	_clean_buyers(records)
	_check_items(records)
	_require_known("Territory", {r["buyer"]["territory"] for r in records if r["buyer"].get("territory")})
	registry = {
		row.name.casefold(): row
		for row in frappe.get_all(
			REGISTRY,
			filters={"name": ["in", [_key(r) for r in records]]},
			fields=["name", "fingerprint", "orders", "unrouted"],
		)
	}
	_refuse_changed(records, registry)
	fresh = [i for i, r in enumerate(records) if _key(r).casefold() not in registry]
	matches = _match_buyers([records[i] for i in fresh])
	buyer_of = {i: matches[n] for n, i in enumerate(fresh)}

	# claim every new channel order first, in name order (two batches naming the same orders wait on one
	# another instead of deadlocking); one another call placed meanwhile is a repeat
	results: dict[int, dict] = {}
	for i in sorted(fresh, key=lambda i: _key(records[i]).casefold()):
		if row := _claim(records[i]):
			_refuse_changed([records[i]], {_key(records[i]).casefold(): row})
			results[i] = _repeat(records[i], row, lock=True)
	for i, r in enumerate(records):
		if i in results:
			continue
		if i in buyer_of:
			results[i] = _place(r, buyer_of[i])
		else:
			results[i] = _repeat(r, registry[_key(r).casefold()])
	return [results[i] for i in range(len(records))]


@frappe.whitelist(methods=["GET"])
def order_status(channel: str | None = None, channel_order_id: str | None = None) -> dict:
	"""The current status of each Sales Order of a channel order: channel, channel_order_id, customer,
	orders [{name, distributor, status, grand_total}] and unrouted {item_code: reason} as first placed."""
	_authorise()
	require_args(channel=channel, channel_order_id=channel_order_id)
	if not isinstance(channel, str) or not isinstance(channel_order_id, str):
		_invalid([_("channel and channel_order_id must be text")])
	row = frappe.db.get_value(
		REGISTRY,
		f"{channel.strip()}:{channel_order_id.strip()}",
		["channel", "channel_order_id", "customer", "orders", "unrouted"],
		as_dict=True,
	)
	if not row:
		frappe.throw(
			_("Unknown channel order: {0}").format(f"{channel}:{channel_order_id}"),
			frappe.DoesNotExistError,
			title=_("Not Found"),
		)
	names = [n for n in (row.orders or "").split("\n") if n]
	names += [
		n
		for n in frappe.get_all(
			"Sales Order",
			filters={"dms_channel": row.channel, "dms_channel_order_id": row.channel_order_id},
			pluck="name",
			order_by="creation",
		)
		if n not in names
	]
	return {
		"channel": row.channel,
		"channel_order_id": row.channel_order_id,
		"customer": row.customer,
		"orders": _summaries(names),
		"unrouted": json.loads(row.unrouted or "{}"),
	}
