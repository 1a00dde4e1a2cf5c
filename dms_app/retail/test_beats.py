# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Field sales on beats: a day on the beat as its sales person's user (check in, an order priced as the
store prices it, a no-order), the Beat Coverage report of that day, and who may not work or see a beat."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, getdate, nowdate

from dms_app.core import beats as core
from dms_app.portal import beat as portal
from dms_app.retail.doctype.dms_beat.dms_beat import InvalidBeat
from dms_app.retail.doctype.dms_visit.dms_visit import NotOnBeat
from dms_app.retail.report.beat_coverage.beat_coverage import execute as coverage_report
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

TEA, SOAP = "T-BEAT-TEA", "T-BEAT-SOAP"  # priced 50 and 20
LINES = [{"item_code": TEA, "qty": 12}, {"item_code": SOAP, "qty": 5}]  # 12 x 50 less 10%, 5 x 20: 640


def make_sales_person(name: str) -> str:
	if not frappe.db.exists("Sales Person", name):
		frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": name,
				"parent_sales_person": frappe.db.get_value("Sales Person", {"is_group": 1}),
			}
		).insert(ignore_permissions=True)
	return name


class TestBeats(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		make_item(TEA, price=50)
		make_item(SOAP, price=20)
		cls.user = make_user("t-beat-a@dms.test")
		cls.other_user = make_user("t-beat-b@dms.test")
		cls.a = make_distributor("T-BEAT-A", portal_users=[{"user": cls.user}])
		cls.b = make_distributor("T-BEAT-B", portal_users=[{"user": cls.other_user}])
		receive_stock(TEA, cls.a.warehouse, 50, rate=30)
		cls.person = make_sales_person("T-BEAT Ravi")
		cls.shops = [make_retailer(f"T-BEAT Shop {n}", cls.a) for n in (1, 2, 3, 4)]
		cls.today = core.format_visit_days([core.weekday_of(getdate(nowdate()))])

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.savepoint("beat_test")
		self.addCleanup(frappe.db.rollback, save_point="beat_test")
		self.addCleanup(frappe.set_user, "Administrator")

	def make_beat(self, retailers, **fields):
		return frappe.get_doc(
			{
				"doctype": "DMS Beat",
				"beat_name": "T-BEAT Andheri West",
				"distributor": self.a.name,
				"sales_person": self.person,
				"user": self.user,
				"visit_days": self.today,
				"retailers": [{"retailer": r} for r in retailers],
				**fields,
			}
		).insert()

	def test_a_day_on_the_beat_and_its_coverage(self):
		make_scheme("T-BEAT tea slab", slabs=slabs((10, 0, "Percentage", 10)), items=items(TEA))
		beat = self.make_beat(self.shops[:3])
		first, second, third = self.shops[:3]
		frappe.set_user(self.user)

		visit = portal.check_in(beat.name, first, latitude=19.07, longitude=72.87, accuracy=15)
		self.assertEqual((visit["state"], visit["has_position"], visit["again"]), ("visited", True, False))
		again = portal.check_in(beat.name, first)
		self.assertEqual((again["name"], again["again"]), (visit["name"], True))
		skipped = portal.check_in(beat.name, second)
		self.assertFalse(skipped["has_position"])

		quoted = portal.quote(first, LINES)
		self.assertTrue(quoted["ok"])
		self.assertEqual(flt(quoted["total"]), 640)
		booked = portal.book(visit["name"], LINES)
		self.assertEqual((booked["state"], booked["lines"], flt(booked["grand_total"])), ("ordered", 2, 640))
		order = frappe.db.get_value(
			"Sales Order",
			booked["sales_order"],
			["customer", "distributor", "dms_order_source", "grand_total", "set_warehouse"],
			as_dict=True,
		)
		self.assertEqual(
			(order.customer, order.distributor, order.dms_order_source, flt(order.grand_total)),
			(first, self.a.name, "Beat", 640),
		)
		self.assertEqual(order.set_warehouse, self.a.warehouse)
		with self.assertRaises(portal.ClosedVisit):
			portal.book(visit["name"], LINES)

		closed = portal.no_order(skipped["name"], "Shop Closed", "Shutter down at 11")
		self.assertEqual((closed["state"], closed["no_order_reason"]), ("no-order", "Shop Closed"))
		with self.assertRaises(portal.ClosedVisit):
			portal.no_order(visit["name"], "Enough Stock")
		with self.assertRaises(frappe.ValidationError):
			portal.no_order(skipped["name"], "Too hot today")

		page = portal.page(self.a.name)
		self.assertEqual(page["beat"].name, beat.name)
		self.assertTrue(page["beat"].due)
		self.assertEqual([o.state for o in page["outlets"]], ["ordered", "no-order", "new"])
		self.assertEqual([o.retailer for o in page["outlets"]], [first, second, third])
		self.assertEqual((page["visited"], page["ordered"]), (2, 1))
		self.assertIn(TEA, [i["item_code"] for i in page["items"]])

		frappe.set_user("Administrator")
		today = nowdate()
		filters = {"from_date": today, "to_date": today, "distributor": self.a.name}
		_columns, rows, *_rest = coverage_report(filters)
		[row] = rows
		self.assertEqual(
			(row["sales_person"], row["planned"], row["visited"], row["productive"], row["lines"]),
			(self.person, 3, 2, 1, 2),
		)
		self.assertEqual((row["coverage"], row["productivity"], row["lines_per_call"]), (66.67, 50.0, 2.0))
		# another distributor's user sees none of it
		_columns, rows, *_rest = as_user(self.other_user, coverage_report, filters)
		self.assertEqual(rows, [])

	def test_another_distributors_user_can_neither_read_nor_work_the_beat(self):
		beat = self.make_beat(self.shops[:2])
		visit = as_user(self.user, portal.check_in, beat.name, self.shops[0])
		frappe.set_user(self.other_user)
		self.assertFalse(frappe.has_permission("DMS Beat", "read", doc=beat.name))
		self.assertNotIn(beat.name, frappe.get_list("DMS Beat", pluck="name"))
		self.assertFalse(frappe.has_permission("DMS Visit", "read", doc=visit["name"]))
		self.assertEqual(frappe.get_list("DMS Visit", filters={"beat": beat.name}), [])
		with self.assertRaises(frappe.PermissionError):
			portal.check_in(beat.name, self.shops[1])
		with self.assertRaises(frappe.PermissionError):
			portal.book(visit["name"], LINES)
		with self.assertRaises(frappe.PermissionError):
			portal.quote(self.shops[0], LINES)
		self.assertFalse(frappe.db.exists("DMS Visit", {"beat": beat.name, "retailer": self.shops[1]}))

	def test_a_retailer_not_on_the_beat_is_refused(self):
		beat = self.make_beat(self.shops[:2])
		frappe.set_user(self.user)
		with self.assertRaisesRegex(NotOnBeat, "is not on beat"):
			portal.check_in(beat.name, self.shops[3])
		with self.assertRaises(frappe.PermissionError):
			portal.quote(self.shops[3], LINES)  # on none of the user's beats
		self.assertFalse(frappe.db.exists("DMS Visit", {"retailer": self.shops[3]}))

	def test_items_another_distributor_serves_are_refused_and_nothing_is_saved(self):
		# served by B and linked to A too: routing cannot choose, so the lines go to nobody
		shared = make_retailer("T-BEAT Shared Shop", self.b)
		frappe.get_doc(
			{"doctype": "DMS Retailer Link", "customer": shared, "distributor": self.a.name}
		).insert()
		beat = self.make_beat([shared])
		frappe.set_user(self.user)
		self.assertFalse(portal.quote(shared, LINES)["ok"])
		visit = portal.check_in(beat.name, shared)
		with self.assertRaisesRegex(portal.NotServed, TEA):
			portal.book(visit["name"], LINES)
		self.assertFalse(frappe.db.exists("Sales Order", {"customer": shared}))
		self.assertFalse(frappe.db.get_value("DMS Visit", visit["name"], "outcome"))

	def test_the_beat_checks_its_retailers_days_and_user(self):
		beat = self.make_beat(self.shops[:1], visit_days="monday/thursday")
		self.assertEqual(beat.visit_days, "Mon, Thu")
		foreign = make_retailer("T-BEAT B Shop", self.b)
		with self.assertRaisesRegex(InvalidBeat, foreign):
			self.make_beat([self.shops[0], foreign])
		with self.assertRaisesRegex(InvalidBeat, "listed more than once"):
			self.make_beat([self.shops[0], self.shops[0]])
		with self.assertRaisesRegex(InvalidBeat, "Funday"):
			self.make_beat(self.shops[:1], visit_days="Mon, Funday")
		with self.assertRaisesRegex(InvalidBeat, "cannot work this beat"):
			self.make_beat(self.shops[:1], user=self.other_user)
