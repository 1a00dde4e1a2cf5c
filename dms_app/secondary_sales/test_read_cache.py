# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The batch read cache answers exactly what the database would, inside one transaction."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from dms_app.secondary_sales.read_cache import CachingCursor, reuse_reads
from dms_app.testing import make_item

NAME = "select item_name from `tabItem` where name=%s"


class TestReadCache(FrappeTestCase):
	def setUp(self):
		self.item = make_item("T-RC-ITEM", item_name="Before")
		frappe.db.set_value("Item", self.item, "item_name", "Before")

	def tearDown(self):
		frappe.db.rollback()

	def name(self) -> str:
		return frappe.db.sql(NAME, self.item)[0][0]

	def test_repeated_reads_come_from_memory_until_this_transaction_writes(self):
		with reuse_reads() as cache:
			self.assertEqual(self.name(), "Before")
			self.assertEqual(self.name(), "Before")
			self.assertEqual(cache.hits, 1)
			frappe.db.set_value("Item", self.item, "item_name", "After")
			self.assertEqual(self.name(), "After")
			frappe.db.savepoint("rc")
			frappe.db.set_value("Item", self.item, "item_name", "Inside")
			self.assertEqual(self.name(), "Inside")
			frappe.db.rollback(save_point="rc")
			self.assertEqual(self.name(), "After")
		self.assertNotIsInstance(frappe.db._cursor, CachingCursor)

	def test_callers_get_fresh_objects_and_locking_reads_go_to_the_database(self):
		with reuse_reads() as cache:
			first = frappe.db.get_all("Item", filters={"name": self.item}, fields=["name", "item_name"])
			first[0]["item_name"] = "changed by the caller"
			again = frappe.db.get_all("Item", filters={"name": self.item}, fields=["name", "item_name"])
			self.assertEqual(again[0]["item_name"], "Before")
			self.assertIsNot(first[0], again[0])
			hits = cache.hits
			for _ in range(2):
				frappe.db.sql(NAME + " for update", self.item)
			self.assertEqual(cache.hits, hits)
			self.assertEqual(frappe.db.get_value("Item", self.item, "item_name"), "Before")
			self.assertEqual(
				frappe.db.sql("select count(*) from `tabItem` where name=%s", self.item)[0][0], 1
			)

	def test_site_config_turns_it_off(self):
		with patch.dict(frappe.local.conf, {"dms_read_cache": 0}):
			with reuse_reads() as cache:
				self.name()
				self.name()
				self.assertEqual(cache.hits, 0)
				self.assertNotIsInstance(frappe.db._cursor, CachingCursor)
