# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Beat coverage: per sales person and distributor over a period, the calls their beats planned, the
visits made, how many ended in an order and how many lines those orders held.

- planned calls: each retailer of an active beat on each day of the period the beat is due (its visit
  days; the beat's retailers as they are now);
- visited: DMS Visits of the period, one per retailer, beat and day; coverage % counts those that answer
  a planned call, so a visit off the plan (another day, a retailer since taken off) is a call made but
  covers nothing planned;
- productive: visits whose order stands (its Sales Order not cancelled); productivity % of the visits;
- lines per call: order lines (free goods not counted) per productive call.

The arithmetic is dms_app.core.beats'. Rows are limited to the distributors the user may see
(dms_app.channel_analytics.scope), as the channel analytics reports are."""

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import add_days, getdate, nowdate

from dms_app.channel_analytics.scope import no_scope_message, visible_distributors
from dms_app.core import beats as core
from dms_app.retail.doctype.dms_visit.dms_visit import ORDER

MAX_DAYS = 366


def execute(filters=None):
	filters = frappe._dict(filters or {})
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_days(to_date, -6))
	if to_date < from_date:
		frappe.throw(_("The To Date is before the From Date"), frappe.ValidationError)
	if (to_date - from_date).days >= MAX_DAYS:
		frappe.throw(_("The report covers at most a year at a time."), frappe.ValidationError)
	scope = visible_distributors()
	if scope == []:
		return columns(), [], no_scope_message()
	names = _distributors(scope, filters)
	if not names:
		return columns(), []
	groups = defaultdict(lambda: ([], []))  # (sales person, distributor) -> (planned calls, visits)
	for key, calls in planned(names, filters.get("sales_person"), from_date, to_date).items():
		groups[key][0].extend(calls)
	for key, made in visits(names, filters.get("sales_person"), from_date, to_date).items():
		groups[key][1].extend(made)
	data, total = [], core.Coverage()
	for (sales_person, distributor), (calls, made) in sorted(
		groups.items(), key=lambda g: (g[0][0] or "", g[0][1])
	):
		result = core.coverage(calls, made)
		total = total.add(result)
		data.append(row(result, sales_person=sales_person, distributor=distributor))
	return columns(), data, None, None, summary(total) if data else None


def _distributors(scope: list[str] | None, filters) -> list[str]:
	conditions = {}
	if scope is not None:
		conditions["name"] = ["in", scope]
	if filters.get("distributor"):
		if scope is not None and filters.distributor not in scope:
			return []
		conditions["name"] = filters.distributor
	return frappe.get_all("Distributor", filters=conditions, pluck="name")


def planned(distributors: list[str], sales_person: str | None, start, end) -> dict[tuple, list[core.Call]]:
	"""The planned calls of the distributors' active beats, by (sales person, distributor)."""
	filters = {"distributor": ["in", distributors], "active": 1}
	if sales_person:
		filters["sales_person"] = sales_person
	beats = frappe.get_all(
		"DMS Beat", filters=filters, fields=["name", "distributor", "sales_person", "visit_days"]
	)
	retailers = defaultdict(list)
	for stop in frappe.get_all(
		"DMS Beat Retailer",
		filters={"parenttype": "DMS Beat", "parent": ["in", [b.name for b in beats] or [""]]},
		fields=["parent", "retailer"],
		order_by="idx",
	):
		retailers[stop.parent].append(stop.retailer)
	out = defaultdict(list)
	for beat in beats:
		try:
			days = core.parse_visit_days(beat.visit_days)
		except core.VisitDaysError:
			days = ()  # saved before the days were checked: plans nothing until corrected
		out[(beat.sales_person, beat.distributor)] += core.planned_calls(
			beat.name, days, retailers[beat.name], start, end
		)
	return out


def visits(distributors: list[str], sales_person: str | None, start, end) -> dict[tuple, list[core.Visit]]:
	"""The visits of the period, by (sales person, distributor); an order counts while it stands."""
	filters = {"distributor": ["in", distributors], "visit_date": ["between", [start, end]]}
	if sales_person:
		filters["sales_person"] = sales_person
	rows = frappe.get_all(
		"DMS Visit",
		filters=filters,
		fields=[
			"beat",
			"retailer",
			"visit_date",
			"sales_person",
			"distributor",
			"outcome",
			"sales_order",
			"lines",
		],
	)
	cancelled = set(
		frappe.get_all(
			"Sales Order",
			filters={"name": ["in", [r.sales_order for r in rows if r.sales_order] or [""]], "docstatus": 2},
			pluck="name",
		)
	)
	out = defaultdict(list)
	for r in rows:
		ordered = r.outcome == ORDER and bool(r.sales_order) and r.sales_order not in cancelled
		out[(r.sales_person, r.distributor)].append(
			core.Visit(r.beat, r.retailer, getdate(r.visit_date), ordered, (r.lines or 0) if ordered else 0)
		)
	return out


def row(result: core.Coverage, **keys) -> dict:
	return {
		**keys,
		"planned": result.planned,
		"visited": result.visited,
		"off_plan": result.off_plan,
		"productive": result.productive,
		"coverage": result.coverage_pct,
		"productivity": result.productivity_pct,
		"lines": result.lines,
		"lines_per_call": result.lines_per_call,
	}


def summary(total: core.Coverage) -> list[dict]:
	return [
		{"value": total.planned, "label": _("Planned Calls"), "datatype": "Int"},
		{"value": total.visited, "label": _("Visited"), "datatype": "Int"},
		{"value": total.productive, "label": _("Productive"), "datatype": "Int"},
		{"value": total.coverage_pct or 0, "label": _("Coverage %"), "datatype": "Percent"},
		{"value": total.productivity_pct or 0, "label": _("Productivity %"), "datatype": "Percent"},
		{"value": total.lines_per_call or 0, "label": _("Lines per Call"), "datatype": "Float"},
	]


def columns() -> list[dict]:
	count = {"fieldtype": "Int", "width": 100}
	return [
		{
			"fieldname": "sales_person",
			"label": _("Sales Person"),
			"fieldtype": "Link",
			"options": "Sales Person",
			"width": 160,
		},
		{
			"fieldname": "distributor",
			"label": _("Distributor"),
			"fieldtype": "Link",
			"options": "Distributor",
			"width": 150,
		},
		{"fieldname": "planned", "label": _("Planned Calls"), **count},
		{"fieldname": "visited", "label": _("Visited"), **count},
		{"fieldname": "off_plan", "label": _("Visits off Plan"), **count},
		{"fieldname": "productive", "label": _("Productive Calls"), **count},
		{"fieldname": "coverage", "label": _("Coverage %"), "fieldtype": "Percent", "width": 100},
		{"fieldname": "productivity", "label": _("Productivity %"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "lines", "label": _("Order Lines"), **count},
		{
			"fieldname": "lines_per_call",
			"label": _("Lines per Call"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 100,
		},
	]
