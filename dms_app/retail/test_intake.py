# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Orders from outside channels (dms_app.api.retail_orders): the buyer found or made a retailer, the order
routed and priced by the retail backbone, placed once however often (or however simultaneously) it is
sent, and its status told back to the OEM ERP."""

import json
import threading

import frappe
from frappe.tests.utils import FrappeTestCase

from dms_app.api import retail_orders as api
from dms_app.api.errors import Conflict, InvalidPayload
from dms_app.distributor_account.test_payments import enable_oem_outbox
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

TEA, SOAP, LEAFLET = "T-INT-TEA", "T-INT-SOAP", "T-INT-LEAFLET"  # priced 50 and 20; a leaflet is not sold
NORTH, NOWHERE = "T-INT North", "T-INT Nowhere"  # a distributor's territory; one no distributor serves
ERP_USER = "t-int-erp@dms.test"


def make_territory(name: str) -> str:
	if not frappe.db.exists("Territory", name):
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": name, "parent_territory": "All Territories"}
		).insert(ignore_permissions=True)
	return name


def record(order_id: str, buyer: dict | None = None, lines=None, **fields) -> dict:
	return {
		"channel": "ONDC",
		"channel_order_id": order_id,
		"buyer": buyer or {"name": f"T-INT Buyer {order_id}", "mobile": "9811100001", "territory": NORTH},
		"lines": lines or [{"item_code": TEA, "qty": 12}],
		**fields,
	}


def channel_orders(order_id: str) -> list[str]:
	return frappe.get_all("Sales Order", filters={"dms_channel_order_id": order_id}, pluck="name")


class IntakeCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		make_item(TEA, price=50)
		make_item(SOAP, price=20)
		make_item(LEAFLET, is_sales_item=0)
		for name in (NORTH, NOWHERE):
			make_territory(name)
		cls.north = make_distributor("T-INT-NORTH", territory=NORTH)
		for code in (TEA, SOAP):
			receive_stock(code, cls.north.warehouse, 100)
		make_user(ERP_USER, roles=("DMS Integration",))

	def setUp(self):
		# the outbox reads DMS Settings from the cache: forget what a test changed once it is rolled back
		self.addCleanup(frappe.clear_document_cache, "DMS Settings", "DMS Settings")
		frappe.db.savepoint("intake_test")
		self.addCleanup(frappe.db.rollback, save_point="intake_test")
		# nothing routes by the root territory here, whatever else the site holds
		frappe.db.set_value(
			"Distributor", {"territory": "All Territories", "status": "Active"}, "status", "Inactive"
		)
		self.addCleanup(frappe.set_user, "Administrator")

	def receive(self, *records) -> list[dict]:
		frappe.set_user(ERP_USER)
		try:
			return api.receive_orders(orders=json.dumps(list(records), default=str))
		finally:
			frappe.set_user("Administrator")


class TestIntake(IntakeCase):
	def test_a_new_buyer_becomes_a_retailer_routed_by_territory_and_priced_by_the_schemes(self):
		make_scheme("T-INT tea slab", slabs=slabs((10, 0, "Percentage", 10)), items=items(TEA))
		buyer = {
			"name": "T-INT New Store",
			"gstin": "29aaicn1234f1z5",
			"mobile": "+91 98111 00002",
			"email": "t-int-store@example.com",
			"address_line1": "12 Market Road",
			"city": "Bengaluru",
			"pincode": "560001",
			"state": "Karnataka",
			"territory": NORTH,
		}
		[result] = self.receive(record("INT-NEW-1", buyer, ordered_at="2026-12-01T10:30:00+05:30"))
		self.assertEqual(
			(result["result"], result["unrouted"], len(result["orders"])), ("created", {}, 1), result
		)
		[order] = result["orders"]
		self.assertEqual(
			(order["distributor"], order["status"], order["grand_total"]),
			(self.north.name, orders.PLACED, 540),  # 12 x 50 less the slab's 10%
		)
		doc = frappe.get_doc("Sales Order", order["name"])
		self.assertEqual(
			(doc.dms_order_source, doc.dms_channel, doc.dms_channel_order_id, doc.set_warehouse),
			("Marketplace", "ONDC", "INT-NEW-1", self.north.warehouse),
		)
		retailer = frappe.get_doc("Customer", doc.customer)
		self.assertEqual(
			(retailer.customer_name, retailer.customer_group, retailer.territory, retailer.tax_id),
			(
				"T-INT New Store",
				frappe.db.get_single_value("DMS Settings", "retailer_customer_group"),
				NORTH,
				"29AAICN1234F1Z5",
			),
		)
		self.assertEqual(retailer.mobile_no, "+919811100002")
		self.assertEqual(
			frappe.db.get_value("Address", retailer.customer_primary_address, ["city", "pincode"]),
			("Bengaluru", "560001"),
		)
		self.assertTrue(retailer.customer_primary_contact)

		frappe.set_user(ERP_USER)
		status = api.order_status("ONDC", "INT-NEW-1")
		self.assertEqual((status["customer"], status["orders"]), (retailer.name, result["orders"]))

	def test_a_known_buyer_is_matched_by_gstin_not_duplicated(self):
		shop = make_retailer("T-INT Known Shop", self.north, tax_id="29KNOWN1234F1Z5", mobile_no="9811100003")
		buyer = {
			"name": "Known Shop (as the channel spells it)",
			"gstin": "29KNOWN1234F1Z5",
			"mobile": "9811100099",
		}
		[result] = self.receive(record("INT-KNOWN-1", buyer))
		self.assertEqual(frappe.db.get_value("Sales Order", result["orders"][0]["name"], "customer"), shop)
		self.assertEqual(frappe.db.count("Customer", {"tax_id": "29KNOWN1234F1Z5"}), 1)
		self.assertEqual(result["orders"][0]["distributor"], self.north.name)

	def test_a_buyer_whose_gstin_and_mobile_name_two_retailers_is_a_conflict(self):
		make_retailer("T-INT Shop A", self.north, tax_id="29SHOPA1234F1Z5")
		make_retailer("T-INT Shop B", self.north, mobile_no="9811100004")
		buyer = {"name": "Shop?", "gstin": "29SHOPA1234F1Z5", "mobile": "9811100004"}
		with self.assertRaisesRegex(Conflict, "T-INT Shop B|mobile"):
			self.receive(record("INT-CLASH-1", buyer))
		self.assertEqual(channel_orders("INT-CLASH-1"), [])
		self.assertFalse(frappe.db.exists(api.REGISTRY, "ONDC:INT-CLASH-1"))

	def test_the_same_order_twice_is_one_order(self):
		first = self.receive(record("INT-TWICE-1"))
		second = self.receive(record("INT-TWICE-1"))
		self.assertEqual((first[0]["result"], second[0]["result"]), ("created", "unchanged"))
		self.assertEqual(first[0]["orders"], second[0]["orders"])
		self.assertEqual(len(channel_orders("INT-TWICE-1")), 1)
		self.assertEqual(frappe.db.count("Customer", {"customer_name": "T-INT Buyer INT-TWICE-1"}), 1)
		with self.assertRaisesRegex(Conflict, "other lines or another buyer"):
			self.receive(record("INT-TWICE-1", lines=[{"item_code": TEA, "qty": 13}]))
		with self.assertRaisesRegex(InvalidPayload, "Record 1: channel_order_id repeats record 0"):
			self.receive(record("INT-CASE-1"), {**record("int-case-1"), "channel": "ondc"})

	def test_an_unknown_item_is_404_and_nothing_is_written(self):
		customers = frappe.db.count("Customer")
		batch = (record("INT-404-1"), record("INT-404-2", lines=[{"item_code": "T-INT-NO-SUCH", "qty": 1}]))
		with self.assertRaisesRegex(frappe.DoesNotExistError, "T-INT-NO-SUCH"):
			self.receive(*batch)
		with self.assertRaisesRegex(InvalidPayload, LEAFLET):
			self.receive(record("INT-404-3", lines=[{"item_code": LEAFLET, "qty": 1}]))
		with self.assertRaisesRegex(InvalidPayload, r"Record 0: lines\[0\].qty"):
			self.receive(record("INT-404-4", lines=[{"item_code": TEA, "qty": -1}]))
		self.assertEqual(channel_orders("INT-404-1"), [])
		self.assertEqual(frappe.db.count("Customer"), customers)
		self.assertEqual(frappe.get_all(api.REGISTRY, filters={"name": ["like", "ONDC:INT-404-%"]}), [])

	def test_a_buyer_no_distributor_serves_is_kept_unrouted_with_the_reason(self):
		buyer = {"name": "T-INT Far Store", "mobile": "9811100005", "territory": NOWHERE}
		[result] = self.receive(record("INT-FAR-1", buyer))
		[order] = result["orders"]
		self.assertEqual((order["distributor"], order["status"]), (None, orders.UNROUTED))
		self.assertIn("no distributor serves", result["unrouted"][TEA])
		self.assertIn(
			"no distributor serves", frappe.db.get_value("Sales Order", order["name"], "dms_routing_note")
		)
		[again] = self.receive(record("INT-FAR-1", buyer))
		self.assertEqual((again["result"], again["unrouted"]), ("unchanged", result["unrouted"]))

	def test_the_oem_erp_is_told_each_status_as_the_distributor_accepts_and_invoices(self):
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		enable_oem_outbox()
		[result] = self.receive(record("INT-ERP-1"))
		name = result["orders"][0]["name"]
		order = frappe.get_doc("Sales Order", name)
		order.submit()  # the distributor accepts
		invoice = make_sales_invoice(name)
		invoice.update_stock = 1
		invoice.insert()
		invoice.submit()
		messages = [
			json.loads(payload)
			for payload in frappe.get_all(
				"DMS Sync Message",
				filters={
					"reference_doctype": "Sales Order",
					"reference_name": name,
					"event": "retail_order.status",
					"target": "OEM ERP",
				},
				pluck="payload",
				order_by="sequence",
			)
		]
		bodies = [m["document"] for m in messages]
		self.assertEqual(
			[b["status"] for b in bodies], [orders.PLACED, orders.ACCEPTED, orders.DELIVERED], messages
		)
		self.assertEqual({(b["channel"], b["channel_order_id"]) for b in bodies}, {("ONDC", "INT-ERP-1")})
		frappe.set_user(ERP_USER)
		self.assertEqual(api.order_status("ONDC", "INT-ERP-1")["orders"][0]["status"], orders.DELIVERED)

	def test_only_the_integration_role_may_call(self):
		outsider = make_user("t-int-outsider@dms.test", roles=("Sales User",))
		frappe.set_user(outsider)
		with self.assertRaises(frappe.PermissionError):
			api.receive_orders(orders=json.dumps([record("INT-403-1")]))
		with self.assertRaises(frappe.PermissionError):
			api.order_status("ONDC", "INT-403-1")
		frappe.set_user(ERP_USER)
		with self.assertRaises(frappe.DoesNotExistError):
			api.order_status("ONDC", "INT-403-1")


class TestConcurrentIntake(FrappeTestCase):
	"""The same channel order sent twice at once, each call in its own database connection."""

	ITEM = "T-INT-RACE"
	ORDER_ID = "INT-RACE-1"

	def test_two_identical_calls_at_once_place_one_order(self):
		make_item(self.ITEM, price=10)
		frappe.db.commit()
		self.addCleanup(self._purge)

		site, sites_path = frappe.local.site, frappe.local.sites_path
		start = threading.Barrier(2)
		results, errors = [], []
		payload = json.dumps(
			[
				{
					"channel": "ONDC",
					"channel_order_id": self.ORDER_ID,
					"buyer": {"name": "T-INT Race Store", "mobile": "9811100006"},
					"lines": [{"item_code": self.ITEM, "qty": 1}],
				}
			]
		)

		def call():
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			frappe.set_user("Administrator")
			try:
				start.wait(timeout=10)
				results.append(api.receive_orders(orders=payload)[0])
				frappe.db.commit()
			except Exception as e:
				frappe.db.rollback()
				errors.append(repr(e))
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=call) for _ in range(2)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=120)

		self.assertEqual(errors, [])
		self.assertEqual(sorted(r["result"] for r in results), ["created", "unchanged"], results)
		self.assertEqual(results[0]["orders"], results[1]["orders"])
		self.assertEqual(len(channel_orders(self.ORDER_ID)), 1)
		self.assertEqual(frappe.db.count("Customer", {"customer_name": "T-INT Race Store"}), 1)

	def _purge(self):
		"""Remove what the two calls committed: the order, its retailer (contact, address, links), the
		registry row, outbox messages, and the item."""
		frappe.db.rollback()
		frappe.set_user("Administrator")
		names = channel_orders(self.ORDER_ID)
		customers = set(
			frappe.get_all("Sales Order", filters={"name": ["in", names or [""]]}, pluck="customer")
		)
		customers |= set(
			frappe.get_all("Customer", filters={"customer_name": "T-INT Race Store"}, pluck="name")
		)
		frappe.db.delete(
			"DMS Sync Message", {"reference_doctype": "Sales Order", "reference_name": ["in", names or [""]]}
		)
		for name in names:
			frappe.delete_doc(
				"Sales Order", name, force=True, ignore_permissions=True, delete_permanently=True
			)
		frappe.db.delete(api.REGISTRY, {"channel_order_id": self.ORDER_ID})
		for customer in customers:
			frappe.db.delete("DMS Retailer Link", {"customer": customer})
			for doctype in ("Contact", "Address"):
				for link in frappe.get_all(
					"Dynamic Link",
					filters={"parenttype": doctype, "link_doctype": "Customer", "link_name": customer},
					pluck="parent",
				):
					frappe.delete_doc(
						doctype, link, force=True, ignore_permissions=True, delete_permanently=True
					)
			frappe.delete_doc(
				"Customer", customer, force=True, ignore_permissions=True, delete_permanently=True
			)
		frappe.db.delete("Item Price", {"item_code": self.ITEM})
		frappe.delete_doc("Item", self.ITEM, force=True, ignore_permissions=True, delete_permanently=True)
		frappe.db.commit()
