# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The retailer's store (/shop) and the distributor's side of retailers' orders (/dms/retail-orders),
as their users: the store's quote is what the order and its invoice charge, the distributor accepts
(with less), invoices from its own warehouse or refuses, and the retailer follows the status; another
distributor's user, and a user who is no retailer's, are refused."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from dms_app.portal import retail_orders, store
from dms_app.portal.test_portal import render
from dms_app.retail import orders
from dms_app.schemes.test_schemes import items, make_scheme, slabs
from dms_app.tests.factories import (
	ensure_depot,
	make_distributor,
	make_item,
	make_retailer,
	make_user,
	receive_stock,
)

TEA, SOAP = "T-STO-TEA", "T-STO-SOAP"  # priced 50 and 20
SHOP_USER, A_USER, B_USER = "t-sto-shop@dms.test", "t-sto-a@dms.test", "t-sto-b@dms.test"
STRANGER = "t-sto-stranger@dms.test"


def as_user(user: str, fn, *args, **kwargs):
	frappe.set_user(user)
	try:
		return fn(*args, **kwargs)
	finally:
		frappe.set_user("Administrator")


def bin_qty(item_code: str, warehouse: str) -> float:
	return flt(frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": warehouse}, "actual_qty"))


class TestStore(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		make_item(TEA, price=50)
		make_item(SOAP, price=20)
		cls.a = make_distributor("T-STO-A", portal_users=[{"user": make_user(A_USER)}])
		cls.b = make_distributor("T-STO-B", portal_users=[{"user": make_user(B_USER)}])
		for dist in (cls.a, cls.b):
			for code in (TEA, SOAP):
				receive_stock(code, dist.warehouse, 50)
		make_user(SHOP_USER)
		make_user(STRANGER)
		cls.shop = make_retailer("T-STO Shop", cls.a)
		customer = frappe.get_doc("Customer", cls.shop)
		if not any(row.user == SHOP_USER for row in customer.portal_users):
			customer.append("portal_users", {"user": SHOP_USER})
			customer.save(ignore_permissions=True)

	def setUp(self):
		frappe.db.savepoint("store_test")
		self.addCleanup(frappe.db.rollback, save_point="store_test")
		self.addCleanup(frappe.set_user, "Administrator")
		make_scheme("T-STO tea slab", slabs=slabs((10, 0, "Percentage", 10)), items=items(TEA))

	def place(self, lines):
		placed = as_user(SHOP_USER, store.place_order, lines)
		[order] = placed["orders"]
		return order

	def status_seen_by_the_retailer(self, name: str) -> str:
		seen = {
			o.name: o for o in as_user(SHOP_USER, store.order_list, as_user(SHOP_USER, store.retailer_for))
		}
		return seen[name].status

	def test_quote_order_and_invoice_charge_the_same_and_the_stock_leaves_the_distributor(self):
		self.assertEqual(as_user(SHOP_USER, store.retailer_for), self.shop)
		self.assertEqual([r.item_code for r in store.catalogue(self.shop, q="T-STO-").rows], [SOAP, TEA])
		lines = [{"item_code": TEA, "qty": 12}, {"item_code": SOAP, "qty": 5}]
		quoted = as_user(SHOP_USER, store.quote, lines)
		[part] = quoted["orders"]
		self.assertEqual((part["distributor"], part["grand_total"]), (self.a.name, 640))  # 12 x 50 less 10%
		self.assertEqual(part["scheme_discount"], 60)
		self.assertFalse(
			frappe.db.exists("Sales Order", {"customer": self.shop, "dms_order_source": "Store"})
		)

		placed = self.place(lines)
		order = frappe.get_doc("Sales Order", placed["name"])
		self.assertEqual((flt(order.grand_total), order.dms_retail_status), (640, orders.PLACED))
		self.assertEqual(flt(order.dms_scheme_discount), part["scheme_discount"])
		self.assertEqual(self.status_seen_by_the_retailer(order.name), orders.PLACED)

		# distributor A's user sees it, accepts 10 of the 12 tea, and invoices it
		self.assertIn(order.name, [o.name for o in as_user(A_USER, retail_orders.order_list, self.a.name)])
		accepted = as_user(A_USER, retail_orders.accept, order.name, {TEA: 10})
		self.assertEqual((accepted["status"], accepted["docstatus"]), (orders.ACCEPTED, 1))
		self.assertEqual(self.status_seen_by_the_retailer(order.name), orders.ACCEPTED)
		served = [{"item_code": TEA, "qty": 10}, {"item_code": SOAP, "qty": 5}]
		[requoted] = as_user(SHOP_USER, store.quote, served)["orders"]
		order.reload()
		self.assertEqual(flt(order.grand_total), 550)  # 10 x 50 less 10%, and the soap
		self.assertEqual(requoted["grand_total"], flt(order.grand_total))

		before = {code: bin_qty(code, self.a.warehouse) for code in (TEA, SOAP)}
		untouched = {code: bin_qty(code, self.b.warehouse) for code in (TEA, SOAP)}
		invoiced = as_user(A_USER, retail_orders.invoice, order.name)
		inv = frappe.get_doc("Sales Invoice", invoiced["invoice"])
		self.assertEqual((inv.docstatus, inv.update_stock, inv.distributor), (1, 1, self.a.name))
		self.assertEqual(flt(inv.grand_total), 550)
		self.assertEqual(invoiced["status"], orders.DELIVERED)
		self.assertEqual(self.status_seen_by_the_retailer(order.name), orders.DELIVERED)
		self.assertEqual(bin_qty(TEA, self.a.warehouse), before[TEA] - 10)
		self.assertEqual(bin_qty(SOAP, self.a.warehouse), before[SOAP] - 5)
		self.assertEqual({code: bin_qty(code, self.b.warehouse) for code in (TEA, SOAP)}, untouched)
		with self.assertRaisesRegex(frappe.ValidationError, "invoiced already|accept it before"):
			as_user(A_USER, retail_orders.invoice, order.name)

	def test_another_distributors_user_neither_sees_nor_acts_on_the_order(self):
		name = self.place([{"item_code": TEA, "qty": 2}])["name"]
		self.assertNotIn(name, [o.name for o in as_user(B_USER, retail_orders.order_list, self.b.name)])
		self.assertIsNone(as_user(B_USER, retail_orders.order_detail, self.b.name, name))
		with self.assertRaises(frappe.DoesNotExistError):
			as_user(B_USER, retail_orders.accept, name, {TEA: 2})
		with self.assertRaises(frappe.DoesNotExistError):
			as_user(B_USER, retail_orders.refuse, name, "not ours")
		with self.assertRaises(frappe.PermissionError):  # naming A's distributor
			as_user(B_USER, retail_orders.accept, name, {TEA: 2}, self.a.name)
		status, html, _response = render("/dms/retail-orders/view", B_USER, name=name)
		self.assertEqual(status, 404)
		self.assertNotIn(TEA, html)
		as_user(A_USER, retail_orders.accept, name)
		with self.assertRaises(frappe.DoesNotExistError):
			as_user(B_USER, retail_orders.invoice, name)
		with self.assertRaises(frappe.PermissionError):
			as_user(B_USER, frappe.get_doc("Sales Order", name).check_permission, "read")
		# the retailer cannot act as a distributor
		with self.assertRaises(frappe.PermissionError):
			as_user(SHOP_USER, retail_orders.invoice, name)

	def test_quantities_are_checked(self):
		name = self.place([{"item_code": TEA, "qty": 4}, {"item_code": SOAP, "qty": 1}])["name"]
		for quantities in ({TEA: 5}, {TEA: -1}, {TEA: 0, SOAP: 0}, {"T-STO-NONE": 1}, {TEA: "many"}):
			with self.subTest(quantities=quantities), self.assertRaises(frappe.ValidationError):
				as_user(A_USER, retail_orders.accept, name, quantities)
		as_user(A_USER, retail_orders.accept, name, {SOAP: 0})
		order = frappe.get_doc("Sales Order", name)
		self.assertEqual([(r.item_code, r.qty) for r in order.items], [(TEA, 4)])
		self.assertEqual(order.docstatus, 1)

	def test_refuse_keeps_the_draft_with_the_reason(self):
		name = self.place([{"item_code": SOAP, "qty": 3}])["name"]
		with self.assertRaisesRegex(frappe.ValidationError, "reason"):
			as_user(A_USER, retail_orders.refuse, name, "  ")
		as_user(A_USER, retail_orders.refuse, name, "Out of stock until Monday")
		order = frappe.get_doc("Sales Order", name)
		self.assertEqual(
			(order.docstatus, order.dms_retail_status, order.dms_refusal_reason),
			(0, orders.REFUSED, "Out of stock until Monday"),
		)
		self.assertEqual(self.status_seen_by_the_retailer(name), orders.REFUSED)
		with self.assertRaises(frappe.ValidationError):
			as_user(A_USER, retail_orders.accept, name)
		status, html, _response = render("/shop/orders", SHOP_USER)
		self.assertEqual(status, 200)
		self.assertIn("Out of stock until Monday", html)

	def test_who_is_not_a_retailer_is_refused(self):
		lines = [{"item_code": TEA, "qty": 1}]
		for user in (A_USER, STRANGER):
			for method in (store.quote, store.place_order):
				with (
					self.subTest(user=user, method=method.__name__),
					self.assertRaises(frappe.PermissionError),
				):
					as_user(user, method, lines)
			status, html, _response = render("/shop", user)
			self.assertEqual(status, 403)
			self.assertNotIn(TEA, html)
		status, _html, response = render("/shop", "Guest")
		self.assertEqual(status, 302)
		self.assertIn("/login", response.headers["Location"])
		status, html, _response = render("/shop", SHOP_USER, q=TEA)
		self.assertEqual(status, 200)
		self.assertIn(TEA, html)
