# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Retailers' orders: routed to the serving distributor, priced by the schemes as the invoice will be,
limited by segment, and their status following the distributor's acceptance and invoices."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from dms_app.retail import orders
from dms_app.retail.orders import OrderLimitError
from dms_app.schemes.test_schemes import items, make_scheme, slabs
from dms_app.tests.factories import (
	as_user,
	ensure_depot,
	make_distributor,
	make_item,
	make_retailer,
	make_user,
	receive_stock,
)

TEA, SOAP = "T-RET-TEA", "T-RET-SOAP"  # priced 50 and 20


class RetailCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		for code, price, group in ((TEA, 50, "T-RET Beverages"), (SOAP, 20, "T-RET Personal Care")):
			if not frappe.db.exists("Item Group", group):
				frappe.get_doc(
					{
						"doctype": "Item Group",
						"item_group_name": group,
						"parent_item_group": "All Item Groups",
					}
				).insert()
			make_item(code, price=price, item_group=group)
		cls.bev = make_distributor("T-RET-BEV")
		cls.pc = make_distributor("T-RET-PC")
		for dist in (cls.bev, cls.pc):
			for code in (TEA, SOAP):
				receive_stock(code, dist.warehouse, 100)

	def setUp(self):
		frappe.db.savepoint("retail_test")
		self.addCleanup(frappe.db.rollback, save_point="retail_test")


class TestRetailOrders(RetailCase):
	def test_routed_to_each_serving_distributor_and_priced_as_the_invoice_will_be(self):
		shop = make_retailer("T-RET Shop 1", self.bev)
		frappe.get_doc(
			{
				"doctype": "DMS Retailer Link",
				"customer": shop,
				"distributor": self.pc.name,
				"division": "T-RET Personal Care",
			}
		).insert()
		make_scheme("T-RET tea slab", slabs=slabs((10, 0, "Percentage", 10)), items=items(TEA))
		lines = [{"item_code": TEA, "qty": 12}, {"item_code": SOAP, "qty": 5}]
		quoted = {q["distributor"]: q for q in orders.quote(shop, lines)}
		self.assertEqual(set(quoted), {self.bev.name, self.pc.name})
		self.assertEqual(quoted[self.bev.name]["grand_total"], 540)  # 12 x 50 less 10%
		self.assertEqual(quoted[self.pc.name]["grand_total"], 100)

		placed = {p["distributor"]: p for p in orders.place(shop, lines, "Store")}
		tea_order = frappe.get_doc("Sales Order", placed[self.bev.name]["name"])
		self.assertEqual(
			(tea_order.dms_retail_status, tea_order.set_warehouse, flt(tea_order.grand_total)),
			(orders.PLACED, self.bev.warehouse, 540),
		)
		tea_order.submit()
		self.assertEqual(
			frappe.db.get_value("Sales Order", tea_order.name, "dms_retail_status"), orders.ACCEPTED
		)

		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		invoice = make_sales_invoice(tea_order.name)
		invoice.update_stock = 1
		invoice.insert()
		invoice.submit()
		self.assertEqual((invoice.distributor, flt(invoice.grand_total)), (self.bev.name, 540))
		self.assertEqual(
			frappe.db.get_value("Sales Order", tea_order.name, "dms_retail_status"), orders.DELIVERED
		)

	def test_a_retailer_no_rule_routes_is_kept_unrouted_with_the_reason(self):
		orphan = frappe.get_doc(
			{"doctype": "Customer", "customer_name": "T-RET Orphan", "customer_type": "Company"}
		).insert()
		[order] = orders.place(orphan.name, [{"item_code": TEA, "qty": 1}], "Store")
		doc = frappe.get_doc("Sales Order", order["name"])
		self.assertEqual((doc.distributor, doc.dms_retail_status), (None, orders.UNROUTED))
		self.assertIn("no distributor serves", doc.dms_routing_note)
		manager = make_user("t-ret-mgr@dms.test", roles=("DMS Manager",))
		with self.assertRaises(frappe.PermissionError):
			as_user(make_user("t-ret-x@dms.test"), orders.route_to, doc.name, self.bev.name)
		routed = as_user(manager, orders.route_to, doc.name, self.bev.name)
		self.assertEqual(
			(routed["distributor"], routed["status"], routed["grand_total"]),
			(self.bev.name, orders.PLACED, 50),
		)
		self.assertTrue(
			frappe.db.exists("DMS Retailer Link", {"customer": orphan.name, "distributor": self.bev.name})
		)
		with self.assertRaisesRegex(frappe.ValidationError, "not an unrouted"):
			as_user(manager, orders.route_to, doc.name, self.pc.name)

	def test_segment_limits(self):
		shop = make_retailer("T-RET Shop 2", self.bev)
		frappe.get_doc({"doctype": "DMS Retail Order Limit", "max_order_value": 100}).insert()
		with self.assertRaisesRegex(OrderLimitError, "one order of this retailer may be worth"):
			orders.place(shop, [{"item_code": TEA, "qty": 3}], "Store")
		self.assertEqual(len(orders.place(shop, [{"item_code": TEA, "qty": 2}], "Store")), 1)


class TestOneRetailerSeveralDistributors(RetailCase):
	def test_each_distributor_sees_the_shared_retailer_and_only_its_own_link(self):
		a_user, b_user = make_user("t-ret-a@dms.test"), make_user("t-ret-b@dms.test")
		make_distributor(self.bev.name, portal_users=[{"user": a_user}])
		make_distributor(self.pc.name, portal_users=[{"user": b_user}])
		shop = make_retailer("T-RET Shared Shop", self.bev, tax_id="27SHARE1234F1Z5")
		outsider = make_retailer("T-RET Not Shared", self.bev)
		link = frappe.get_doc(
			{
				"doctype": "DMS Retailer Link",
				"customer": shop,
				"distributor": self.pc.name,
				"retailer_code": "B-77",
			}
		).insert()
		self.assertIn(shop, as_user(b_user, frappe.get_list, "Customer", pluck="name"))
		self.assertNotIn(outsider, as_user(b_user, frappe.get_list, "Customer", pluck="name"))
		self.assertEqual(as_user(b_user, frappe.get_list, "DMS Retailer Link", pluck="name"), [link.name])
		self.assertEqual(as_user(a_user, frappe.get_list, "DMS Retailer Link", pluck="name"), [])
		with self.assertRaises(frappe.PermissionError):
			as_user(a_user, lambda: frappe.get_doc("DMS Retailer Link", link.name).check_permission("read"))
		with self.assertRaises(frappe.DuplicateEntryError):
			frappe.get_doc(
				{"doctype": "DMS Retailer Link", "customer": shop, "distributor": self.pc.name}
			).insert()
		with self.assertRaises(frappe.PermissionError):  # A cannot make B serve anyone
			as_user(
				a_user,
				lambda: frappe.get_doc(
					{"doctype": "DMS Retailer Link", "customer": outsider, "distributor": self.pc.name}
				).insert(),
			)
