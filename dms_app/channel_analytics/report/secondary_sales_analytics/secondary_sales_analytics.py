# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Sell-out: what distributors sold on to retailers, by territory, distributor, item group, brand or SKU,
in weekly, monthly or quarterly columns, with growth against the equal period before and the same dates
a year earlier.

Sell-out is the submitted Sales Invoices of distributors (the invoices' distributor field set), net of
discounts in company currency (``base_net_amount``) or in stock units (``stock_qty``); credit notes count
negative, cancelled invoices not at all. Territory is the retailer's, as on the invoice. Rows are limited
to the distributors the user may see (dms_app.channel_analytics.scope)."""

from datetime import date

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Sum
from frappe.utils import add_months, flt, getdate, nowdate

from dms_app.channel_analytics.scope import no_scope_message, tree_filter, visible_distributors
from dms_app.core import analytics

# group by -> (table alias, column, link doctype)
GROUPS = {
	"Territory": ("invoice", "territory", "Territory"),
	"Distributor": ("invoice", "distributor", "Distributor"),
	"Item Group": ("line", "item_group", "Item Group"),
	"Brand": ("line", "brand", "Brand"),
	"Item": ("line", "item_code", "Item"),
	"Retailer": ("invoice", "customer", "Customer"),
}
VALUE, QUANTITY = "Value", "Quantity"
NOT_SET = "Not Set"
CHART_GROUPS = 5


def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by = filters.get("group_by") or "Territory"
	if group_by not in GROUPS:
		frappe.throw(_("Group By must be one of {0}").format(", ".join(GROUPS)), frappe.ValidationError)
	measure = filters.get("value_quantity") or VALUE
	if measure not in (VALUE, QUANTITY):
		frappe.throw(_("Value or Quantity must be Value or Quantity"), frappe.ValidationError)
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_months(to_date, -3))
	try:
		buckets = analytics.periods(from_date, to_date, filters.get("range") or analytics.MONTHLY)
	except ValueError as error:
		frappe.throw(str(error), frappe.ValidationError)

	query = SellOut(filters, group_by, measure)
	if query.nothing_visible:
		return columns(group_by, measure, buckets), [], no_scope_message()
	rows = analytics.pivot(
		query.by_period(buckets),
		buckets,
		previous=query.totals(*analytics.previous_window(from_date, to_date)),
		last_year=query.totals(*analytics.last_year_window(from_date, to_date)),
	)
	data = [
		{
			"group": r.group,
			**r.by_period,
			"total": r.total,
			"previous": r.previous,
			"growth_previous": analytics.growth(r.total, r.previous),
			"last_year": r.last_year,
			"growth_last_year": analytics.growth(r.total, r.last_year),
		}
		for r in rows
	]
	return columns(group_by, measure, buckets), data, None, chart(rows, buckets), summary(rows, measure)


class SellOut:
	"""The filtered invoice lines, summed by the chosen group."""

	def __init__(self, filters, group_by: str, measure: str):
		self.invoice = frappe.qb.DocType("Sales Invoice")
		self.line = frappe.qb.DocType("Sales Invoice Item")
		alias, column, _doctype = GROUPS[group_by]
		self.group = (self.invoice if alias == "invoice" else self.line)[column]
		self.amount = self.line.base_net_amount if measure == VALUE else self.line.stock_qty
		self.conditions = self._conditions(filters)

	def _conditions(self, filters):
		invoice, line = self.invoice, self.line
		condition = (invoice.docstatus == 1) & (invoice.distributor.isnotnull()) & (invoice.distributor != "")
		condition &= line.parenttype == "Sales Invoice"
		scope = visible_distributors()
		self.nothing_visible = scope == []
		if scope:
			condition &= invoice.distributor.isin(scope)
		for field, column in (
			("company", invoice.company),
			("distributor", invoice.distributor),
			("brand", line.brand),
			("item_code", line.item_code),
			("outlet_type", invoice.customer),
		):
			value = filters.get(field)
			if not value:
				continue
			if field == "outlet_type":
				customer = frappe.qb.DocType("Customer")
				retailers = (
					frappe.qb.from_(customer).select(customer.name).where(customer.outlet_type == value)
				)
				condition &= column.isin(retailers)
			else:
				condition &= column == value
		for field, doctype, column in (
			("territory", "Territory", invoice.territory),
			("item_group", "Item Group", line.item_group),
			("customer_group", "Customer Group", invoice.customer_group),
		):
			members = tree_filter(doctype, filters.get(field))
			if members is not None:
				condition &= column.isin(members)
		return condition

	def _query(self, from_date: date, to_date: date):
		return (
			frappe.qb.from_(self.line)
			.join(self.invoice)
			.on(self.line.parent == self.invoice.name)
			.where(self.conditions & self.invoice.posting_date[from_date:to_date])
		)

	def by_period(self, buckets: list[analytics.Period]) -> list[tuple[str, date, float]]:
		"""Summed by group and period in the database, each period named by its first day: a row a
		group and period (2,000 SKUs by 12 months), not a row a group and day."""
		period = Case()
		for bucket in buckets:
			period = period.when(self.invoice.posting_date[bucket.start : bucket.end], bucket.start)
		rows = (
			self._query(buckets[0].start, buckets[-1].end)
			.select(self.group, period, Sum(self.amount))
			.groupby(self.group, period)
			.run()
		)
		starts = {str(bucket.start): bucket.start for bucket in buckets}  # the CASE answers the date as text
		return [(group or NOT_SET, starts[str(start)], flt(amount)) for group, start, amount in rows]

	def totals(self, from_date: date, to_date: date) -> list[tuple[str, float]]:
		rows = self._query(from_date, to_date).select(self.group, Sum(self.amount)).groupby(self.group).run()
		return [(group or NOT_SET, flt(amount)) for group, amount in rows]


def columns(group_by: str, measure: str, buckets: list[analytics.Period]) -> list[dict]:
	_alias, _column, doctype = GROUPS[group_by]
	kind = {"fieldtype": "Currency"} if measure == VALUE else {"fieldtype": "Float", "precision": 2}
	return [
		{"fieldname": "group", "label": _(group_by), "fieldtype": "Link", "options": doctype, "width": 180},
		*({"fieldname": b.key, "label": b.label, **kind, "width": 120} for b in buckets),
		{"fieldname": "total", "label": _("Total"), **kind, "width": 130},
		{"fieldname": "previous", "label": _("Previous Period"), **kind, "width": 130},
		{
			"fieldname": "growth_previous",
			"label": _("Growth vs Previous %"),
			"fieldtype": "Percent",
			"width": 120,
		},
		{"fieldname": "last_year", "label": _("Same Period Last Year"), **kind, "width": 130},
		{
			"fieldname": "growth_last_year",
			"label": _("Growth vs Last Year %"),
			"fieldtype": "Percent",
			"width": 120,
		},
	]


def chart(rows: list[analytics.PivotRow], buckets: list[analytics.Period]) -> dict:
	"""The largest groups' sell-out by period, as a line chart."""
	return {
		"data": {
			"labels": [b.label for b in buckets],
			"datasets": [
				{"name": r.group, "values": [r.by_period[b.key] for b in buckets]}
				for r in rows[:CHART_GROUPS]
			],
		},
		"type": "line",
	}


def summary(rows: list[analytics.PivotRow], measure: str) -> list[dict]:
	"""The totals over every row, and their growth (not the average of the rows' growths)."""
	total = sum(r.total for r in rows)
	previous = sum(r.previous for r in rows)
	last_year = sum(r.last_year for r in rows)
	kind = "Currency" if measure == VALUE else "Float"

	def indicator(growth):
		return "Green" if (growth or 0) >= 0 else "Red"

	growth_previous = analytics.growth(total, previous)
	growth_last_year = analytics.growth(total, last_year)
	return [
		{"label": _("Sell-out"), "value": total, "datatype": kind, "indicator": "Blue"},
		{"label": _("Previous Period"), "value": previous, "datatype": kind},
		{
			"label": _("Growth vs Previous %"),
			"value": growth_previous,
			"datatype": "Percent",
			"indicator": indicator(growth_previous),
		},
		{"label": _("Same Period Last Year"), "value": last_year, "datatype": kind},
		{
			"label": _("Growth vs Last Year %"),
			"value": growth_last_year,
			"datatype": "Percent",
			"indicator": indicator(growth_last_year),
		},
	]
