# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""What each scheme cost against the sell-out it moved, by scheme and distributor.

- the period: the scheme's validity (valid from, valid up to or today), within the report's dates;
- cost: the scheme's ledger entries in that period, not cancelled: discounts, and free goods at their rate;
- sell-out during: the distributor's net sell-out (submitted Sales Invoices, credit notes negative) of the
  goods the scheme covers (its items, item groups with their descendants, brands; all goods when it
  names none) in that period; before: the same over the equal period just before;
- uplift = during - before; return on cost = uplift / cost (2.0: every rupee given brought two more).

A scheme's effect is read on sell-out whatever its channel. Rows are limited to the distributors the user
may see (dms_app.channel_analytics.scope)."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Sum
from frappe.utils import flt, getdate, nowdate

from dms_app.channel_analytics.scope import (
	distributors_in,
	no_scope_message,
	tree_filter,
	visible_distributors,
)
from dms_app.core import analytics


def execute(filters=None):
	filters = frappe._dict(filters or {})
	from_date = getdate(filters.from_date) if filters.get("from_date") else None
	to_date = getdate(filters.get("to_date") or nowdate())
	if from_date and to_date < from_date:
		frappe.throw(_("The To Date is before the From Date"), frappe.ValidationError)
	scope = visible_distributors()
	if scope == []:
		return columns(), [], no_scope_message()
	entry = frappe.qb.DocType("DMS Scheme Ledger Entry")
	scheme = frappe.qb.DocType("DMS Scheme")
	condition = (entry.is_cancelled == 0) & (scheme.docstatus == 1) & entry.distributor.isnotnull()
	if scope:
		condition &= entry.distributor.isin(scope)
	territories = tree_filter("Territory", filters.get("territory"))
	if territories is not None:
		condition &= entry.distributor.isin(distributors_in(territories) or [""])
	for field in ("scheme", "distributor", "company"):
		if filters.get(field):
			condition &= entry[field] == filters[field]
	rows = (
		frappe.qb.from_(entry)
		.join(scheme)
		.on(scheme.name == entry.scheme)
		.select(
			entry.scheme,
			entry.distributor,
			scheme.scheme_name,
			scheme.scheme_type,
			scheme.channel,
			scheme.valid_from,
			scheme.valid_upto,
		)
		.distinct()
		.where(condition)
		.run()
	)
	data = []
	covered: dict[str, dict] = {}
	for name, distributor, scheme_name, scheme_type, channel, valid_from, valid_upto in rows:
		window = analytics.clip_window(
			getdate(valid_from), getdate(valid_upto) if valid_upto else to_date, from_date, to_date
		)
		if window is None:
			continue
		# the cost of the window only (a report dated inside a long scheme)
		cost, free_cost = _cost(name, distributor, *window)
		if not cost:
			continue  # it gave this distributor nothing in the window
		if name not in covered:
			covered[name] = _covered(name)
		during = _sell_out(distributor, covered[name], *window)
		before = _sell_out(distributor, covered[name], *analytics.previous_window(*window))
		result = analytics.SchemeReturn(cost, during, before)
		data.append(
			{
				"scheme": name,
				"scheme_name": scheme_name,
				"scheme_type": scheme_type,
				"channel": channel,
				"distributor": distributor,
				"from_date": window[0],
				"to_date": window[1],
				"discount_cost": cost - free_cost,
				"free_goods_cost": free_cost,
				"cost": cost,
				"sell_out": during,
				"sell_out_before": before,
				"uplift": result.uplift,
				"uplift_pct": result.uplift_pct,
				"return_on_cost": result.return_on_cost,
			}
		)
	data.sort(key=lambda r: (-(r["return_on_cost"] or float("-inf")), r["scheme"], r["distributor"]))
	return columns(), data


def _cost(scheme: str, distributor: str, start, end) -> tuple[float, float]:
	entry = frappe.qb.DocType("DMS Scheme Ledger Entry")
	free = Case().when(entry.free_qty > 0, entry.value).else_(0)
	(cost, free_cost) = (
		frappe.qb.from_(entry)
		.select(Sum(entry.value), Sum(free))
		.where(
			(entry.scheme == scheme)
			& (entry.distributor == distributor)
			& (entry.is_cancelled == 0)
			& entry.posting_date[start:end]
		)
		.run()[0]
	)
	return flt(cost), flt(free_cost)


def _covered(scheme: str) -> dict:
	"""What the scheme applies to: {"Item": [...], "Item Group": [... with descendants], "Brand": [...]}."""
	covered: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"DMS Scheme Item",
		filters={"parent": scheme, "parenttype": "DMS Scheme"},
		fields=["applies_to", "value"],
	):
		values = tree_filter("Item Group", row.value) if row.applies_to == "Item Group" else [row.value]
		covered.setdefault(row.applies_to, []).extend(values or [])
	return covered


def _sell_out(distributor: str, covered: dict, start, end) -> float:
	invoice, line = frappe.qb.DocType("Sales Invoice"), frappe.qb.DocType("Sales Invoice Item")
	condition = (
		(invoice.docstatus == 1)
		& (invoice.distributor == distributor)
		& invoice.posting_date[start:end]
		& (line.parenttype == "Sales Invoice")
	)
	goods = None
	for applies_to, column in (
		("Item", line.item_code),
		("Item Group", line.item_group),
		("Brand", line.brand),
	):
		if covered.get(applies_to):
			term = column.isin(covered[applies_to])
			goods = term if goods is None else goods | term
	if goods is not None:
		condition &= goods
	(value,) = (
		frappe.qb.from_(line)
		.join(invoice)
		.on(line.parent == invoice.name)
		.select(Sum(line.base_net_amount))
		.where(condition)
		.run()[0]
	)
	return flt(value)


def columns() -> list[dict]:
	money = {"fieldtype": "Currency", "width": 115}
	return [
		{
			"fieldname": "scheme",
			"label": _("Scheme"),
			"fieldtype": "Link",
			"options": "DMS Scheme",
			"width": 150,
		},
		{"fieldname": "scheme_name", "label": _("Scheme Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "scheme_type", "label": _("Type"), "fieldtype": "Data", "width": 120},
		{"fieldname": "channel", "label": _("Channel"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "distributor",
			"label": _("Distributor"),
			"fieldtype": "Link",
			"options": "Distributor",
			"width": 130,
		},
		{"fieldname": "from_date", "label": _("From"), "fieldtype": "Date", "width": 95},
		{"fieldname": "to_date", "label": _("To"), "fieldtype": "Date", "width": 95},
		{"fieldname": "discount_cost", "label": _("Discounts"), **money},
		{"fieldname": "free_goods_cost", "label": _("Free Goods"), **money},
		{"fieldname": "cost", "label": _("Cost"), **money},
		{"fieldname": "sell_out", "label": _("Sell-out During"), **money},
		{"fieldname": "sell_out_before", "label": _("Sell-out Before"), **money},
		{"fieldname": "uplift", "label": _("Uplift"), **money},
		{"fieldname": "uplift_pct", "label": _("Uplift %"), "fieldtype": "Percent", "width": 90},
		{
			"fieldname": "return_on_cost",
			"label": _("Return on Cost"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 110,
		},
	]
