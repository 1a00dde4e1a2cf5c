"""The DMS workspace's number cards and its sell-in vs sell-out chart, each read through the channel
analytics scope (dms_app.channel_analytics.scope): a Regional or Area Sales Manager's cards count only
the distributors of their territories.

Definitions (the portal home uses the same for one distributor, dms_app.portal.kpis):
- sell-in: approved primary orders (submitted Material Requests of distributors), order value, by date;
- sell-out: submitted Sales Invoices of distributors, net total in company currency, returns negative;
- channel stock value: Bin stock value over the distributors' warehouses, today;
- days of cover: channel stock value over the cost of what left on sales in the last 30 days, per day
  (both at valuation, so price and margin do not distort it);
- orders waiting: primary orders in an approval state; claims waiting: scheme claims sent for approval;
- open alerts: DMS Channel Alerts still open.

They only read (frappe.read_only): on a site with a read replica (``read_from_replica`` and
``replica_host`` in site_config) they run on it, as Frappe's report runner does for the reports.
"""

from datetime import date, timedelta

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Count, Sum
from frappe.utils import flt, getdate, nowdate

from dms_app.channel_analytics import figures
from dms_app.channel_analytics.scope import require_analytics_reader, visible_distributors
from dms_app.core import analytics, portal
from dms_app.core.primary_order import OEM_CONFIRMATION, PENDING_STATES

COVER_DAYS = 30
TREND_MONTHS = 12


def _month() -> tuple[date, date]:
	return portal.month_bounds(getdate(nowdate()))


def _scoped(column, scope):
	condition = column.isnotnull() & (column != "")
	return condition & column.isin(scope) if scope else condition


def _card(value, fieldtype: str, route: list[str] | None = None, route_options: dict | None = None) -> dict:
	return {"value": value, "fieldtype": fieldtype, "route": route, "route_options": route_options}


def _empty(fieldtype: str) -> dict:
	return _card(0, fieldtype)


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def sell_in_this_month(filters: dict | str | None = None) -> dict:
	require_analytics_reader()
	scope = visible_distributors()
	if scope == []:
		return _empty("Currency")
	return _card(sum(figures.by_distributor(figures.SELL_IN, *_month(), scope).values()), "Currency")


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def sell_out_this_month(filters: dict | str | None = None) -> dict:
	require_analytics_reader()
	scope = visible_distributors()
	if scope == []:
		return _empty("Currency")
	sell_out = sum(figures.by_distributor(figures.SELL_OUT, *_month(), scope).values())
	return _card(sell_out, "Currency", ["query-report", "Secondary Sales Analytics"])


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def channel_stock_value(filters: dict | str | None = None) -> dict:
	require_analytics_reader()
	scope = visible_distributors()
	if scope == []:
		return _empty("Currency")
	return _card(_stock_value(scope), "Currency", ["query-report", "Sell-in vs Sell-out"])


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def days_of_cover(filters: dict | str | None = None) -> dict:
	require_analytics_reader()
	scope = visible_distributors()
	if scope == []:
		return _empty("Int")
	today = getdate(nowdate())
	cost = _cost_of_sales(today - timedelta(days=COVER_DAYS - 1), today, scope)
	return _card(round(analytics.days_of_cover(_stock_value(scope), cost, COVER_DAYS) or 0), "Int")


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def orders_waiting(filters: dict | str | None = None) -> dict:
	require_analytics_reader()
	scope = visible_distributors()
	if scope == []:
		return _empty("Int")
	states = [*PENDING_STATES, OEM_CONFIRMATION]
	order = frappe.qb.DocType("Material Request")
	(count,) = (
		frappe.qb.from_(order)
		.select(Count("*"))
		.where((order.docstatus == 0) & order.workflow_state.isin(states) & _scoped(order.distributor, scope))
		.run()[0]
	)
	return _card(count, "Int", ["List", "Material Request"], {"workflow_state": ["in", states]})


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def open_alerts(filters: dict | str | None = None) -> dict:
	require_analytics_reader()
	scope = visible_distributors()
	if scope == []:
		return _empty("Int")
	alert = frappe.qb.DocType("DMS Channel Alert")
	condition = alert.status == "Open"
	if scope:
		condition &= alert.distributor.isin(scope)
	(count,) = frappe.qb.from_(alert).select(Count("*")).where(condition).run()[0]
	return _card(count, "Int", ["List", "DMS Channel Alert"], {"status": "Open"})


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def claims_waiting(filters: dict | str | None = None) -> dict:
	require_analytics_reader()
	from dms_app.workflows.scheme_claim import PENDING

	scope = visible_distributors()
	if scope == []:
		return _empty("Int")
	claim = frappe.qb.DocType("DMS Scheme Claim")
	(count,) = (
		frappe.qb.from_(claim)
		.select(Count("*"))
		.where((claim.docstatus == 0) & (claim.workflow_state == PENDING) & _scoped(claim.distributor, scope))
		.run()[0]
	)
	return _card(count, "Int", ["List", "DMS Scheme Claim"], {"workflow_state": PENDING})


@frappe.whitelist(methods=["GET", "POST"])
@frappe.read_only()
def sell_in_vs_sell_out(
	chart_name: str | None = None,
	chart: dict | str | None = None,
	no_cache: int | str | None = None,
	filters: dict | str | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
	timespan: str | None = None,
	time_interval: str | None = None,
	heatmap_year: int | str | None = None,
) -> dict:
	"""Dashboard Chart Source "DMS Sell-in vs Sell-out": the last 12 months, month by month."""
	require_analytics_reader()
	scope = visible_distributors()
	months = portal.last_months(getdate(nowdate()), TREND_MONTHS)
	if scope == []:
		sell_in = sell_out = [0.0] * len(months)
	else:
		sell_in = _by_month("Material Request", "transaction_date", "dms_order_value", months, scope)
		sell_out = _by_month("Sales Invoice", "posting_date", "base_net_total", months, scope)
	return {
		"labels": [start.strftime("%b %Y") for start, _end in months],
		"datasets": [{"name": _("Sell-in"), "values": sell_in}, {"name": _("Sell-out"), "values": sell_out}],
		"type": "bar",
	}


# Figures -------------------------------------------------------------------------------------------


def _stock_value(scope) -> float:
	bin_ = frappe.qb.DocType("Bin")
	warehouse = frappe.qb.DocType("Warehouse")
	(value,) = (
		frappe.qb.from_(bin_)
		.join(warehouse)
		.on(warehouse.name == bin_.warehouse)
		.select(Coalesce(Sum(bin_.stock_value), 0))
		.where(_scoped(warehouse.distributor, scope))
		.run()[0]
	)
	return flt(value)


def _cost_of_sales(start: date, end: date, scope) -> float:
	sle = frappe.qb.DocType("Stock Ledger Entry")
	warehouse = frappe.qb.DocType("Warehouse")
	(value,) = (
		frappe.qb.from_(sle)
		.join(warehouse)
		.on(warehouse.name == sle.warehouse)
		.select(Coalesce(Sum(-sle.stock_value_difference), 0))
		.where(
			(sle.is_cancelled == 0)
			& _scoped(warehouse.distributor, scope)
			& sle.voucher_type.isin(list(analytics.SELLING_VOUCHERS))
			& sle.posting_date[start:end]
		)
		.run()[0]
	)
	return flt(value)


def _by_month(doctype: str, date_field: str, value_field: str, months, scope) -> list[float]:
	table = frappe.qb.DocType(doctype)
	rows = (
		frappe.qb.from_(table)
		.select(table[date_field], Sum(table[value_field]))
		.where(
			(table.docstatus == 1)
			& _scoped(table.distributor, scope)
			& table[date_field][months[0][0] : months[-1][1]]
		)
		.groupby(table[date_field])
		.run()
	)
	buckets = [analytics.Period(str(n), "", start, end) for n, (start, end) in enumerate(months)]
	totals = [0.0] * len(months)
	for day, value in rows:
		bucket = analytics.period_of(getdate(day), buckets)
		totals[int(bucket.key)] += flt(value)
	return totals
