"""Per-distributor sums the channel analytics share (the number cards, the Distributor Scorecard, the
alert rules), with the portal home's definitions (dms_app.portal.kpis): sell-in is submitted primary
orders by order date, sell-out submitted Sales Invoices (credit notes negative) by posting date.

``scope`` everywhere: a list of distributors, or None for every distributor."""

from datetime import date

import frappe
from frappe.query_builder.functions import Max, Sum
from frappe.utils import flt, getdate

# (doctype, date field, value field)
SELL_IN = ("Material Request", "transaction_date", "dms_order_value")
SELL_OUT = ("Sales Invoice", "posting_date", "base_net_total")
CLAIMS = ("DMS Scheme Claim", "to_date", "total_amount")


def _distributor_condition(column, scope):
	condition = column.isnotnull() & (column != "")
	return condition & column.isin(scope or [""]) if scope is not None else condition


def by_distributor(measure: tuple[str, str, str], start: date, end: date, scope) -> dict[str, float]:
	"""Submitted documents' ``measure`` between ``start`` and ``end``, summed per distributor."""
	doctype, date_field, value_field = measure
	table = frappe.qb.DocType(doctype)
	rows = (
		frappe.qb.from_(table)
		.select(table.distributor, Sum(table[value_field]))
		.where(
			(table.docstatus == 1)
			& _distributor_condition(table.distributor, scope)
			& table[date_field][start:end]
		)
		.groupby(table.distributor)
		.run()
	)
	return {name: flt(value) for name, value in rows}


def last_sale_dates(scope) -> dict[str, date]:
	"""Each distributor's latest submitted Sales Invoice or Delivery Note (distributors that never sold
	are left out)."""
	last: dict[str, date] = {}
	for doctype in ("Sales Invoice", "Delivery Note"):
		table = frappe.qb.DocType(doctype)
		for name, day in (
			frappe.qb.from_(table)
			.select(table.distributor, Max(table.posting_date))
			.where((table.docstatus == 1) & _distributor_condition(table.distributor, scope))
			.groupby(table.distributor)
			.run()
		):
			last[name] = max(last.get(name, getdate(day)), getdate(day))
	return last
