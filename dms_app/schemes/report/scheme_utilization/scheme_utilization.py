# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""What each scheme gave, per distributor: value, free quantity, claimed and unclaimed, against its budget.

Read through the caller's permissions, so a distributor's user sees only its own rows."""

import frappe
from frappe import _
from frappe.utils import flt


def execute(filters=None):
	filters = frappe._dict(filters or {})
	conditions = {"is_cancelled": 0}
	for field in ("company", "scheme", "distributor"):
		if filters.get(field):
			conditions[field] = filters[field]
	if filters.get("from_date") and filters.get("to_date"):
		conditions["posting_date"] = ["between", [filters.from_date, filters.to_date]]
	entries = frappe.get_list(
		"DMS Scheme Ledger Entry",
		filters=conditions,
		fields=["scheme", "distributor", "value", "free_qty", "claim"],
		limit_page_length=0,
	)
	rows: dict[tuple[str, str], dict] = {}
	for entry in entries:
		row = rows.setdefault(
			(entry.scheme, entry.distributor),
			{
				"scheme": entry.scheme,
				"distributor": entry.distributor,
				"value": 0.0,
				"free_qty": 0.0,
				"claimed": 0.0,
			},
		)
		row["value"] += flt(entry.value)
		row["free_qty"] += flt(entry.free_qty)
		row["claimed"] += flt(entry.value) if entry.claim else 0.0
	schemes = {
		s.name: s
		for s in frappe.get_all(
			"DMS Scheme",
			filters={"name": ["in", list({scheme for scheme, _ in rows})]},
			fields=["name", "scheme_name", "scheme_type", "channel", "budget_type", "budget", "budget_used"],
		)
	}
	data = []
	for (scheme, _distributor), row in sorted(rows.items(), key=lambda pair: (pair[0][0], pair[0][1] or "")):
		terms = schemes.get(scheme) or frappe._dict()
		data.append(
			{
				**row,
				"scheme_name": terms.scheme_name,
				"scheme_type": terms.scheme_type,
				"channel": terms.channel,
				"unclaimed": row["value"] - row["claimed"],
				"budget": flt(terms.budget) if terms.budget_type else None,
				"budget_used": flt(terms.budget_used) if terms.budget_type else None,
			}
		)
	return columns(), data


def columns():
	return [
		{
			"fieldname": "scheme",
			"label": _("Scheme"),
			"fieldtype": "Link",
			"options": "DMS Scheme",
			"width": 160,
		},
		{"fieldname": "scheme_name", "label": _("Scheme Name"), "fieldtype": "Data", "width": 180},
		{"fieldname": "scheme_type", "label": _("Type"), "fieldtype": "Data", "width": 130},
		{"fieldname": "channel", "label": _("Channel"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "distributor",
			"label": _("Distributor"),
			"fieldtype": "Link",
			"options": "Distributor",
			"width": 140,
		},
		{"fieldname": "value", "label": _("Given"), "fieldtype": "Currency", "width": 110},
		{"fieldname": "free_qty", "label": _("Free Qty"), "fieldtype": "Float", "width": 90},
		{"fieldname": "claimed", "label": _("Claimed"), "fieldtype": "Currency", "width": 110},
		{"fieldname": "unclaimed", "label": _("Unclaimed"), "fieldtype": "Currency", "width": 110},
		{"fieldname": "budget", "label": _("Budget (all distributors)"), "fieldtype": "Float", "width": 130},
		{"fieldname": "budget_used", "label": _("Budget Used"), "fieldtype": "Float", "width": 110},
	]
