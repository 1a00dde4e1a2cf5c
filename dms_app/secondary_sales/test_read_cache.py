# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The batch read cache answers exactly what the database would, inside one transaction."""

import threading
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from dms_app.secondary_sales.read_cache import CachingCursor, reuse_reads
from dms_app.tests.factories import make_item

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

	def item_name(self, **kwargs):
		return frappe.db.get_value("Item", self.item, "item_name", **kwargs)

	def test_repeated_calls_skip_the_query_until_this_transaction_writes_or_ends(self):
		with reuse_reads() as cache:
			self.assertIn("get_values", frappe.db.__dict__)
			self.assertEqual(self.item_name(), "Before")
			with patch("frappe.qb.get_query", side_effect=AssertionError("built again")):
				self.assertEqual(self.item_name(), "Before")
			self.assertEqual(cache.call_hits, 1)
			frappe.db.set_value("Item", self.item, "item_name", "After")
			self.assertEqual(self.item_name(), "After")
			frappe.db.savepoint("rc")
			frappe.db.set_value("Item", self.item, "item_name", "Inside")
			self.assertEqual(self.item_name(), "Inside")
			frappe.db.rollback(save_point="rc")
			self.assertEqual(self.item_name(), "After")
			self.assertEqual(self.item_name(), "After")
			hits = cache.call_hits
			frappe.db.commit()
			self.assertEqual(self.item_name(), "After")
			frappe.db.set_value("Item", self.item, "item_name", "Before")
			frappe.db.rollback()
			self.assertEqual(self.item_name(), "After")
			self.assertEqual(cache.call_hits, hits)
			frappe.db.set_value("Item", self.item, "item_name", "Before")
			frappe.db.commit()
			self.assertEqual(self.item_name(), "Before")
		self.assertNotIn("get_values", frappe.db.__dict__)

	def test_callers_get_their_own_copy_of_a_remembered_call_and_locks_go_to_the_database(self):
		with reuse_reads() as cache:
			args = ("Item", {"name": self.item}, ["name", "item_name"])
			first = frappe.db.get_values(*args, as_dict=True)
			first[0]["item_name"] = "changed by the caller"
			first.append("junk")
			again = frappe.db.get_values(*args, as_dict=True)
			self.assertEqual(again, [{"name": self.item, "item_name": "Before"}])
			again[0].item_name = "changed again"
			self.assertEqual(frappe.db.get_values(*args, as_dict=True)[0].item_name, "Before")
			self.assertEqual(frappe.db.get_values(*args), ((self.item, "Before"),))
			self.assertEqual(cache.call_hits, 2)
			for _ in range(2):
				self.assertEqual(self.item_name(for_update=True), "Before")
				self.assertEqual(
					frappe.db.get_value("Item", {"name": ("in", {self.item})}, "name"), self.item
				)
			self.assertEqual(cache.call_hits, 2)

	def test_repeated_get_all_is_remembered_exactly(self):
		get_all = frappe.get_all
		args = {"filters": {"name": self.item}, "fields": ["name", "item_name"]}
		with reuse_reads() as cache:
			self.assertIsNot(frappe.get_all, get_all)
			first = frappe.get_all("Item", **args)
			first[0].item_name = "changed by the caller"
			with patch(
				"frappe.model.db_query.DatabaseQuery.execute", side_effect=AssertionError("ran again")
			):
				self.assertEqual(frappe.get_all("Item", **args), [{"name": self.item, "item_name": "Before"}])
				self.assertEqual(frappe.db.get_all("Item", **args)[0].item_name, "Before")
			self.assertEqual(cache.call_hits, 2)
			frappe.db.sql("update `tabItem` set item_name='After' where name=%s", self.item)
			self.assertEqual(
				frappe.get_all("Item", pluck="item_name", filters={"name": self.item}), ["After"]
			)
			frappe.db.rollback()
			self.assertEqual(
				frappe.get_all("Item", pluck="item_name", filters={"name": self.item}), ["Before"]
			)
			hits = cache.call_hits
			for _ in range(2):
				frappe.get_all("Item", filters={"name": self.item, "creation": ("between", ["2020-01-01"])})
				frappe.get_all("Item", filters={"name": self.item}, debug=False, run=False)
			self.assertEqual(cache.call_hits, hits)
		self.assertIs(frappe.get_all, get_all)

	def test_site_config_turns_it_off(self):
		with patch.dict(frappe.local.conf, {"dms_read_cache": 0}):
			with reuse_reads() as cache:
				self.name()
				self.name()
				self.assertEqual(cache.hits, 0)
				self.assertNotIsInstance(frappe.db._cursor, CachingCursor)
		with patch.dict(frappe.local.conf, {"dms_read_cache_calls": 0}):
			with reuse_reads() as cache:
				self.assertNotIn("get_values", frappe.db.__dict__)
				self.item_name()
				self.item_name()
				self.assertEqual((cache.call_hits, cache.hits), (0, 1))

	def test_overlapping_blocks_of_two_threads_leave_frappe_get_all_as_it_was(self):
		"""A starts, B starts, A ends, B ends: each thread's get_all is its own block's meanwhile, and
		Frappe's own function is back when the last block ends (no wrapper left for the worker's life)."""
		original, site = frappe.get_all, frappe.local.site
		a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
		seen, errors = {}, []

		def block(name, started, wait_for, ended=None):
			frappe.init(site=site)
			frappe.connect()
			try:
				with reuse_reads():
					started.set()
					wait_for.wait(10)
					frappe.get_all("Item", filters={"name": self.item}, pluck="name")
					frappe.get_all("Item", filters={"name": self.item}, pluck="name")
					seen[name] = frappe.db._cursor._cache.call_hits
				if ended:
					ended.set()
			except Exception as e:
				errors.append(repr(e))
			finally:
				frappe.destroy()

		frappe.db.commit()  # the item, for the other connections
		a = threading.Thread(target=block, args=("a", a_in, b_in, a_out))
		b = threading.Thread(target=block, args=("b", b_in, a_out))
		a.start()
		a_in.wait(10)
		b.start()
		a.join(30)
		b.join(30)
		self.assertEqual(errors, [])
		self.assertTrue(seen["a"] >= 1 and seen["b"] >= 1, seen)  # each remembered its own repeated call
		self.assertIs(frappe.get_all, original)
