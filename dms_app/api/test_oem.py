# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Inbound APIs for the OEM ERP: idempotent upserts, stale versions refused, bad input refused whole."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from dms_app.api.errors import BadSignature, InvalidPayload, StaleVersion
from dms_app.api.oem import (
	update_credit,
	update_dispatches,
	upsert_items,
	upsert_prices,
)
from dms_app.core.outbox import sign
from dms_app.distribution import gst
from dms_app.tests.factories import (
	TEST_HSN,
	act,
	as_user,
	ensure_depot,
	make_distributor,
	make_item,
	make_primary_order,
	make_user,
	receive_stock,
)

ITEM = "T-IN-ITEM"


def new_item(code: str, version=1, **fields) -> dict:
	return {
		"item_code": code,
		"item_name": f"Item {code}",
		"item_group": "Products",
		"stock_uom": "Nos",
		"version": version,
		# where the site keeps GST (india_compliance), a new item comes with its HSN code
		**({"gst_hsn_code": TEST_HSN} if gst.applies() else {}),
		**fields,
	}


class TestInbound(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.depot = ensure_depot()
		make_item(ITEM, price=10)
		receive_stock(ITEM, cls.depot, 20)
		cls.erp = make_user("t-in-erp@dms.test", roles=("DMS Integration",))
		cls.portal = make_user("t-in-dist@dms.test")
		cls.manager = make_user("t-in-mgr@dms.test", roles=("DMS Manager", "Area Sales Manager"))
		cls.dist = make_distributor("T-IN-1", portal_users=[{"user": cls.portal}])
		frappe.db.set_single_value("DMS Settings", "inbound_signing_secret", None)

	def call(self, fn, *args):
		return as_user(self.erp, fn, *args)

	def test_items_are_created_updated_and_repeats_change_nothing(self):
		self.assertEqual(
			self.call(upsert_items, [new_item("T-IN-A")]), [{"item_code": "T-IN-A", "result": "created"}]
		)
		item = frappe.get_doc("Item", "T-IN-A")
		self.assertEqual((item.is_stock_item, item.dms_erp_version), (1, "1"))
		self.assertEqual(self.call(upsert_items, [new_item("T-IN-A")])[0]["result"], "unchanged")
		result = self.call(
			upsert_items, json.dumps([{"item_code": "T-IN-A", "item_name": "Renamed", "version": 2}])
		)
		self.assertEqual(result[0]["result"], "updated")
		self.assertEqual(frappe.db.get_value("Item", "T-IN-A", "item_name"), "Renamed")

	def test_stale_version_is_refused_and_changes_nothing(self):
		self.call(upsert_items, [new_item("T-IN-B", version=5)])
		with self.assertRaises(StaleVersion) as caught:
			self.call(
				upsert_items,
				[new_item("T-IN-C", version=1), {"item_code": "T-IN-B", "item_name": "Old", "version": 4}],
			)
		self.assertEqual(caught.exception.http_status_code, 409)
		self.assertEqual(frappe.db.get_value("Item", "T-IN-B", "item_name"), "Item T-IN-B")
		self.assertFalse(
			frappe.db.exists("Item", "T-IN-C")
		)  # the good record of the batch is not written either

	def test_malformed_batches_are_refused_whole_with_reasons(self):
		for payload, reason in (
			("{not json", "not valid JSON"),
			({"item_code": "X"}, "send a list of records"),
			([new_item("T-IN-D"), {"item_code": "T-IN-E", "version": 1}], "New items need"),
			(
				[new_item("T-IN-D"), {"item_code": "T-IN-F", "disabled": "yes", "version": 1}],
				"Record 1: disabled must be 0 or 1",
			),
		):
			with self.subTest(reason=reason), self.assertRaises(InvalidPayload) as caught:
				self.call(upsert_items, payload)
			self.assertIn(reason, str(caught.exception))
			self.assertEqual(caught.exception.http_status_code, 422)
		self.assertFalse(frappe.db.exists("Item", "T-IN-D"))
		with self.assertRaises(frappe.DoesNotExistError):
			self.call(upsert_items, [new_item("T-IN-G", item_group="No Such Group")])

	def test_only_the_integration_role(self):
		for user in (self.portal, self.manager):
			with self.subTest(user=user), self.assertRaises(frappe.PermissionError):
				as_user(user, upsert_items, [new_item("T-IN-H")])
		self.assertFalse(frappe.db.exists("Item", "T-IN-H"))

	def test_prices(self):
		price_list = frappe.db.get_single_value("DMS Settings", "default_price_list")
		make_item("T-IN-P")
		self.assertEqual(
			self.call(upsert_prices, [{"item_code": "T-IN-P", "rate": 42, "version": 1}])[0]["result"],
			"created",
		)
		self.call(upsert_prices, [{"item_code": "T-IN-P", "rate": 45.5, "version": 2}])
		rates = frappe.get_all(
			"Item Price", filters={"item_code": "T-IN-P", "price_list": price_list}, pluck="price_list_rate"
		)
		self.assertEqual(rates, [45.5])
		with self.assertRaises(StaleVersion):
			self.call(upsert_prices, [{"item_code": "T-IN-P", "rate": 1, "version": 1}])
		with self.assertRaises(frappe.DoesNotExistError):
			self.call(upsert_prices, [{"item_code": "T-IN-NOPE", "rate": 1, "version": 1}])
		with self.assertRaises(InvalidPayload):
			self.call(upsert_prices, [{"item_code": "T-IN-P", "rate": -3, "version": 3}])

	def test_credit_and_outstanding(self):
		self.assertEqual(
			self.call(
				update_credit,
				[
					{
						"distributor": self.dist.name,
						"credit_limit": 50000,
						"outstanding": 1200,
						"version": "2026-11-01T10:00:00",
					}
				],
			),
			[{"distributor": self.dist.name, "result": "updated"}],
		)
		values = frappe.db.get_value("Distributor", self.dist.name, ["credit_limit", "outstanding_reported"])
		self.assertEqual(tuple(map(flt, values)), (50000, 1200))
		with self.assertRaises(StaleVersion):
			self.call(
				update_credit,
				[{"distributor": self.dist.name, "outstanding": 0, "version": "2026-10-31T10:00:00"}],
			)
		with self.assertRaises(frappe.DoesNotExistError):
			self.call(update_credit, [{"distributor": "T-IN-NOBODY", "outstanding": 0, "version": 1}])
		with self.assertRaises(InvalidPayload):
			self.call(update_credit, [{"distributor": self.dist.name, "version": 9}])
		self.assertEqual(
			flt(frappe.db.get_value("Distributor", self.dist.name, "outstanding_reported")), 1200
		)

	def test_dispatch_status(self):
		frappe.db.delete("DMS Approval Rule")
		frappe.get_doc({"doctype": "DMS Approval Rule", "level": "Area Sales Manager"}).insert()
		frappe.db.set_single_value("DMS Settings", "require_oem_confirmation", 0)
		order = as_user(self.portal, make_primary_order, self.dist, [(ITEM, 2)])
		for user, action in ((self.portal, "Submit for Approval"), (self.manager, "Approve")):
			act(user, order, action)
		entry = frappe.get_doc(
			"Stock Entry", {"distributor": self.dist.name, "docstatus": 0, "add_to_transit": 1}
		)
		with self.assertRaises(InvalidPayload):  # not dispatched yet
			self.call(update_dispatches, [{"stock_entry": entry.name, "status": "Booked", "version": 1}])
		act(self.manager, entry, "Dispatch")

		update = {
			"stock_entry": entry.name,
			"status": "In Transit",
			"carrier": "BlueDart",
			"tracking_number": "BD123",
			"eta": "2026-12-03 18:00:00",
			"version": 2,
		}
		self.assertEqual(self.call(update_dispatches, [update])[0]["result"], "updated")
		self.assertEqual(self.call(update_dispatches, [update])[0]["result"], "unchanged")
		entry.reload()
		self.assertEqual(
			(entry.dms_logistics_status, entry.dms_carrier, entry.dms_tracking_no),
			("In Transit", "BlueDart", "BD123"),
		)
		with self.assertRaises(StaleVersion):
			self.call(update_dispatches, [{**update, "status": "Booked", "version": 1}])
		with self.assertRaises(InvalidPayload):
			self.call(update_dispatches, [{**update, "status": "Teleported", "version": 3}])

	def test_signature_is_checked_when_a_secret_is_set(self):
		settings = frappe.get_single("DMS Settings")
		settings.inbound_signing_secret = "inbound-secret"
		settings.save(ignore_permissions=True)
		records = [new_item("T-IN-S")]
		body = json.dumps({"items": records}).encode()

		def over_http(signature):
			headers = {"X-DMS-Signature": signature} if signature else {}
			env = EnvironBuilder(
				method="POST", data=body, headers=headers, content_type="application/json"
			).get_environ()
			frappe.local.request = Request(env)
			try:
				return self.call(upsert_items, records)
			finally:
				del frappe.local.request

		for wrong in (None, "sha256=00", sign("another-secret", body)):
			with self.subTest(signature=wrong), self.assertRaises(BadSignature) as caught:
				over_http(wrong)
			self.assertEqual(caught.exception.http_status_code, 401)
		self.assertFalse(frappe.db.exists("Item", "T-IN-S"))
		self.assertEqual(over_http(sign("inbound-secret", body))[0]["result"], "created")
