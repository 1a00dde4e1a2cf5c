"""The portal home's figures for one distributor: this month's KPIs, six months of sell-in and sell-out,
and the top SKUs sold. The caller resolves the distributor (dms_app.portal.context); every query here
is filtered by it explicitly, so permissions of the reading user do not widen or narrow it.

- stock value: Bin.stock_value over all the distributor's warehouses (In Transit included), today;
- sell-in: approved primary orders (submitted Material Requests with the distributor), dms_order_value,
  by transaction date;
- sell-out: submitted Sales Invoices of the distributor, net total in company currency (returns count
  negative), by posting date;
- orders waiting: draft orders not rejected (Draft, Pending ... Approval, Pending OEM Confirmation);
- scheme earnings: value of the distributor's DMS Scheme Ledger Entries, not cancelled, by posting date.
"""

from datetime import date

import frappe
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import flt, getdate, nowdate

from dms_app.core import portal
from dms_app.core.primary_order import REJECTED
from dms_app.distribution.warehouses import owned_by

CHART_MONTHS = 6


def home(distributor: str, today: date | None = None) -> dict:
	today = getdate(today or nowdate())
	start, end = portal.month_bounds(today)
	months = portal.last_months(today, CHART_MONTHS)
	sell_in = _by_month(
		"Material Request", "transaction_date", "dms_order_value", distributor, months, {"docstatus": 1}
	)
	sell_out = _by_month(
		"Sales Invoice", "posting_date", "base_net_total", distributor, months, {"docstatus": 1}
	)
	waiting = frappe.get_all(
		"Material Request",
		filters={"distributor": distributor, "docstatus": 0, "workflow_state": ["!=", REJECTED]},
		fields=["workflow_state", "count(name) as count"],
		group_by="workflow_state",
	)
	top = portal.top_items(_sold_lines(distributor, start, end))
	heights = portal.bar_heights([t["value"] for t in top])
	chart_heights = portal.bar_heights(sell_in + sell_out)
	return {
		"month_start": start,
		"month_end": end,
		"stock_value": stock_value(distributor),
		"sell_in": sell_in[-1],
		"sell_out": sell_out[-1],
		"sell_through": portal.sell_through(sell_in[-1], sell_out[-1]),
		"orders_waiting": sum(w["count"] for w in waiting),
		"orders_waiting_by_state": {(w["workflow_state"] or "Draft"): w["count"] for w in waiting},
		"scheme_earnings": scheme_earnings(distributor, start, end),
		"top_items": [{**t, "height": h} for t, h in zip(top, heights, strict=True)],
		"chart": [
			{
				"month": m[0],
				"sell_in": i,
				"sell_out": o,
				"sell_in_height": chart_heights[n],
				"sell_out_height": chart_heights[len(months) + n],
			}
			for n, (m, i, o) in enumerate(zip(months, sell_in, sell_out, strict=True))
		],
	}


def stock_value(distributor: str) -> float:
	warehouses = owned_by(distributor)
	if not warehouses:
		return 0.0
	bin_ = frappe.qb.DocType("Bin")
	(value,) = (
		frappe.qb.from_(bin_)
		.select(Coalesce(Sum(bin_.stock_value), 0))
		.where(bin_.warehouse.isin(warehouses))
		.run()[0]
	)
	return flt(value)


def scheme_earnings(distributor: str, start: date, end: date) -> float:
	entry = frappe.qb.DocType("DMS Scheme Ledger Entry")
	(value,) = (
		frappe.qb.from_(entry)
		.select(Coalesce(Sum(entry.value), 0))
		.where(
			(entry.distributor == distributor) & (entry.is_cancelled == 0) & (entry.posting_date[start:end])
		)
		.run()[0]
	)
	return flt(value)


def _by_month(doctype, date_field, value_field, distributor, months, extra) -> list[float]:
	table = frappe.qb.DocType(doctype)
	first, last = months[0][0], months[-1][1]
	rows = (
		frappe.qb.from_(table)
		.select(table[date_field], table[value_field])
		.where(
			(table.distributor == distributor)
			& (table[date_field][first:last])
			& (table.docstatus == extra["docstatus"])
		)
		.run()
	)
	totals = [0.0] * len(months)
	for when, value in rows:
		when = getdate(when)
		for n, (start, end) in enumerate(months):
			if start <= when <= end:
				totals[n] += flt(value)
	return totals


def _sold_lines(distributor: str, start: date, end: date) -> list[dict]:
	invoice = frappe.qb.DocType("Sales Invoice")
	line = frappe.qb.DocType("Sales Invoice Item")
	return (
		frappe.qb.from_(line)
		.join(invoice)
		.on(line.parent == invoice.name)
		.select(line.item_code, line.item_name, line.stock_qty.as_("qty"), line.base_net_amount.as_("value"))
		.where(
			(invoice.distributor == distributor)
			& (invoice.docstatus == 1)
			& (invoice.posting_date[start:end])
			& (line.parenttype == "Sales Invoice")
		)
		.run(as_dict=True)
	)
