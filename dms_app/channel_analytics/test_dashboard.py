# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The DMS workspace's number cards and sell-in vs sell-out chart, for a Regional Sales Manager who
manages distributor A's territory only, on the portal dataset (dms_app.tests.factories.make_portal_dataset:
this month A's approved order of 4 SOAP at 100 and its sale of 3 SOAP at 100; B's sale of 2 OIL at 200;
one draft order each, which is not waiting for approval)."""

import json

import frappe
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from dms_app.channel_analytics import dashboard
from dms_app.channel_analytics.alerts import DOCTYPE as ALERT
from dms_app.tests.factories import (
	as_user,
	make_portal_dataset,
	make_territory_manager,
	make_tree_node,
	make_user,
)


def run_report(name: str, user: str, **filters) -> list[dict]:
	return as_user(user, run, name, filters)["result"]


CARDS = (
	"sell_in_this_month",
	"sell_out_this_month",
	"channel_stock_value",
	"days_of_cover",
	"orders_waiting",
	"open_alerts",
	"claims_waiting",
)


class TestDashboard(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.d = make_portal_dataset("T-DSH")
		root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]})
		make_tree_node("Territory", "T-DSH East", root)
		frappe.db.set_value("Distributor", cls.d.a.name, "territory", "T-DSH East")
		cls.manager = make_territory_manager("t-dsh-rsm@dms.test", territory="T-DSH East")
		cls.lost = make_territory_manager("t-dsh-lost@dms.test")
		cls.dms_manager = make_user("t-dsh-dms@dms.test", roles=("DMS Manager",))
		for dist in (cls.d.a.name, cls.d.b.name):
			frappe.get_doc(
				{
					"doctype": ALERT,
					"rule": "Dead Stock",
					"finding_key": f"test|{dist}",
					"distributor": dist,
					"message": "planted",
				}
			).insert(ignore_permissions=True)

	def cards(self, user):
		return {name: as_user(user, getattr(dashboard, name))["value"] for name in CARDS}

	def test_a_managers_cards_count_their_territories_distributors_only(self):
		cards = self.cards(self.manager)
		a_warehouses = frappe.get_all("Warehouse", {"distributor": self.d.a.name}, pluck="name")
		stock = sum(
			flt(v) for v in frappe.get_all("Bin", {"warehouse": ["in", a_warehouses]}, pluck="stock_value")
		)
		self.assertEqual(cards["sell_in_this_month"], 400.0)
		self.assertEqual(cards["sell_out_this_month"], 300.0)
		self.assertAlmostEqual(cards["channel_stock_value"], stock)
		# 3 SOAP left at a valuation of 60: 180 of cost in 30 days
		self.assertEqual(cards["days_of_cover"], round(stock / (180 / 30)))
		self.assertEqual((cards["orders_waiting"], cards["open_alerts"], cards["claims_waiting"]), (0, 1, 0))

	def test_oem_staff_see_every_distributor_and_a_manager_of_nothing_sees_zeros(self):
		everyone = self.cards(self.dms_manager)
		self.assertGreaterEqual(everyone["sell_out_this_month"], 700.0)  # A's 300 and B's 400, at least
		self.assertGreaterEqual(everyone["open_alerts"], 2)
		self.assertEqual(set(self.cards(self.lost).values()), {0})

	def test_a_distributors_user_is_refused_the_cards(self):
		with self.assertRaises(frappe.PermissionError):
			as_user(self.d.a_user, dashboard.sell_out_this_month)

	def test_the_trend_chart_is_scoped_too(self):
		chart = as_user(self.manager, dashboard.sell_in_vs_sell_out)
		self.assertEqual(len(chart["labels"]), dashboard.TREND_MONTHS)
		sell_in, sell_out = (d["values"] for d in chart["datasets"])
		self.assertEqual((sell_in[-1], sell_out[-1]), (400.0, 300.0))

	def test_channel_stock_today_with_transit_cover_age_and_expiry(self):
		d = self.d
		soap, tea, oil = d.item_codes
		rows = {
			(r["distributor"], r["item_code"]): r
			for r in run_report("Channel Stock", self.manager, group_by="Distributor and SKU")
		}
		self.assertEqual(set(rows), {(d.a.name, soap), (d.a.name, tea)})
		s = rows[(d.a.name, soap)]
		# 10 old + 5 today + 4 through the order (dispatched, then received out of transit) - 3 sold
		self.assertEqual((s["on_hand"], s["in_transit"], s["qty"], s["sold_recent"]), (16.0, 0.0, 16.0, 3.0))
		self.assertEqual(s["days_of_cover"], 160.0)
		self.assertEqual(s["oldest_days"], (d.today - d.old).days)  # first in, first out: the old 10 remain
		t = rows[(d.a.name, tea)]
		self.assertEqual(
			(t["qty"], t["near_expiry"], t["expired"], t["days_of_cover"]), (8.0, 8.0, 0.0, None)
		)
		[by_distributor] = run_report("Channel Stock", self.manager, group_by="Distributor")
		self.assertEqual((by_distributor["group"], by_distributor["qty"]), (d.a.name, 24.0))
		self.assertAlmostEqual(by_distributor["value"], s["value"] + t["value"])
		[b] = run_report("Channel Stock", self.dms_manager, distributor=d.b.name)
		self.assertEqual((b["item_code"], b["qty"], b["sold_recent"]), (oil, 5.0, 2.0))
		self.assertEqual(run_report("Channel Stock", self.lost), [])

	def test_distributor_scorecard(self):
		d = self.d
		month = {"from_date": d.today.replace(day=1), "to_date": d.today}
		[a] = run_report("Distributor Scorecard", self.manager, **month)
		self.assertEqual(
			{k: a[k] for k in ("distributor", "territory", "sell_in", "sell_out", "fill_rate", "claims_pct")},
			{
				"distributor": d.a.name,
				"territory": "T-DSH East",
				"sell_in": 400.0,
				"sell_out": 300.0,
				"fill_rate": 100.0,  # the approved order's 4 SOAP were dispatched
				"claims_pct": 0.0,
			},
		)
		self.assertGreaterEqual(a["approval_hours"], 0)
		self.assertEqual((a["active_retailers"], a["retailers"], a["days_since_sale"]), (1, 1, 0))
		rows = run_report("Distributor Scorecard", self.dms_manager, **month, distributor=d.b.name)
		[b] = rows
		self.assertEqual(
			(b["sell_in"], b["sell_out"], b["fill_rate"], b["approval_hours"]), (0.0, 400.0, None, None)
		)
		# a filter narrows the scope, never widens it
		self.assertEqual(run_report("Distributor Scorecard", self.manager, **month, distributor=d.b.name), [])
		self.assertEqual(run_report("Distributor Scorecard", self.lost, **month), [])

	def test_the_workspace_and_its_cards_and_charts_are_installed(self):
		workspace = frappe.get_doc("Workspace", "DMS")
		self.assertEqual(
			{c.number_card_name for c in workspace.number_cards},
			{
				"DMS Sell-in This Month",
				"DMS Sell-out This Month",
				"DMS Channel Stock Value",
				"DMS Days of Cover",
				"DMS Orders Waiting for Approval",
				"DMS Open Channel Alerts",
				"DMS Claims Waiting",
			},
		)
		for card in workspace.number_cards:
			method = frappe.db.get_value("Number Card", card.number_card_name, "method")
			self.assertIn(method.rsplit(".", 1)[1], CARDS)
		for chart in workspace.charts:
			self.assertTrue(frappe.db.exists("Dashboard Chart", chart.chart_name))
		# the desk finds a block's widget by the workspace row's label: a name there shows nothing
		labels = {
			"number_card": {c.label for c in workspace.number_cards},
			"chart": {c.label for c in workspace.charts},
		}
		for block in json.loads(workspace.content):
			if block["type"] in labels:
				self.assertIn(block["data"][f"{block['type']}_name"], labels[block["type"]])
		self.assertTrue(
			as_user(self.manager, frappe.has_permission, "Number Card", "read", "DMS Sell-out This Month")
		)
