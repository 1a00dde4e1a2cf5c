# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""One row per distributor over a period: how it buys, sells on, grows and is served.

- sell-in: approved primary orders (submitted Material Requests), order value, by order date;
- sell-out: submitted Sales Invoices, net in company currency (credit notes negative), by posting date;
  growth against the equal period before;
- fill rate: of the quantity those approved orders asked for (stock units), the share dispatched (the
  orders' transferred quantity, which ERPNext keeps on each order line);
- approval turnaround: the average hours those orders spent waiting for approval and OEM confirmation
  (their approval log);
- claims % of sell-out: approved scheme claims (by their end date) against the period's sell-out;
- active retailers: retailers invoiced in the period, of the distributor's retailers;
- days since the last secondary sale (invoice or delivery note), as of today.

Rows are limited to the distributors the user may see (dms_app.channel_analytics.scope)."""

from collections import defaultdict

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_months, flt, getdate, nowdate

from dms_app.channel_analytics import figures
from dms_app.channel_analytics.scope import (
	distributors_in,
	no_scope_message,
	tree_filter,
	visible_distributors,
)
from dms_app.core import analytics
from dms_app.core.approval import LEVELS
from dms_app.core.primary_order import OEM_CONFIRMATION, pending_state

WAITING_STATES = [*(pending_state(level) for level in LEVELS), OEM_CONFIRMATION]


def execute(filters=None):
	filters = frappe._dict(filters or {})
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_months(to_date, -1))
	if to_date < from_date:
		frappe.throw(_("The To Date is before the From Date"), frappe.ValidationError)
	distributors = _distributors(filters)
	if distributors is None:
		return columns(), [], no_scope_message()
	if not distributors:
		return columns(), []
	names = list(distributors)
	previous = analytics.previous_window(from_date, to_date)
	sell_in = figures.by_distributor(figures.SELL_IN, from_date, to_date, names)
	sell_out = figures.by_distributor(figures.SELL_OUT, from_date, to_date, names)
	sell_out_before = figures.by_distributor(figures.SELL_OUT, *previous, names)
	fill = _fill(names, from_date, to_date)
	turnaround = _turnaround(names, from_date, to_date)
	claims = figures.by_distributor(figures.CLAIMS, from_date, to_date, names)
	active, total = _retailers(names, from_date, to_date)
	last_sale = figures.last_sale_dates(names)
	today = getdate(nowdate())
	data = []
	for name, territory in sorted(distributors.items()):
		ordered, dispatched = fill.get(name, (0.0, 0.0))
		out = sell_out.get(name, 0.0)
		data.append(
			{
				"distributor": name,
				"territory": territory,
				"sell_in": sell_in.get(name, 0.0),
				"sell_out": out,
				"growth": analytics.growth(out, sell_out_before.get(name, 0.0)),
				"fill_rate": round(dispatched / ordered * 100, 2) if ordered else None,
				"approval_hours": turnaround.get(name),
				"claims": claims.get(name, 0.0),
				"claims_pct": round(claims.get(name, 0.0) / out * 100, 2) if out > 0 else None,
				"active_retailers": active.get(name, 0),
				"retailers": total.get(name, 0),
				"days_since_sale": (today - last_sale[name]).days if last_sale.get(name) else None,
			}
		)
	return columns(), data


def _distributors(filters) -> dict[str, str] | None:
	"""The distributors of the report, name -> territory; None when the user may see none at all."""
	scope = visible_distributors()
	if scope == []:
		return None
	names: set[str] | None = None  # None: no restriction yet
	for allowed in (
		scope,
		distributors_in(tree_filter("Territory", filters.territory)) if filters.get("territory") else None,
		[filters.distributor] if filters.get("distributor") else None,
	):
		if allowed is not None:
			names = set(allowed) if names is None else names & set(allowed)
	conditions = {} if names is None else {"name": ["in", sorted(names) or [""]]}
	if filters.get("company"):
		conditions["company"] = filters.company
	return dict(frappe.get_all("Distributor", filters=conditions, fields=["name", "territory"], as_list=True))


def _fill(names, start, end) -> dict[str, tuple[float, float]]:
	order, line = frappe.qb.DocType("Material Request"), frappe.qb.DocType("Material Request Item")
	rows = (
		frappe.qb.from_(line)
		.join(order)
		.on(line.parent == order.name)
		.select(
			order.distributor,
			Sum(line.stock_qty),
			# a line counts as dispatched up to what it asked for
			Sum(Case().when(line.ordered_qty < line.stock_qty, line.ordered_qty).else_(line.stock_qty)),
		)
		.where(
			(order.docstatus == 1)
			& order.distributor.isin(names)
			& order.transaction_date[start:end]
			& (line.parenttype == "Material Request")
		)
		.groupby(order.distributor)
		.run()
	)
	return {name: (flt(asked), flt(dispatched)) for name, asked, dispatched in rows}


def _turnaround(names, start, end) -> dict[str, float]:
	order, log = frappe.qb.DocType("Material Request"), frappe.qb.DocType("DMS Approval Log")
	rows = (
		frappe.qb.from_(log)
		.join(order)
		.on(log.parent == order.name)
		.select(order.distributor, order.name, Sum(log.hours_in_state))
		.where(
			(order.docstatus == 1)
			& order.distributor.isin(names)
			& order.transaction_date[start:end]
			& (log.parenttype == "Material Request")
			& log.state.isin(WAITING_STATES)
		)
		.groupby(order.distributor, order.name)
		.run()
	)
	hours: dict[str, list[float]] = defaultdict(list)
	for name, _order, total in rows:
		hours[name].append(flt(total))
	return {name: round(sum(values) / len(values), 2) for name, values in hours.items()}


def _retailers(names, start, end) -> tuple[dict[str, int], dict[str, int]]:
	invoice, customer = frappe.qb.DocType("Sales Invoice"), frappe.qb.DocType("Customer")
	active = (
		frappe.qb.from_(invoice)
		.select(invoice.distributor, Count(invoice.customer).distinct())
		.where(
			(invoice.docstatus == 1)
			& (invoice.is_return == 0)
			& invoice.distributor.isin(names)
			& invoice.posting_date[start:end]
		)
		.groupby(invoice.distributor)
		.run()
	)
	total = (
		frappe.qb.from_(customer)
		.select(customer.distributor, Count("*"))
		.where(customer.distributor.isin(names) & (customer.disabled == 0))
		.groupby(customer.distributor)
		.run()
	)
	return dict(active), dict(total)


def columns() -> list[dict]:
	money = {"fieldtype": "Currency", "width": 120}
	return [
		{
			"fieldname": "distributor",
			"label": _("Distributor"),
			"fieldtype": "Link",
			"options": "Distributor",
			"width": 150,
		},
		{
			"fieldname": "territory",
			"label": _("Territory"),
			"fieldtype": "Link",
			"options": "Territory",
			"width": 130,
		},
		{"fieldname": "sell_in", "label": _("Sell-in"), **money},
		{"fieldname": "sell_out", "label": _("Sell-out"), **money},
		{"fieldname": "growth", "label": _("Sell-out Growth %"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "fill_rate", "label": _("Fill Rate %"), "fieldtype": "Percent", "width": 100},
		{
			"fieldname": "approval_hours",
			"label": _("Approval Turnaround (Hours)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 120,
		},
		{"fieldname": "claims", "label": _("Claims Approved"), **money},
		{"fieldname": "claims_pct", "label": _("Claims % of Sell-out"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "active_retailers", "label": _("Active Retailers"), "fieldtype": "Int", "width": 100},
		{"fieldname": "retailers", "label": _("Retailers"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "days_since_sale",
			"label": _("Days Since Last Sale"),
			"fieldtype": "Int",
			"width": 110,
		},
	]
