# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The channel analytics reports against figures worked out by hand on a small fixed channel, run the
way the desk runs them (frappe.desk.query_report.run), as a DMS Manager, a Regional Sales Manager tied to
one region, a manager tied to none, and a distributor's user.

The channel (dates fixed, so the windows are too; fiscal years are made when missing):

    CA Zone ─┬─ CA North ── CA Area 1: distributor CA-N, retailer CA R1 (General Trade)
             └─ CA South:              distributor CA-S, retailer CA R2 (Pharmacy)

    items: CA-SOAP (group CA Soaps under CA Personal Care, brand CA Brand, 10 each), CA-OIL (20 each)

    2025-10-01  received  N: 100 SOAP, 50 OIL; S: 100 SOAP
    2025-11-10  N sells   5 SOAP (50)                    <- the same month last year
    2026-10-15  N sells   10 SOAP (100)                  <- the equal period before November 2026
    2026-11-02  received  N: 30 SOAP; then 10 SOAP moved to N's transit warehouse (nets to nothing)
    2026-11-05  N sells   20 SOAP + 2 OIL (240)
    2026-11-20  N takes back 4 SOAP of that invoice (-40)
    2026-11-25  S sells   3 SOAP (30)
    2026-11-26  N sells   7 SOAP, then cancels the invoice (counts nowhere)
"""

import frappe
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase

from dms_app.primary_sales.dispatch import transit_warehouse
from dms_app.tests.factories import (
	company,
	ensure_fiscal_year,
	make_distributor,
	make_item,
	make_retailer,
	make_territory_manager,
	make_tree_node,
	make_user,
	receive_stock,
	sale_on,
)

SALES = "Secondary Sales Analytics"
STOCK = "Sell-in vs Sell-out"
NOVEMBER = {"from_date": "2026-11-01", "to_date": "2026-11-30"}


class TestChannelAnalytics(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for year in (2025, 2026):
			ensure_fiscal_year(year)
		root_territory = frappe.db.get_value(
			"Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]}
		)
		make_tree_node("Territory", "CA Zone", root_territory, is_group=1)
		make_tree_node("Territory", "CA North", "CA Zone", is_group=1)
		make_tree_node("Territory", "CA Area 1", "CA North")
		make_tree_node("Territory", "CA South", "CA Zone")
		root_group = frappe.db.get_value(
			"Item Group", {"is_group": 1, "parent_item_group": ["in", ("", None)]}
		)
		make_tree_node("Item Group", "CA Personal Care", root_group, is_group=1)
		make_tree_node("Item Group", "CA Soaps", "CA Personal Care")
		if not frappe.db.exists("Brand", "CA Brand"):
			frappe.get_doc({"doctype": "Brand", "brand": "CA Brand"}).insert(ignore_permissions=True)
		cls.soap = make_item("CA-SOAP", item_group="CA Soaps", brand="CA Brand")
		cls.oil = make_item("CA-OIL")
		cls.north = make_distributor("CA-N", territory="CA Area 1")
		cls.south = make_distributor("CA-S", territory="CA South")
		cls.r1 = make_retailer("CA R1", cls.north, territory="CA Area 1", outlet_type="General Trade")
		cls.r2 = make_retailer("CA R2", cls.south, territory="CA South", outlet_type="Pharmacy")
		cls.distributor_user = make_user("ca-north@dms.test")
		cls.north.reload()
		cls.north.append("portal_users", {"user": cls.distributor_user})
		cls.north.save(ignore_permissions=True)
		cls.transit = transit_warehouse(cls.north.name)

		n, s, soap, oil = cls.north, cls.south, cls.soap, cls.oil
		receive_stock(soap, n.warehouse, 100, rate=6, posting_date="2025-10-01")
		receive_stock(oil, n.warehouse, 50, rate=12, posting_date="2025-10-01")
		receive_stock(soap, s.warehouse, 100, rate=6, posting_date="2025-10-01")
		sale_on(n, cls.r1, [(soap, 5, 10)], "2025-11-10")
		sale_on(n, cls.r1, [(soap, 10, 10)], "2026-10-15")
		receive_stock(soap, n.warehouse, 30, rate=6, posting_date="2026-11-02")
		move = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Transfer",
				"company": n.company,
				"posting_date": "2026-11-02",
				"set_posting_time": 1,
				"items": [
					{"item_code": soap, "qty": 10, "s_warehouse": n.warehouse, "t_warehouse": cls.transit}
				],
			}
		).insert(ignore_permissions=True)
		move.submit()
		invoice = sale_on(n, cls.r1, [(soap, 20, 10), (oil, 2, 20)], "2026-11-05")
		sale_on(n, cls.r1, [(soap, -4, 10)], "2026-11-20", is_return=1, return_against=invoice.name)
		sale_on(s, cls.r2, [(soap, 3, 10)], "2026-11-25")
		sale_on(n, cls.r1, [(soap, 7, 10)], "2026-11-26").cancel()

		cls.dms_manager = make_user("ca-dms-manager@dms.test", roles=("DMS Manager",))
		frappe.db.set_value("User", cls.dms_manager, "user_type", "System User")
		cls.north_manager = make_territory_manager("ca-north-rsm@dms.test", territory="CA North")
		cls.lost_manager = make_territory_manager("ca-no-territory-rsm@dms.test")

	def report(self, name, user=None, **filters):
		frappe.set_user(user or self.dms_manager)
		try:
			return frappe._dict(run(name, {"company": company(), **filters}))
		finally:
			frappe.set_user("Administrator")

	def rows(self, name, key="group", user=None, **filters):
		result = self.report(name, user, **filters)
		return {row[key]: row for row in result.result if row.get(key, "").startswith(("CA", "Not Set"))}

	def test_monthly_sell_out_by_territory_with_growth(self):
		result = self.report(SALES, **NOVEMBER, range="Monthly", group_by="Territory", territory="CA Zone")
		rows = {row["group"]: row for row in result.result}
		self.assertEqual(set(rows), {"CA Area 1", "CA South"})
		north, south = rows["CA Area 1"], rows["CA South"]
		# 240 sold, 40 returned; the cancelled 70 not at all
		self.assertEqual((north["m2026_11"], north["total"]), (200.0, 200.0))
		self.assertEqual((north["previous"], north["growth_previous"]), (100.0, 100.0))
		self.assertEqual((north["last_year"], north["growth_last_year"]), (50.0, 300.0))
		self.assertEqual((south["total"], south["previous"], south["growth_previous"]), (30.0, 0.0, None))
		summary = {card["label"]: card["value"] for card in result.report_summary}
		self.assertEqual(summary["Sell-out"], 230.0)
		self.assertEqual(summary["Growth vs Previous %"], 130.0)  # of the totals, not the rows' average
		self.assertEqual([c["fieldname"] for c in result.columns][:3], ["group", "m2026_11", "total"])
		self.assertEqual(result.chart["data"]["datasets"][0]["name"], "CA Area 1")

	def test_weekly_quantities_by_item_and_filters_on_trees(self):
		rows = self.rows(
			SALES, **NOVEMBER, range="Weekly", group_by="Item", value_quantity="Quantity", territory="CA Zone"
		)
		soap, oil = rows[self.soap], rows[self.oil]
		self.assertEqual(soap["total"], 19.0)  # 20 - 4 + 3
		self.assertEqual((soap["w2026_45"], soap["w2026_47"], soap["w2026_48"]), (20.0, -4.0, 3.0))
		self.assertEqual(oil["total"], 2.0)
		# a group filter takes its descendants: CA North holds CA Area 1; CA Personal Care holds CA Soaps
		rows = self.rows(SALES, **NOVEMBER, group_by="Territory", territory="CA North")
		self.assertEqual({k: r["total"] for k, r in rows.items()}, {"CA Area 1": 200.0})
		rows = self.rows(SALES, **NOVEMBER, group_by="Distributor", item_group="CA Personal Care")
		self.assertEqual({k: r["total"] for k, r in rows.items()}, {"CA-N": 160.0, "CA-S": 30.0})
		rows = self.rows(SALES, **NOVEMBER, group_by="Brand", territory="CA Zone")
		self.assertEqual({k: r["total"] for k, r in rows.items()}, {"CA Brand": 190.0, "Not Set": 40.0})
		rows = self.rows(SALES, **NOVEMBER, group_by="Retailer", outlet_type="Pharmacy", territory="CA Zone")
		self.assertEqual({k: r["total"] for k, r in rows.items()}, {self.r2: 30.0})

	def test_bad_filters_are_refused_with_the_reason(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Group By must be one of"):
			self.report(SALES, **NOVEMBER, group_by="Colour")
		with self.assertRaisesRegex(frappe.ValidationError, "more than 120 weekly periods"):
			self.report(SALES, from_date="2020-01-01", to_date="2026-11-30", range="Weekly")
		with self.assertRaises(frappe.DoesNotExistError):
			self.report(SALES, **NOVEMBER, territory="No Such Territory")
		with self.assertRaisesRegex(frappe.ValidationError, "before the From Date"):
			self.report(STOCK, from_date="2026-11-30", to_date="2026-11-01")

	def test_sell_in_vs_sell_out_per_distributor_and_sku(self):
		rows = {
			(r["distributor"], r["item_code"]): r
			for r in self.report(STOCK, **NOVEMBER, territory="CA Zone").result
		}
		self.assertEqual(set(rows), {("CA-N", self.soap), ("CA-N", self.oil), ("CA-S", self.soap)})
		soap = rows[("CA-N", self.soap)]
		figures = ("opening", "received", "sold", "returned", "adjusted", "closing", "build_up")
		# 100 - 5 - 10 before November; 30 received, the move to transit nets to nothing
		self.assertEqual([soap[f] for f in figures], [85.0, 30.0, 20.0, 4.0, 0.0, 99.0, 14.0])
		self.assertEqual(soap["days_of_cover"], 185.6)  # 99 at 16 a month of 30 days
		oil = rows[("CA-N", self.oil)]
		self.assertEqual(
			[oil[f] for f in ("opening", "sold", "closing", "days_of_cover")], [50.0, 2.0, 48.0, 720.0]
		)
		self.assertEqual(rows[("CA-S", self.soap)]["closing"], 97.0)
		bins = frappe.get_all(
			"Bin",
			{"item_code": self.soap, "warehouse": ["in", (self.north.warehouse, self.transit)]},
			pluck="actual_qty",
		)
		self.assertEqual(sum(bins), 99.0)  # the report's closing is the stock the ledger holds

	def test_a_regional_manager_sees_the_distributors_of_the_territories_they_manage(self):
		rows = self.rows(SALES, user=self.north_manager, **NOVEMBER, group_by="Distributor")
		self.assertEqual(set(rows), {"CA-N"})
		stock = self.report(STOCK, self.north_manager, **NOVEMBER)
		self.assertEqual({r["distributor"] for r in stock.result}, {"CA-N"})
		# a filter cannot widen the scope
		rows = self.rows(
			SALES, user=self.north_manager, **NOVEMBER, group_by="Distributor", distributor="CA-S"
		)
		self.assertEqual(rows, {})
		# the tie is read each time: moving CA North to another manager takes it away at once
		frappe.db.set_value("Territory", "CA North", "territory_manager", None)
		result = self.report(SALES, self.north_manager, **NOVEMBER)
		self.assertEqual(result.result, [])
		self.assertIn("Territory Manager", result.message)

	def test_a_manager_tied_to_no_territory_sees_nothing_and_is_told_why(self):
		for name in (SALES, STOCK):
			result = self.report(name, self.lost_manager, **NOVEMBER)
			self.assertEqual(result.result, [])
			self.assertIn("You manage no territory", result.message)

	def test_a_distributor_user_cannot_open_the_oem_reports(self):
		with self.assertRaises(frappe.PermissionError):
			self.report(SALES, self.distributor_user, **NOVEMBER)
