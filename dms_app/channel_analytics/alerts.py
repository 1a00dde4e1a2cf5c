"""Channel alerts: read the aggregates, run the pure rules (dms_app.core.alerts), record each new finding
as a DMS Channel Alert. Daily from the scheduler, and on demand (``run_now``) for a DMS Manager.

A finding's key says what was found; a unique index on it means the same anomaly is recorded once,
whether the rules run again the next day or two runs overlap. The thresholds are in DMS Settings
(Channel Alerts section); empty settings take the defaults below.

What each rule reads:
- sell-out above supply: the channel ledger (dms_app.channel_analytics.ledger) of this month so far and
  of last month;
- duplicate invoices: submitted, non-return Sales Invoices of distributors of the last LOOKBACK_DAYS days
  that share distributor, retailer and date (then compared line by line);
- claims above ledger: scheme claims not cancelled against the ledger entries of their lines that still
  stand;
- silent distributors: each distributor's (not Inactive) latest submitted Sales Invoice or Delivery Note;
- dead stock: stock on hand in a distributor's warehouses against its latest sale of the SKU;
- sell-out spikes: last complete week's sales (stock units) of a distributor and SKU against the weeks
  before.
"""

from datetime import date, timedelta

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Max, Min, Sum
from frappe.utils import add_months, flt, getdate, nowdate

from dms_app.channel_analytics import figures
from dms_app.channel_analytics.ledger import ChannelLedger
from dms_app.channel_analytics.scope import visible_distributors
from dms_app.core import alerts as rules
from dms_app.core import analytics, portal

DOCTYPE = "DMS Channel Alert"
LOOKBACK_DAYS = 35
DEFAULTS = {
	"alert_silent_days": 7,
	"alert_dead_stock_days": 90,
	"alert_spike_factor": 3.0,
	"alert_spike_weeks": 8,
	"alert_spike_minimum": 10.0,
}


def thresholds() -> frappe._dict:
	settings = frappe.get_single("DMS Settings")
	return frappe._dict({key: settings.get(key) or default for key, default in DEFAULTS.items()})


def run_daily():
	"""Scheduler (daily)."""
	run(getdate(nowdate()))


JOB_ID = "dms_channel_alert_rules"


@frappe.whitelist(methods=["POST"])
def run_now() -> dict:
	"""Queue a run of every rule (the list view's button); DMS Manager or System Manager only. On a
	channel of some size the rules take a while (see README's benchmark), more than a request should, so
	they run as one background job at a time; the user sees its progress and is told when it is done."""
	if not set(frappe.get_roles()) & {"DMS Manager", "System Manager"}:
		frappe.throw(_("Only a DMS Manager can run the channel rules."), frappe.PermissionError)
	from frappe.utils.background_jobs import is_job_enqueued

	if is_job_enqueued(JOB_ID):
		return {"queued": False, "message": _("The channel rules are running already.")}
	frappe.enqueue(
		"dms_app.channel_analytics.alerts.run_job",
		queue="long",
		timeout=3600,
		job_id=JOB_ID,
		deduplicate=True,
		user=frappe.session.user,
	)
	return {
		"queued": True,
		"message": _("The channel rules are running; the list refreshes when they are done."),
	}


def run_job(user: str | None = None) -> dict:
	"""Background job of ``run_now``: every rule, with progress and a closing message to ``user``."""
	result = run(getdate(nowdate()), progress_to=user)
	frappe.db.commit()
	if user:
		frappe.publish_realtime("dms_channel_alerts_done", result, user=user)
	return result


def run(today: date, progress_to: str | None = None) -> dict:
	"""Run every rule as of ``today``; returns how many findings each rule made and how many were new.
	The caller's transaction holds the new alerts (the scheduler, the job and a request commit it)."""
	limits = thresholds()
	steps = (
		(_("Sell-out above supply"), lambda: _sell_out_above_supply(today)),
		(_("Duplicate invoices"), lambda: rules.duplicate_invoices(_possible_duplicates(today))),
		(_("Claims above the ledger"), lambda: rules.claims_above_ledger(_claim_support())),
		(
			_("Silent distributors"),
			lambda: rules.silent_distributors(_last_sales(), today, int(limits.alert_silent_days)),
		),
		(
			_("Dead stock"),
			lambda: rules.dead_stock(_stock_ages(), today, int(limits.alert_dead_stock_days)),
		),
		(_("Sell-out spikes"), lambda: _spikes(today, limits)),
	)
	findings: list[rules.Finding] = []
	for n, (label, rule) in enumerate(steps):
		if progress_to:
			frappe.publish_progress(n * 100 / (len(steps) + 1), title=_("Channel rules"), description=label)
		findings += rule()
	if progress_to:
		frappe.publish_progress(
			len(steps) * 100 / (len(steps) + 1), title=_("Channel rules"), description=_("Recording")
		)
	created = sum(record(finding, today) for finding in findings)
	if progress_to:  # a full bar closes the desk's progress dialog
		frappe.publish_progress(100, title=_("Channel rules"), description=_("Done"))
	counts: dict[str, int] = {}
	for finding in findings:
		counts[finding.rule] = counts.get(finding.rule, 0) + 1
	return {"found": counts, "created": created}


def record(finding: rules.Finding, today: date) -> bool:
	"""Insert the finding unless its key is already recorded; True when it was new."""
	if frappe.db.exists(DOCTYPE, {"finding_key": finding.key}):
		return False
	doc = frappe.get_doc(
		{
			"doctype": DOCTYPE,
			"rule": finding.rule,
			"finding_key": finding.key,
			"distributor": finding.distributor,
			"item_code": finding.item_code,
			"reference_doctype": finding.reference_doctype,
			"reference_name": finding.reference_name,
			"period_start": finding.period_start,
			"period_end": finding.period_end,
			"measured": finding.measured,
			"threshold": finding.threshold,
			"message": finding.message,
			"found_on": today,
		}
	)
	frappe.db.savepoint("dms_channel_alert")
	try:
		doc.insert(ignore_permissions=True)
	except frappe.DuplicateEntryError:  # another run recorded it just now
		frappe.db.rollback(save_point="dms_channel_alert")
		return False
	return True


# Aggregates ----------------------------------------------------------------------------------------


def _sell_out_above_supply(today: date) -> list[rules.Finding]:
	this_month = portal.month_bounds(today)
	last_month = portal.month_bounds(getdate(add_months(this_month[0], -1)))
	findings = []
	for start, end in (last_month, (this_month[0], today)):
		balances = ChannelLedger(frappe._dict()).balances(start, end)
		flows = [
			rules.StockFlow(distributor, item, b.opening, b.received, b.sold, b.returned)
			for (distributor, item), b in balances.items()
		]
		findings += rules.sell_out_above_supply(flows, start, end)
	return findings


def _possible_duplicates(today: date) -> list[rules.InvoiceShape]:
	invoice = frappe.qb.DocType("Sales Invoice")
	line = frappe.qb.DocType("Sales Invoice Item")
	since = today - timedelta(days=LOOKBACK_DAYS)
	recent = (
		(invoice.docstatus == 1)
		& (invoice.is_return == 0)
		& invoice.distributor.isnotnull()
		& (invoice.posting_date >= since)
	)
	groups = (
		frappe.qb.from_(invoice)
		.select(invoice.distributor, invoice.customer, invoice.posting_date)
		.where(recent)
		.groupby(invoice.distributor, invoice.customer, invoice.posting_date)
		.having(Count("*") > 1)
		.run()
	)
	shapes = []
	for distributor, customer, posting_date in groups:
		invoices = frappe.get_all(
			"Sales Invoice",
			filters={
				"docstatus": 1,
				"is_return": 0,
				"distributor": distributor,
				"customer": customer,
				"posting_date": posting_date,
			},
			fields=["name", "dms_external_ref"],
		)
		lines: dict[str, list] = {i.name: [] for i in invoices}
		for row in (
			frappe.qb.from_(line)
			.select(line.parent, line.item_code, line.stock_qty, line.base_net_rate)
			.where((line.parenttype == "Sales Invoice") & line.parent.isin(list(lines)))
			.run()
		):
			lines[row[0]].append((row[1], flt(row[2]), flt(row[3])))
		shapes += [
			rules.InvoiceShape(
				i.name, distributor, customer, getdate(posting_date), i.dms_external_ref, tuple(lines[i.name])
			)
			for i in invoices
		]
	return shapes


def _claim_support() -> list[rules.ClaimSupport]:
	claim = frappe.qb.DocType("DMS Scheme Claim")
	line = frappe.qb.DocType("DMS Scheme Claim Line")
	entry = frappe.qb.DocType("DMS Scheme Ledger Entry")
	standing = Case().when(entry.is_cancelled == 0, entry.value).else_(0)
	rows = (
		frappe.qb.from_(claim)
		.join(line)
		.on((line.parent == claim.name) & (line.parenttype == "DMS Scheme Claim"))
		.left_join(entry)
		.on(entry.name == line.ledger_entry)
		.select(claim.name, claim.distributor, claim.total_amount, Sum(standing))
		.where(claim.docstatus < 2)
		.groupby(claim.name, claim.distributor, claim.total_amount)
		.run()
	)
	return [
		rules.ClaimSupport(name, dist, flt(total), flt(supported)) for name, dist, total, supported in rows
	]


def _last_sales() -> dict[str, date | None]:
	"""Every distributor not Inactive, with its latest secondary sale (None if it never sold)."""
	names = frappe.get_all("Distributor", filters={"status": ["!=", "Inactive"]}, pluck="name")
	last = figures.last_sale_dates(names)
	return {name: last.get(name) for name in names}


def _stock_ages() -> list[rules.StockAge]:
	bin_ = frappe.qb.DocType("Bin")
	warehouse = frappe.qb.DocType("Warehouse")
	on_hand = (
		frappe.qb.from_(bin_)
		.join(warehouse)
		.on(warehouse.name == bin_.warehouse)
		.select(warehouse.distributor, bin_.item_code, Sum(bin_.actual_qty))
		.where(warehouse.distributor.isnotnull() & (warehouse.distributor != ""))
		.groupby(warehouse.distributor, bin_.item_code)
		.having(Sum(bin_.actual_qty) > 0)
		.run()
	)
	if not on_hand:
		return []
	sle = frappe.qb.DocType("Stock Ledger Entry")
	sold = Case().when(
		sle.voucher_type.isin(list(analytics.SELLING_VOUCHERS)) & (sle.actual_qty < 0), sle.posting_date
	)
	moved = {
		(distributor, item): (getdate(last_sold) if last_sold else None, getdate(first_in))
		for distributor, item, last_sold, first_in in (
			frappe.qb.from_(sle)
			.join(warehouse)
			.on(warehouse.name == sle.warehouse)
			.select(warehouse.distributor, sle.item_code, Max(sold), Min(sle.posting_date))
			.where(
				(sle.is_cancelled == 0)
				& warehouse.distributor.isnotnull()
				& (warehouse.distributor != "")
				& sle.item_code.isin(list({item for _d, item, _q in on_hand}))
			)
			.groupby(warehouse.distributor, sle.item_code)
			.run()
		)
	}
	ages = []
	for distributor, item, qty in on_hand:
		last_sold, first_in = moved.get((distributor, item), (None, None))
		# stock never sold is judged from when it first came in
		ages.append(rules.StockAge(distributor, item, flt(qty), last_sold or first_in))
	return ages


def _spikes(today: date, limits) -> list[rules.Finding]:
	weeks = int(limits.alert_spike_weeks)
	last_monday = today - timedelta(days=today.weekday() + 7)
	first_monday = last_monday - timedelta(days=7 * weeks)
	buckets = analytics.periods(first_monday, last_monday + timedelta(days=6), analytics.WEEKLY)
	sle = frappe.qb.DocType("Stock Ledger Entry")
	warehouse = frappe.qb.DocType("Warehouse")
	rows = (
		frappe.qb.from_(sle)
		.join(warehouse)
		.on(warehouse.name == sle.warehouse)
		.select(warehouse.distributor, sle.item_code, sle.posting_date, Sum(-sle.actual_qty))
		.where(
			(sle.is_cancelled == 0)
			& warehouse.distributor.isnotnull()
			& (warehouse.distributor != "")
			& sle.voucher_type.isin(list(analytics.SELLING_VOUCHERS))
			& (sle.actual_qty < 0)
			& (sle.posting_date[buckets[0].start : buckets[-1].end])
		)
		.groupby(warehouse.distributor, sle.item_code, sle.posting_date)
		.run()
	)
	index = {b.key: n for n, b in enumerate(buckets)}
	series: dict[tuple[str, str], list[float]] = {}
	for distributor, item, day, qty in rows:
		bucket = analytics.period_of(getdate(day), buckets)
		values = series.setdefault((distributor, item), [0.0] * len(buckets))
		values[index[bucket.key]] += flt(qty)
	return rules.sell_out_spikes(
		series,
		[(b.start, b.end) for b in buckets],
		float(limits.alert_spike_factor),
		float(limits.alert_spike_minimum),
	)


# Row scope ------------------------------------------------------------------------------------------


def query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""permission_query_conditions of DMS Channel Alert: the alerts of the distributors the user may
	see (dms_app.channel_analytics.scope)."""
	scope = visible_distributors(user)
	if scope is None:
		return ""
	if not scope:
		return "1=0"
	names = ", ".join(frappe.db.escape(name) for name in scope)
	return f"`tab{DOCTYPE}`.`distributor` in ({names})"


def has_permission(doc, ptype=None, user=None, debug=False):
	"""has_permission of DMS Channel Alert: False for another distributor's alert, None otherwise."""
	scope = visible_distributors(user)
	if scope is not None and doc.get("distributor") not in scope:
		return False
	return None
