# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

import frappe
from frappe.model.rename_doc import rename_doc
from frappe.tests.utils import FrappeTestCase

from dms_app.distribution import warehouses
from dms_app.tests.factories import (
	company,
	make_distributor,
	make_item,
	make_user,
	make_warehouse,
	receive_stock,
)
from dms_app.tests.records import follow_no_links

test_ignore = follow_no_links("Distributor")  # see dms_app.tests.records


def distributor_count() -> int:
	return frappe.db.count("Distributor")


def owned_warehouses(distributor: str) -> list[str]:
	return frappe.get_all("Warehouse", filters={"distributor": distributor}, pluck="name")


def other_company() -> str:
	name = "DMS Other Brand"
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": "DOB",
				"default_currency": frappe.get_cached_value("Company", company(), "default_currency"),
				"country": frappe.get_cached_value("Company", company(), "country"),
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return name


class TestDistributor(FrappeTestCase):
	def test_new_distributor_gets_exactly_one_warehouse_under_the_group(self):
		before = frappe.db.count("Warehouse")
		dist = make_distributor("T-WH-1", distributor_name="Acme Traders")

		self.assertEqual(frappe.db.count("Warehouse"), before + 1)
		self.assertEqual(owned_warehouses(dist.name), [dist.warehouse])
		warehouse = frappe.get_doc("Warehouse", dist.warehouse)
		self.assertEqual(warehouse.parent_warehouse, warehouses.get_group(dist.company))
		self.assertEqual(warehouse.company, dist.company)
		self.assertFalse(warehouse.is_group)

	def test_new_distributor_gets_its_own_customer(self):
		dist = make_distributor("T-CUST-1", distributor_name="Bharat Distributors")
		self.assertTrue(dist.customer)
		self.assertEqual(
			frappe.db.get_value("Customer", dist.customer, "customer_name"), "Bharat Distributors"
		)

	def test_code_is_normalised_and_becomes_the_name(self):
		dist = make_distributor("  t-norm-1 ")
		self.assertEqual(dist.name, "T-NORM-1")
		self.assertEqual(dist.distributor_code, "T-NORM-1")

	def test_invalid_code_is_rejected(self):
		for code in ("", "A", "BAD CODE", "NO/SLASH"):
			with self.assertRaises(frappe.ValidationError):
				make_distributor(code)

	def test_duplicate_code_is_rejected_and_nothing_saved(self):
		make_distributor("T-DUP-1")
		count, warehouses_before = distributor_count(), frappe.db.count("Warehouse")
		with self.assertRaisesRegex(frappe.DuplicateEntryError, "already used"):
			frappe.get_doc(
				{"doctype": "Distributor", "distributor_code": "t-dup-1", "distributor_name": "Again"}
			).insert()
		self.assertEqual(distributor_count(), count)
		self.assertEqual(frappe.db.count("Warehouse"), warehouses_before)

	def test_warehouse_of_another_distributor_is_rejected(self):
		first = make_distributor("T-OWN-1")
		count = distributor_count()
		with self.assertRaisesRegex(frappe.ValidationError, "already belongs to distributor"):
			make_distributor("T-OWN-2", warehouse=first.warehouse)
		self.assertEqual(distributor_count(), count)

		second = make_distributor("T-OWN-3")
		second.append("extra_warehouses", {"warehouse": first.warehouse, "purpose": "Damaged"})
		with self.assertRaisesRegex(frappe.ValidationError, "already belongs to distributor"):
			second.save()
		self.assertEqual(owned_warehouses(first.name), [first.warehouse])

	def test_company_mismatch_is_rejected(self):
		foreign = make_warehouse("DMS Foreign Store", other_company())
		count = distributor_count()
		with self.assertRaisesRegex(frappe.ValidationError, "belongs to company"):
			make_distributor("T-CO-1", warehouse=foreign)
		self.assertEqual(distributor_count(), count)
		self.assertFalse(frappe.db.get_value("Warehouse", foreign, "distributor"))

	def test_group_warehouse_is_rejected(self):
		with self.assertRaisesRegex(frappe.ValidationError, "group warehouse"):
			make_distributor("T-GRP-1", warehouse=warehouses.get_group(company()))

	def test_extra_warehouses_are_owned_and_released(self):
		dist = make_distributor("T-XTRA-1")
		damaged = make_warehouse("T-XTRA-1 Damaged")
		dist.append("extra_warehouses", {"warehouse": damaged, "purpose": "Damaged"})
		dist.save()
		self.assertEqual(sorted(owned_warehouses(dist.name)), sorted([dist.warehouse, damaged]))

		dist.extra_warehouses = []
		dist.save()
		self.assertEqual(owned_warehouses(dist.name), [dist.warehouse])

	def test_rename_and_deactivate_keep_the_mapping(self):
		dist = make_distributor("T-REN-1")
		user = make_user("t-ren-1@dms.test")
		dist.append("portal_users", {"user": user})
		dist.save()
		warehouse = dist.warehouse

		rename_doc("Distributor", "T-REN-1", "T-REN-2", force=True)
		renamed = frappe.get_doc("Distributor", "T-REN-2")
		self.assertEqual(renamed.distributor_code, "T-REN-2")
		self.assertEqual(renamed.warehouse, warehouse)
		self.assertEqual(owned_warehouses("T-REN-2"), [warehouse])
		self.assertTrue(
			frappe.db.exists(
				"User Permission", {"user": user, "allow": "Distributor", "for_value": "T-REN-2"}
			)
		)

		renamed.status = "Inactive"
		renamed.save()
		self.assertEqual(owned_warehouses("T-REN-2"), [warehouse])

	def test_delete_is_refused_while_the_warehouse_holds_stock(self):
		dist = make_distributor("T-DEL-1")
		receive_stock(make_item("T-DMS-ITEM-1"), dist.warehouse, 5)
		with self.assertRaisesRegex(frappe.ValidationError, "holds stock"):
			frappe.delete_doc("Distributor", dist.name)
		self.assertTrue(frappe.db.exists("Distributor", dist.name))
		self.assertEqual(owned_warehouses(dist.name), [dist.warehouse])

	def test_delete_without_stock_releases_the_warehouse_and_access(self):
		user = make_user("t-del-2@dms.test")
		dist = make_distributor("T-DEL-2", portal_users=[{"user": user}])
		warehouse = dist.warehouse
		frappe.delete_doc("Distributor", dist.name)
		self.assertFalse(frappe.db.exists("Distributor", "T-DEL-2"))
		self.assertIsNone(frappe.db.get_value("Warehouse", warehouse, "distributor"))
		self.assertFalse(frappe.db.exists("User Permission", {"user": user, "for_value": "T-DEL-2"}))

		again = make_distributor("T-DEL-2")
		self.assertEqual(again.warehouse, warehouse)  # the free warehouse is taken over, not duplicated


class TestPortalUsers(FrappeTestCase):
	def test_adding_and_removing_a_portal_user(self):
		user = make_user("t-pu-1@dms.test")
		dist = make_distributor("T-PU-1")
		dist.append("portal_users", {"user": user})
		dist.save()

		grants = frappe.get_all(
			"User Permission", filters={"user": user}, fields=["allow", "for_value", "applicable_for"]
		)
		self.assertIn(
			("Distributor", "T-PU-1", None), {(g.allow, g.for_value, g.applicable_for) for g in grants}
		)
		self.assertEqual(
			{(g.for_value, g.applicable_for) for g in grants if g.allow == "Warehouse"},
			{(dist.warehouse, "Warehouse"), (dist.warehouse, "Bin")},
		)
		self.assertIn("Distributor", frappe.get_roles(user))
		self.assertEqual(frappe.db.get_value("User", user, "user_type"), "Website User")

		dist.save()  # saving again changes nothing
		self.assertEqual(frappe.db.count("User Permission", {"user": user}), len(grants))

		dist.portal_users = []
		dist.save()
		self.assertEqual(frappe.db.count("User Permission", {"user": user}), 0)
		self.assertNotIn("Distributor", frappe.get_roles(user))

	def test_same_user_twice_is_rejected(self):
		user = make_user("t-pu-2@dms.test")
		with self.assertRaisesRegex(frappe.ValidationError, "more than once"):
			make_distributor("T-PU-2", portal_users=[{"user": user}, {"user": user}])

	def test_manual_user_permissions_of_other_users_are_left_alone(self):
		manager = make_user("t-pu-asm@dms.test", roles=("Area Sales Manager",))
		dist = make_distributor("T-PU-3")
		frappe.get_doc(
			{"doctype": "User Permission", "user": manager, "allow": "Distributor", "for_value": dist.name}
		).insert()
		dist.append("portal_users", {"user": make_user("t-pu-3@dms.test")})
		dist.save()
		dist.portal_users = []
		dist.save()
		self.assertTrue(frappe.db.exists("User Permission", {"user": manager, "for_value": dist.name}))
