# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Retailers' loyalty points, as ERPNext counts them, by distributor. Read with the caller's permissions."""

import frappe
from frappe import _

from dms_app.distribution.settings import default_company
from dms_app.schemes.loyalty import balances


def execute(filters=None):
	filters = frappe._dict(filters or {})
	company = filters.get("company") or default_company()
	conditions = {"distributor": ["is", "set"], "loyalty_program": ["is", "set"]}
	if filters.get("distributor"):
		conditions["distributor"] = filters.distributor
	retailers = frappe.get_list(
		"Customer",
		filters=conditions,
		fields=["name", "customer_name", "distributor", "loyalty_program"],
		order_by="distributor, customer_name",
		limit_page_length=0,
	)
	points = balances([r.name for r in retailers], company)
	data = [{**retailer, "points": points.get(retailer.name, 0.0)} for retailer in retailers]
	return columns(), data


def columns():
	return [
		{
			"fieldname": "name",
			"label": _("Retailer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 160,
		},
		{"fieldname": "customer_name", "label": _("Name"), "fieldtype": "Data", "width": 200},
		{
			"fieldname": "distributor",
			"label": _("Distributor"),
			"fieldtype": "Link",
			"options": "Distributor",
			"width": 140,
		},
		{
			"fieldname": "loyalty_program",
			"label": _("Program"),
			"fieldtype": "Link",
			"options": "Loyalty Program",
			"width": 150,
		},
		{"fieldname": "points", "label": _("Points"), "fieldtype": "Float", "width": 100},
	]
