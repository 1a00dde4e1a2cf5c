# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Target vs Achievement against figures worked out by hand, fiscal year 2026 in quarters.

CAT-N (territory CAT Area, under CAT Region) sells to retailer CAT R1 through sales person CAT Rep
(100%) and sales partner CAT Partner (5% commission):
    10 Feb  10 SOAP at 10 (100) + 5 OIL at 20 (100)
    5 May   20 SOAP at 10 (200)
    20 May  takes back 5 SOAP (-50)
SOAP is in CAT Soaps, under CAT Care; OIL is not.

targets                                        Q1 target / achieved    Q2 target / achieved
CAT Rep, CAT Care, 1,200 a year, no split       300 / 100                300 / 150
CAT Partner, all goods, 400 a year              100 / 200                100 / 150
CAT Region, CAT Care, 1,000 a year              250 / 100                250 / 150
CAT-N, CAT Care, 100 units, half in Feb and May  50 / 10                  50 / 15
"""

import frappe
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase

from dms_app.core.analytics import MONTH_NAMES
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

REPORT = "Target vs Achievement"


def fiscal_year_2026() -> str:
	return frappe.db.get_value(
		"Fiscal Year", {"year_start_date": ["<=", "2026-06-30"], "year_end_date": [">=", "2026-06-30"]}
	)


class TestTargetVsAchievement(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_fiscal_year(2026)
		cls.fy = fiscal_year_2026()
		root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]})
		make_tree_node("Territory", "CAT Region", root, is_group=1)
		make_tree_node("Territory", "CAT Area", "CAT Region")
		root_group = frappe.db.get_value(
			"Item Group", {"is_group": 1, "parent_item_group": ["in", ("", None)]}
		)
		make_tree_node("Item Group", "CAT Care", root_group, is_group=1)
		make_tree_node("Item Group", "CAT Soaps", "CAT Care")
		soap, oil = make_item("CAT-SOAP", item_group="CAT Soaps"), make_item("CAT-OIL")
		north = make_distributor("CAT-N", territory="CAT Area")
		retailer = make_retailer("CAT R1", north, territory="CAT Area")

		def distribution(name, share):
			return (
				frappe.get_doc(
					{
						"doctype": "Monthly Distribution",
						"distribution_id": name,
						"fiscal_year": cls.fy,
						"percentages": [
							{"month": month, "percentage_allocation": share(n)}
							for n, month in enumerate(MONTH_NAMES, start=1)
						],
					}
				)
				.insert(ignore_permissions=True)
				.name
			)

		equal = distribution("CAT Equal", lambda n: 8.34 if n % 3 == 1 else 8.33)
		split = distribution("CAT Feb and May", lambda n: 50 if n in (2, 5) else 0)
		target = {"fiscal_year": cls.fy, "distribution_id": equal}
		rep = frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": "CAT Rep",
				"parent_sales_person": frappe.db.get_value("Sales Person", {"is_group": 1}),
				"targets": [{**target, "item_group": "CAT Care", "target_amount": 1200}],
			}
		).insert(ignore_permissions=True)
		partner = frappe.get_doc(
			{
				"doctype": "Sales Partner",
				"partner_name": "CAT Partner",
				"territory": "CAT Area",
				"commission_rate": 5,
				"targets": [{**target, "target_amount": 400}],
			}
		).insert(ignore_permissions=True)
		region = frappe.get_doc("Territory", "CAT Region")
		region.append("targets", {**target, "item_group": "CAT Care", "target_amount": 1000})
		region.save(ignore_permissions=True)
		north.reload()
		north.append(
			"targets",
			{
				"item_group": "CAT Care",
				"fiscal_year": cls.fy,
				"target_qty": 100,
				"distribution_id": split,
			},
		)
		north.save(ignore_permissions=True)

		receive_stock(soap, north.warehouse, 100, rate=6, posting_date="2026-01-05")
		receive_stock(oil, north.warehouse, 50, rate=12, posting_date="2026-01-05")
		team = {
			"sales_partner": partner.name,
			"commission_rate": 5,
			"sales_team": [{"sales_person": rep.name, "allocated_percentage": 100}],
		}
		sale_on(north, retailer, [(soap, 10, 10), (oil, 5, 20)], "2026-02-10", **team)
		may = sale_on(north, retailer, [(soap, 20, 10)], "2026-05-05", **team)
		sale_on(north, retailer, [(soap, -5, 10)], "2026-05-20", is_return=1, return_against=may.name, **team)
		cls.rep, cls.partner = rep.name, partner.name
		cls.manager = make_territory_manager("cat-rsm@dms.test", territory="CAT Region")
		cls.elsewhere = make_territory_manager("cat-other-rsm@dms.test")

	def report(self, user="Administrator", **filters):
		result = as_user(user, run, REPORT, {"fiscal_year": self.fy, "range": "Quarterly", **filters})
		return {(r["party"], r["item_group"]): r for r in result["result"]}

	def figures(self, row):
		return [
			(round(row[f"{q}_target"], 2), round(row[f"{q}_achieved"], 2))
			for q in ("q2026_1", "q2026_2", "q2026_3", "q2026_4")
		]

	def test_a_sales_persons_target_on_their_share_of_secondary_sales(self):
		row = self.report(party_type="Sales Person", party=self.rep)[(self.rep, "CAT Care")]
		self.assertEqual(self.figures(row), [(300, 100), (300, 150), (300, 0), (300, 0)])
		self.assertEqual(
			(row["total_target"], row["total_achieved"], row["achievement_pct"]), (1200, 250, 20.83)
		)

	def test_a_sales_partners_target_and_commission(self):
		row = self.report(party_type="Sales Partner", party=self.partner)[(self.partner, None)]
		self.assertEqual(self.figures(row)[:2], [(100, 200), (100, 150)])
		self.assertEqual(row["commission"], 17.5)  # 5% of 350

	def test_a_territory_target_counts_its_descendants(self):
		row = self.report(party_type="Territory", party="CAT Region")[("CAT Region", "CAT Care")]
		self.assertEqual(self.figures(row)[:2], [(250, 100), (250, 150)])

	def test_a_distributor_target_in_units_with_a_monthly_distribution(self):
		rows = self.report(self.manager, party_type="Distributor", target_on="Quantity")
		row = rows[("CAT-N", "CAT Care")]
		self.assertEqual(self.figures(row), [(50, 10), (50, 15), (0, 0), (0, 0)])
		self.assertEqual(self.report(self.elsewhere, party_type="Distributor"), {})

	def test_bad_filters_are_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Target Of must be one of"):
			self.report(party_type="Customer")
		with self.assertRaises(frappe.DoesNotExistError):
			self.report(fiscal_year="No Such Year")
