"""Demo data: a small channel to click through.

	bench --site <site> execute dms_app.demo.make_demo

Completes ERPNext's setup wizard if it has not run, then creates territories, items with stock in the
OEM depot, and three distributors, each with a portal user (password in DEMO_PASSWORD) and a retailer.
Running it again changes nothing. Refuses to run unless the site allows tests or is in developer mode
(the demo users have a known password).
"""

import frappe

from dms_app.install import sync

DEMO_PASSWORD = "Demo-Distributor-2026"
TERRITORIES = ("North", "South", "West")
DISTRIBUTORS = (
	("D-NORTH-01", "Himalaya Traders", "North"),
	("D-SOUTH-01", "Kaveri Distributors", "South"),
	("D-WEST-01", "Sahyadri Agencies", "West"),
)
ITEMS = (
	("DMS-SOAP-100", "Neem Soap 100g"),
	("DMS-TEA-250", "Assam Tea 250g"),
	("DMS-OIL-1L", "Mustard Oil 1L"),
)


SCHEMES = (
	{
		"scheme_name": "Soap: 5% off 24 and more",
		"scheme_type": "Slab Discount",
		"slabs": [{"from_value": 24, "discount_type": "Percentage", "discount": 5}],
		"items": [{"applies_to": "Item", "value": "DMS-SOAP-100"}],
	},
	{
		"scheme_name": "Tea: buy 10, get 1 free",
		"scheme_type": "Free Goods",
		"buy_qty": 10,
		"free_qty": 1,
		"items": [{"applies_to": "Item", "value": "DMS-TEA-250"}],
		"budget_type": "Quantity",
		"budget": 500,
	},
)


def make_demo():
	# Demo users have a known password: like all test machinery, only on a site that allows tests or
	# runs in developer mode (importing dms_app.tests refuses otherwise).
	from dms_app.tests.factories import (
		complete_setup_wizard,
		make_distributor,
		make_item,
		make_user,
		make_warehouse,
		receive_stock,
	)

	complete_setup_wizard()
	sync()
	settings = frappe.get_single("DMS Settings")
	depot = make_warehouse("OEM Depot", settings.company)
	if settings.oem_depot_warehouse != depot:
		settings.oem_depot_warehouse = depot
		settings.save(ignore_permissions=True)

	root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["is", "not set"]})
	for territory in TERRITORIES:
		if not frappe.db.exists("Territory", territory):
			frappe.get_doc(
				{"doctype": "Territory", "territory_name": territory, "parent_territory": root}
			).insert(ignore_permissions=True)

	for code, name in ITEMS:
		make_item(code, item_name=name)
		if not frappe.db.exists("Bin", {"item_code": code, "warehouse": depot}):
			receive_stock(code, depot, 1000)

	for code, name, territory in DISTRIBUTORS:
		email = f"{code.lower()}@demo.example"
		user = make_user(email)
		frappe.get_doc("User", user).update({"new_password": DEMO_PASSWORD}).save(ignore_permissions=True)
		distributor = make_distributor(code, distributor_name=name, territory=territory)
		if user not in distributor.portal_user_ids():
			distributor.append("portal_users", {"user": user})
			distributor.save(ignore_permissions=True)
		_ensure_retailer(f"{name} Retailer 1", distributor)
	for scheme in SCHEMES:
		_ensure_scheme(scheme, settings.company)
	frappe.db.commit()
	return {"depot": depot, "distributors": [d[0] for d in DISTRIBUTORS], "password": DEMO_PASSWORD}


def _ensure_retailer(name: str, distributor) -> None:
	if frappe.db.exists("Customer", {"customer_name": name}):
		return
	frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name,
			"customer_type": "Company",
			"customer_group": frappe.db.get_single_value("DMS Settings", "retailer_customer_group"),
			"territory": distributor.territory,
			"distributor": distributor.name,
			"outlet_type": "General Trade",
		}
	).insert(ignore_permissions=True)


def _ensure_scheme(fields: dict, company: str) -> None:
	if frappe.db.exists("DMS Scheme", {"scheme_name": fields["scheme_name"], "docstatus": 1}):
		return
	scheme = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"channel": "Secondary",
			"company": company,
			"valid_from": "2026-01-01",
			**fields,
		}
	)
	scheme.insert(ignore_permissions=True)
	scheme.submit()
