# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""What the channel holds today, by distributor and SKU (or rolled up by distributor, territory or SKU):
quantity in the distributors' own warehouses and in transit to them, value at valuation, days of cover
at the last 30 days' net sell-out, the age of the oldest stock on hand (first in, first out: the
distributor portal's ageing, dms_app.core.portal), and batch quantities near expiry or expired.

Quantities and values come from Bin; rows are limited to the distributors the user may see
(dms_app.channel_analytics.scope); the territory filter and roll-up are the distributor's."""

from datetime import datetime, time, timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import flt, getdate, nowdate

from dms_app.channel_analytics.ledger import distributor_warehouses
from dms_app.channel_analytics.scope import (
	no_scope_message,
	tree_filter,
	visible_distributors,
)
from dms_app.core import analytics, portal
from dms_app.portal.inventory import batch_balances, incoming_entries

COVER_DAYS = 30
GROUPS = ("Distributor and SKU", "Distributor", "Territory", "Item")


def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by = filters.get("group_by") or GROUPS[0]
	if group_by not in GROUPS:
		frappe.throw(_("Group By must be one of {0}").format(", ".join(GROUPS)), frappe.ValidationError)
	scope = visible_distributors()
	if scope == []:
		return columns(group_by), [], no_scope_message()
	today = getdate(nowdate())
	positions = channel_stock(filters, scope, today)
	territory = dict(
		frappe.get_all(
			"Distributor",
			filters={"name": ["in", list({d for d, _i in positions}) or [""]]},
			fields=["name", "territory"],
			as_list=True,
		)
	)
	keys = {
		"Distributor and SKU": lambda k: k,
		"Distributor": lambda k: k[0],
		"Territory": lambda k: territory.get(k[0]) or "",
		"Item": lambda k: k[1],
	}
	rolled = analytics.roll_up(positions, keys[group_by])
	data = []
	for key, p in sorted(rolled.items(), key=lambda pair: (-pair[1].value, str(pair[0]))):
		row = {"distributor": key[0], "item_code": key[1]} if group_by == GROUPS[0] else {"group": key}
		data.append(
			{
				**row,
				"on_hand": p.on_hand,
				"in_transit": p.in_transit,
				"qty": p.qty,
				"value": p.value,
				"sold_recent": p.sold_recent,
				"days_of_cover": analytics.days_of_cover(p.qty, p.sold_recent, COVER_DAYS),
				"oldest_days": p.oldest_days,
				"ageing_bucket": portal.ageing_bucket(p.oldest_days),
				"near_expiry": p.near_expiry,
				"expired": p.expired,
			}
		)
	return columns(group_by), data, None, chart(data, group_by)


def channel_stock(filters, scope, today) -> dict[tuple[str, str], analytics.StockPosition]:
	warehouse = frappe.qb.DocType("Warehouse")
	condition = distributor_warehouses(warehouse, filters, scope)
	owners = {
		name: (distributor, kind == "Transit")
		for name, distributor, kind in frappe.qb.from_(warehouse)
		.select(warehouse.name, warehouse.distributor, warehouse.warehouse_type)
		.where(condition)
		.run()
	}
	if not owners:
		return {}
	bin_, item = frappe.qb.DocType("Bin"), frappe.qb.DocType("Item")
	item_condition = bin_.warehouse.isin(list(owners)) & (bin_.actual_qty > 0)
	if filters.get("item_code"):
		item_condition &= bin_.item_code == filters.item_code
	if filters.get("brand"):
		item_condition &= item.brand == filters.brand
	groups = tree_filter("Item Group", filters.get("item_group"))
	if groups is not None:
		item_condition &= item.item_group.isin(groups)
	bins = (
		frappe.qb.from_(bin_)
		.join(item)
		.on(item.name == bin_.item_code)
		.select(bin_.item_code, item.item_name, bin_.warehouse, bin_.actual_qty, bin_.stock_value)
		.where(item_condition)
		.run(as_dict=True)
	)
	if not bins:
		return {}
	warehouses, items = list({b.warehouse for b in bins}), list({b.item_code for b in bins})
	lines = portal.inventory(
		bins, incoming_entries(warehouses, items), batch_balances(warehouses, items), today
	)
	positions: dict[tuple[str, str], analytics.StockPosition] = {}
	for line in lines:
		distributor, in_transit = owners[line.warehouse]
		p = positions.setdefault((distributor, line.item_code), analytics.StockPosition())
		p.add(
			analytics.StockPosition(
				on_hand=0.0 if in_transit else line.qty,
				in_transit=line.qty if in_transit else 0.0,
				value=line.stock_value,
				oldest_days=line.age_days,
				near_expiry=sum(b.qty for b in line.batches if b.status == portal.NEAR_EXPIRY),
				expired=sum(b.qty for b in line.batches if b.status == portal.EXPIRED),
			)
		)
	for (distributor, item_code), qty in _net_sold(owners, items, today).items():
		if (distributor, item_code) in positions:
			positions[(distributor, item_code)].sold_recent = qty
	return positions


def _net_sold(owners: dict, items: list[str], today) -> dict[tuple[str, str], float]:
	sle = frappe.qb.DocType("Stock Ledger Entry")
	rows = (
		frappe.qb.from_(sle)
		.select(sle.warehouse, sle.item_code, Sum(-sle.actual_qty))
		.where(
			(sle.is_cancelled == 0)
			& sle.warehouse.isin(list(owners))
			& sle.item_code.isin(items)
			& sle.voucher_type.isin(list(analytics.SELLING_VOUCHERS))
			# by posting time, which the covering index dms_channel_moves holds (the date is not in it)
			& sle.posting_datetime[
				datetime.combine(today - timedelta(days=COVER_DAYS - 1), time.min) : datetime.combine(
					today, time.max
				)
			]
		)
		.groupby(sle.warehouse, sle.item_code)
		.run()
	)
	sold: dict[tuple[str, str], float] = {}
	for warehouse, item_code, qty in rows:
		key = (owners[warehouse][0], item_code)
		sold[key] = sold.get(key, 0.0) + flt(qty)
	return sold


def columns(group_by: str) -> list[dict]:
	qty = {"fieldtype": "Float", "precision": 2, "width": 100}
	if group_by == GROUPS[0]:
		first = [
			{
				"fieldname": "distributor",
				"label": _("Distributor"),
				"fieldtype": "Link",
				"options": "Distributor",
				"width": 150,
			},
			{
				"fieldname": "item_code",
				"label": _("Item"),
				"fieldtype": "Link",
				"options": "Item",
				"width": 150,
			},
		]
	else:
		first = [
			{
				"fieldname": "group",
				"label": _(group_by),
				"fieldtype": "Link",
				"options": group_by,
				"width": 180,
			}
		]
	return [
		*first,
		{"fieldname": "on_hand", "label": _("On Hand"), **qty},
		{"fieldname": "in_transit", "label": _("In Transit"), **qty},
		{"fieldname": "qty", "label": _("Channel Stock"), **qty},
		{"fieldname": "value", "label": _("Value"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "sold_recent", "label": _("Sold, Last 30 Days"), **qty},
		{
			"fieldname": "days_of_cover",
			"label": _("Days of Cover"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
		{"fieldname": "oldest_days", "label": _("Oldest Stock (Days)"), "fieldtype": "Int", "width": 110},
		{"fieldname": "ageing_bucket", "label": _("Ageing"), "fieldtype": "Data", "width": 80},
		{"fieldname": "near_expiry", "label": _("Near Expiry"), **qty},
		{"fieldname": "expired", "label": _("Expired"), **qty},
	]


def chart(data: list[dict], group_by: str) -> dict | None:
	if group_by == GROUPS[0] or not data:
		return None
	top = data[:10]
	return {
		"data": {
			"labels": [row["group"] for row in top],
			"datasets": [{"name": _("Channel Stock Value"), "values": [row["value"] for row in top]}],
		},
		"type": "bar",
	}
