# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""ERPNext's own targets measured on secondary sales: the Target Detail rows (item group, fiscal year,
quantity or amount, Monthly Distribution) of Sales Persons, Sales Partners, Territories, and of
Distributors (a brand's sell-out target for a distributor, on the Distributor form), against what
distributors sold on to retailers in that fiscal year, by period.

Achievement is the distributors' submitted Sales Invoices (credit notes negative), the lines of the
target's item group and its descendants, net in company currency or in stock units:
- a Sales Person: their share of each invoice (Sales Team, allocated percentage);
- a Sales Partner: invoices made through them; their commission is the lines that grant commission at the
  invoice's commission rate;
- a Territory: invoices to retailers in it or below it;
- a Distributor: its own invoices.
Invoices are limited to the distributors the user may see (dms_app.channel_analytics.scope), and so are
Distributor rows."""

import frappe
from frappe import _
from frappe.query_builder.functions import Sum
from frappe.utils import flt, getdate

from dms_app.channel_analytics.scope import no_scope_message, tree_filter, visible_distributors
from dms_app.core import analytics

PARTIES = ("Sales Person", "Sales Partner", "Territory", "Distributor")
AMOUNT, QUANTITY = "Amount", "Quantity"
YEARLY = "Yearly"


def execute(filters=None):
	filters = frappe._dict(filters or {})
	party_type = filters.get("party_type") or "Sales Person"
	if party_type not in PARTIES:
		frappe.throw(_("Target Of must be one of {0}").format(", ".join(PARTIES)), frappe.ValidationError)
	target_on = filters.get("target_on") or AMOUNT
	if target_on not in (AMOUNT, QUANTITY):
		frappe.throw(_("Target On must be Amount or Quantity"), frappe.ValidationError)
	if not filters.get("fiscal_year"):
		frappe.throw(_("Choose a Fiscal Year"), frappe.ValidationError)
	year = frappe.db.get_value(
		"Fiscal Year", filters.fiscal_year, ["year_start_date", "year_end_date"], as_dict=True
	)
	if not year:
		frappe.throw(
			_("Fiscal Year {0} does not exist").format(filters.fiscal_year), frappe.DoesNotExistError
		)
	range_ = filters.get("range") or analytics.QUARTERLY
	start, end = getdate(year.year_start_date), getdate(year.year_end_date)
	if range_ == YEARLY:
		buckets = [analytics.Period("y", filters.fiscal_year, start, end)]
	else:
		try:
			buckets = analytics.periods(start, end, range_)
		except ValueError as error:
			frappe.throw(str(error), frappe.ValidationError)

	scope = visible_distributors()
	if scope == []:
		return columns(party_type, buckets, target_on), [], no_scope_message()
	targets = _targets(party_type, filters.fiscal_year, filters.get("party"), scope)
	shares: dict[str | None, dict[int, float]] = {}
	data = []
	for t in targets:
		if t.distribution_id not in shares:
			shares[t.distribution_id] = analytics.month_shares(_percentages(t.distribution_id))
		yearly = flt(t.target_amount if target_on == AMOUNT else t.target_qty)
		planned = analytics.targets_by_period(yearly, buckets, shares[t.distribution_id])
		achieved = _achieved(
			party_type, t.party, t.item_group, start, end, target_on, scope, filters.get("company")
		)
		by_period = {b.key: 0.0 for b in buckets}
		for day, value in achieved.lines:
			bucket = analytics.period_of(day, buckets)
			if bucket:
				by_period[bucket.key] += value
		row = {"party": t.party, "item_group": t.item_group}
		for b in buckets:
			row[f"{b.key}_target"] = planned[b.key]
			row[f"{b.key}_achieved"] = by_period[b.key]
			row[f"{b.key}_variance"] = by_period[b.key] - planned[b.key]
		total_target, total_achieved = sum(planned.values()), sum(by_period.values())
		row.update(
			{
				"total_target": total_target,
				"total_achieved": total_achieved,
				"total_variance": total_achieved - total_target,
				"achievement_pct": round(total_achieved / total_target * 100, 2) if total_target else None,
			}
		)
		if party_type == "Sales Partner":
			row["commission"] = achieved.commission
		data.append(row)
	return columns(party_type, buckets, target_on), data


def _targets(party_type: str, fiscal_year: str, party: str | None, scope) -> list:
	filters = {"parenttype": party_type, "fiscal_year": fiscal_year}
	if party:
		filters["parent"] = party
	if party_type == "Distributor" and scope is not None:
		filters["parent"] = ["in", [p for p in ([party] if party else scope) if p in scope] or [""]]
	return frappe.get_all(
		"Target Detail",
		filters=filters,
		fields=["parent as party", "item_group", "target_qty", "target_amount", "distribution_id"],
		order_by="parent, idx",
	)


def _percentages(distribution: str | None) -> dict[str, float] | None:
	if not distribution:
		return None
	return dict(
		frappe.get_all(
			"Monthly Distribution Percentage",
			filters={"parent": distribution, "parenttype": "Monthly Distribution"},
			fields=["month", "percentage_allocation"],
			as_list=True,
		)
	)


def _achieved(party_type, party, item_group, start, end, target_on, scope, company) -> frappe._dict:
	invoice, line = frappe.qb.DocType("Sales Invoice"), frappe.qb.DocType("Sales Invoice Item")
	amount = line.base_net_amount if target_on == AMOUNT else line.stock_qty
	condition = (
		(invoice.docstatus == 1)
		& invoice.distributor.isnotnull()
		& (invoice.distributor != "")
		& invoice.posting_date[start:end]
		& (line.parenttype == "Sales Invoice")
	)
	if scope:
		condition &= invoice.distributor.isin(scope)
	if company:
		condition &= invoice.company == company
	groups = tree_filter("Item Group", item_group) if item_group else None
	if groups is not None:
		condition &= line.item_group.isin(groups)
	query = frappe.qb.from_(line).join(invoice).on(line.parent == invoice.name)
	share = 1
	if party_type == "Sales Person":
		team = frappe.qb.DocType("Sales Team")
		query = query.join(team).on((team.parent == invoice.name) & (team.parenttype == "Sales Invoice"))
		condition &= team.sales_person == party
		share = team.allocated_percentage / 100
	elif party_type == "Sales Partner":
		condition &= invoice.sales_partner == party
	elif party_type == "Territory":
		condition &= invoice.territory.isin(tree_filter("Territory", party) or [""])
	else:
		condition &= invoice.distributor == party
	lines = (
		query.select(invoice.posting_date, Sum(amount * share))
		.where(condition)
		.groupby(invoice.posting_date)
		.run()
	)
	commission = 0.0
	if party_type == "Sales Partner":
		eligible = line.base_net_amount * invoice.commission_rate / 100
		(commission,) = query.select(Sum(eligible)).where(condition & (line.grant_commission == 1)).run()[0]
	return frappe._dict(
		lines=[(getdate(day), flt(value)) for day, value in lines], commission=flt(commission)
	)


def columns(party_type: str, buckets, target_on: str) -> list[dict]:
	kind = {"fieldtype": "Currency"} if target_on == AMOUNT else {"fieldtype": "Float", "precision": 2}
	out = [
		{
			"fieldname": "party",
			"label": _(party_type),
			"fieldtype": "Link",
			"options": party_type,
			"width": 160,
		},
		{
			"fieldname": "item_group",
			"label": _("Item Group"),
			"fieldtype": "Link",
			"options": "Item Group",
			"width": 130,
		},
	]
	for b in buckets:
		out += [
			{"fieldname": f"{b.key}_target", "label": _("{0} Target").format(b.label), **kind, "width": 120},
			{
				"fieldname": f"{b.key}_achieved",
				"label": _("{0} Achieved").format(b.label),
				**kind,
				"width": 120,
			},
			{
				"fieldname": f"{b.key}_variance",
				"label": _("{0} Variance").format(b.label),
				**kind,
				"width": 120,
			},
		]
	out += [
		{"fieldname": "total_target", "label": _("Total Target"), **kind, "width": 120},
		{"fieldname": "total_achieved", "label": _("Total Achieved"), **kind, "width": 120},
		{"fieldname": "total_variance", "label": _("Total Variance"), **kind, "width": 120},
		{"fieldname": "achievement_pct", "label": _("Achievement %"), "fieldtype": "Percent", "width": 110},
	]
	if party_type == "Sales Partner":
		out.append(
			{"fieldname": "commission", "label": _("Commission"), "fieldtype": "Currency", "width": 120}
		)
	return out
