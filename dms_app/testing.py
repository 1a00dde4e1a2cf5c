"""Test support for the integration layer: the before_tests hook and record factories.

Tests build the records they need through these helpers and never rely on ERPNext's ``_Test`` records.
Factories are get-or-create, so a test site can run the suite again and again.
"""

import frappe
from frappe.utils import now_datetime

TEST_COMPANY = "DMS Test Brand"
TEST_ABBR = "DTB"


def before_tests():
	"""Complete ERPNext's setup wizard on an empty site, then make sure dms_app's defaults exist."""
	frappe.clear_cache()
	if not frappe.db.a_row_exists("Company"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		year = now_datetime().year
		setup_complete(
			{
				"currency": "INR",
				"full_name": "DMS Test",
				"company_name": TEST_COMPANY,
				"timezone": "Asia/Kolkata",
				"company_abbr": TEST_ABBR,
				"industry": "Manufacturing",
				"country": "India",
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"language": "english",
				"company_tagline": "Testing",
				"email": "dms-test@example.com",
				"password": "test",
				"chart_of_accounts": "Standard",
			}
		)
	from dms_app.install import sync

	sync()
	frappe.db.commit()


def company() -> str:
	return frappe.db.get_value("Company", TEST_COMPANY) or frappe.defaults.get_global_default("company")


def make_user(email: str, roles: tuple[str, ...] = ()) -> str:
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"user_type": "Website User",
			}
		)
		user.insert(ignore_permissions=True)
	if roles:
		user = frappe.get_doc("User", email)
		user.add_roles(*roles)
	return email


def make_warehouse(name: str, company_name: str | None = None, is_group: int = 0) -> str:
	company_name = company_name or company()
	abbr = frappe.get_cached_value("Company", company_name, "abbr")
	full_name = f"{name} - {abbr}"
	if not frappe.db.exists("Warehouse", full_name):
		frappe.get_doc(
			{"doctype": "Warehouse", "warehouse_name": name, "company": company_name, "is_group": is_group}
		).insert(ignore_permissions=True)
	return full_name


def make_distributor(code: str, **fields):
	if frappe.db.exists("Distributor", code):
		doc = frappe.get_doc("Distributor", code)
		if fields:
			doc.update(fields)
			doc.save(ignore_permissions=True)
		return doc
	return frappe.get_doc(
		{
			"doctype": "Distributor",
			"distributor_code": code,
			"distributor_name": fields.pop("distributor_name", f"Distributor {code}"),
			"company": company(),
			**fields,
		}
	).insert(ignore_permissions=True)


def make_item(item_code: str, **fields) -> str:
	if not frappe.db.exists("Item", item_code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": item_code,
				"item_name": item_code,
				"item_group": fields.pop("item_group", "Products"),
				"stock_uom": fields.pop("stock_uom", "Nos"),
				"is_stock_item": 1,
				**fields,
			}
		).insert(ignore_permissions=True)
	return item_code


def receive_stock(item_code: str, warehouse: str, qty: float, rate: float = 100) -> str:
	"""A submitted Material Receipt of ``qty`` into ``warehouse``."""
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": frappe.db.get_value("Warehouse", warehouse, "company"),
			"items": [{"item_code": item_code, "t_warehouse": warehouse, "qty": qty, "basic_rate": rate}],
		}
	)
	entry.insert(ignore_permissions=True)
	entry.submit()
	return entry.name
