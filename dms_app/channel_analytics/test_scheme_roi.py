# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Scheme ROI against figures worked out by hand. A 10% discount on CAR-SOAP (10 each) runs through
November 2026 for distributor CAR-N:

    October   CAR-N sells 100 SOAP (1,000), no scheme
    November  CAR-N sells 150 SOAP: 1,500 less the scheme's 150 = 1,350; and 10 OIL (200, not covered)

cost 150, sell-out during 1,350 against 1,000 before: uplift 350 (35%), 2.33 of sales per rupee given.
CAR-S, in another territory, earns the scheme on 10 SOAP in November (cost 10)."""

import frappe
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase

from dms_app.tests.factories import (
	as_user,
	ensure_fiscal_year,
	make_distributor,
	make_item,
	make_retailer,
	make_territory_manager,
	make_tree_node,
	receive_stock,
	sale_on,
)

REPORT = "Scheme ROI"


class TestSchemeROI(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_fiscal_year(2026)
		root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]})
		make_tree_node("Territory", "CAR East", root)
		make_tree_node("Territory", "CAR West", root)
		soap, oil = make_item("CAR-SOAP"), make_item("CAR-OIL")
		north = make_distributor("CAR-N", territory="CAR East")
		south = make_distributor("CAR-S", territory="CAR West")
		rn, rs = make_retailer("CAR RN", north), make_retailer("CAR RS", south)
		for dist in (north, south):
			receive_stock(soap, dist.warehouse, 500, rate=6, posting_date="2026-09-01")
			receive_stock(oil, dist.warehouse, 50, rate=12, posting_date="2026-09-01")
		sale_on(north, rn, [(soap, 100, 10)], "2026-10-10")
		scheme = frappe.get_doc(
			{
				"doctype": "DMS Scheme",
				"scheme_name": "CAR November Soap",
				"scheme_type": "Slab Discount",
				"channel": "Secondary",
				"company": north.company,
				"valid_from": "2026-11-01",
				"valid_upto": "2026-11-30",
				"slabs": [{"from_value": 1, "to_value": 0, "discount_type": "Percentage", "discount": 10}],
				"items": [{"applies_to": "Item", "value": soap}],
			}
		).insert(ignore_permissions=True)
		scheme.submit()
		cls.scheme = scheme.name
		sale_on(north, rn, [(soap, 150, 10), (oil, 10, 20)], "2026-11-12")
		sale_on(south, rs, [(soap, 10, 10)], "2026-11-13")
		cls.manager = make_territory_manager("car-east-rsm@dms.test", territory="CAR East")

	def rows(self, user="Administrator", **filters):
		result = as_user(user, run, REPORT, {"scheme": self.scheme, **filters})
		return {row["distributor"]: row for row in result["result"]}

	def test_cost_against_the_sell_out_it_moved(self):
		rows = self.rows(from_date="2026-01-01", to_date="2026-12-31")
		self.assertEqual(set(rows), {"CAR-N", "CAR-S"})
		n = rows["CAR-N"]
		self.assertEqual(
			{k: n[k] for k in ("from_date", "to_date", "cost", "discount_cost", "free_goods_cost")},
			{
				"from_date": frappe.utils.getdate("2026-11-01"),
				"to_date": frappe.utils.getdate("2026-11-30"),
				"cost": 150.0,
				"discount_cost": 150.0,
				"free_goods_cost": 0.0,
			},
		)
		self.assertEqual(
			(n["sell_out"], n["sell_out_before"], n["uplift"], n["uplift_pct"], n["return_on_cost"]),
			(1350.0, 1000.0, 350.0, 35.0, 2.33),
		)
		s = rows["CAR-S"]
		self.assertEqual(
			(s["cost"], s["sell_out"], s["sell_out_before"], s["return_on_cost"]), (10.0, 90.0, 0.0, 9.0)
		)

	def test_a_window_inside_the_scheme_and_one_outside_it(self):
		n = self.rows(from_date="2026-11-10", to_date="2026-11-19")["CAR-N"]
		# 10 days: the same 150 of cost and 1,350 of sales; before, 31 Oct - 9 Nov sold nothing
		self.assertEqual(
			(n["from_date"], n["cost"], n["sell_out_before"]),
			(frappe.utils.getdate("2026-11-10"), 150.0, 0.0),
		)
		self.assertEqual(self.rows(from_date="2026-12-01", to_date="2026-12-31"), {})

	def test_a_regional_manager_sees_their_territorys_distributors(self):
		rows = self.rows(self.manager, from_date="2026-01-01", to_date="2026-12-31")
		self.assertEqual(set(rows), {"CAR-N"})
