# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Sell-in against sell-out per distributor and SKU, in stock units, from the stock ledger of the
distributors' warehouses (In Transit included, so goods dispatched but not yet received are channel stock):

- opening: stock at the start of the first day;
- received: primary sales, the net of Stock Entries (a dispatch into transit and its receipt out of
  transit into the main warehouse net to the quantity dispatched);
- sold: leaving on Sales Invoices, Delivery Notes and POS Invoices; returned: coming back on their
  returns; adjusted: anything else (stock reconciliations, write-offs);
- closing = opening + received - sold + returned + adjusted; build-up = closing - opening;
- days of cover: closing stock at the period's rate of net sell-out.

Cancelled documents do not count (their ledger rows are marked cancelled). Rows are limited to the
distributors the user may see (dms_app.channel_analytics.scope); the territory filter is the distributor's."""

import frappe
from frappe import _
from frappe.utils import add_months, getdate, nowdate

from dms_app.channel_analytics.ledger import ChannelLedger
from dms_app.channel_analytics.scope import no_scope_message
from dms_app.core import analytics


def execute(filters=None):
	filters = frappe._dict(filters or {})
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_months(to_date, -1))
	if to_date < from_date:
		frappe.throw(_("The To Date is before the From Date"), frappe.ValidationError)
	ledger = ChannelLedger(filters)
	if ledger.nothing_visible:
		return columns(), [], no_scope_message()
	balances = ledger.balances(from_date, to_date)
	days = (to_date - from_date).days + 1
	items = {
		i.name: i
		for i in frappe.get_all(
			"Item",
			filters={"name": ["in", list({item for _d, item in balances})]},
			fields=["name", "item_name", "stock_uom"],
		)
	}
	data = []
	for (distributor, item_code), b in sorted(balances.items()):
		item = items.get(item_code) or frappe._dict()
		data.append(
			{
				"distributor": distributor,
				"item_code": item_code,
				"item_name": item.item_name,
				"stock_uom": item.stock_uom,
				"opening": b.opening,
				"received": b.received,
				"sold": b.sold,
				"returned": b.returned,
				"adjusted": b.adjusted,
				"closing": b.closing,
				"build_up": b.build_up,
				"days_of_cover": analytics.days_of_cover(b.closing, b.net_sold, days),
			}
		)
	return columns(), data, None, chart(balances)


def columns() -> list[dict]:
	qty = {"fieldtype": "Float", "precision": 2, "width": 100}
	return [
		{
			"fieldname": "distributor",
			"label": _("Distributor"),
			"fieldtype": "Link",
			"options": "Distributor",
			"width": 150,
		},
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Link", "options": "Item", "width": 130},
		{"fieldname": "item_name", "label": _("Item Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "stock_uom", "label": _("UOM"), "fieldtype": "Data", "width": 70},
		{"fieldname": "opening", "label": _("Opening"), **qty},
		{"fieldname": "received", "label": _("Received (Sell-in)"), **qty},
		{"fieldname": "sold", "label": _("Sold (Sell-out)"), **qty},
		{"fieldname": "returned", "label": _("Returned"), **qty},
		{"fieldname": "adjusted", "label": _("Adjusted"), **qty},
		{"fieldname": "closing", "label": _("Closing"), **qty},
		{"fieldname": "build_up", "label": _("Stock Build-up"), **qty},
		{
			"fieldname": "days_of_cover",
			"label": _("Days of Cover"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
	]


def chart(balances: dict) -> dict:
	"""Sell-in against net sell-out, per distributor."""
	by_distributor: dict[str, list[float]] = {}
	for (distributor, _item), b in balances.items():
		totals = by_distributor.setdefault(distributor, [0.0, 0.0])
		totals[0] += b.received
		totals[1] += b.net_sold
	names = sorted(by_distributor)
	return {
		"data": {
			"labels": names,
			"datasets": [
				{"name": _("Sell-in"), "values": [by_distributor[n][0] for n in names]},
				{"name": _("Sell-out"), "values": [by_distributor[n][1] for n in names]},
			],
		},
		"type": "bar",
	}
