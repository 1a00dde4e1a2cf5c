# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The channel dataset (dms_app.tests.channel_dataset) at its small size, built inside the test's
transaction under another prefix: what it makes, that the reports read it, and that the alert rules find
the anomalies it plants."""

from unittest.mock import patch

import frappe
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase

from dms_app.channel_analytics.alerts import DOCTYPE as ALERT
from dms_app.core import alerts as rules
from dms_app.tests import channel_dataset


class TestChannelDataset(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		with patch.object(channel_dataset, "PREFIX", "CHT"):
			cls.made = channel_dataset.build(seed=3, commit=False)
			cls.again = channel_dataset.build(seed=3, commit=False)

	def test_a_year_of_channel_in_erpnexts_own_documents(self):
		self.assertTrue(self.made["made"])
		self.assertEqual(len(self.made["distributors"]), 8)
		self.assertFalse(self.again["made"])  # a second run posts nothing twice
		months = frappe.db.sql(
			"""select count(distinct date_format(posting_date, '%Y-%m')) from `tabSales Invoice`
			where distributor like 'CHT-%' and docstatus = 1"""
		)[0][0]
		self.assertGreaterEqual(months, 11)
		self.assertTrue(
			frappe.db.exists(
				"Sales Invoice", {"distributor": ["like", "CHT-%"], "is_return": 1, "docstatus": 1}
			)
		)
		self.assertTrue(
			frappe.db.exists("DMS Scheme Ledger Entry", {"distributor": ["like", "CHT-%"], "is_cancelled": 0})
		)
		self.assertTrue(frappe.db.exists("DMS Scheme Claim", {"distributor": "CHT-D1", "docstatus": 0}))
		in_transit = frappe.db.sql(
			"""select count(*) from `tabBin` b join `tabWarehouse` w on w.name = b.warehouse
			where w.distributor like 'CHT-%' and w.warehouse_type = 'Transit' and b.actual_qty > 0"""
		)[0][0]
		self.assertEqual(in_transit > 0, True)  # this month's orders are dispatched, not yet received

	def test_the_planted_anomalies_are_found(self):
		found = {
			(a.rule, a.distributor)
			for a in frappe.get_all(ALERT, {"distributor": ["like", "CHT-%"]}, ["rule", "distributor"])
		}
		for expected in (
			(rules.DUPLICATE_INVOICE, "CHT-D1"),
			(rules.DEAD_STOCK, "CHT-D2"),
			(rules.SELL_OUT_SPIKE, "CHT-D3"),
			(rules.SELL_OUT_ABOVE_SUPPLY, "CHT-D4"),
			(rules.SILENT_DISTRIBUTOR, "CHT-D8"),
		):
			self.assertIn(expected, found)

	def test_the_reports_read_it_by_region(self):
		today = frappe.utils.getdate()
		result = run(
			"Secondary Sales Analytics",
			{
				"from_date": frappe.utils.add_months(today, -11).replace(day=1),
				"to_date": today,
				"range": "Quarterly",
				"group_by": "Territory",
				"territory": "CHT India",
			},
		)
		territories = {row["group"] for row in result["result"]}
		self.assertEqual(len(territories), 8)
		scorecard = run("Distributor Scorecard", {"territory": "CHT India"})["result"]
		self.assertEqual(len(scorecard), 8)


class TestChannelDatasetInBulk(FrappeTestCase):
	"""The medium and large builder (build_bulk) at its tiny size, inside the test's transaction: the
	ledgers it writes hold together, and the alert rules find what it plants."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.made = channel_dataset.build_bulk("tiny", seed=5, commit=False)

	def one(self, sql: str) -> float:
		return frappe.db.sql(sql)[0][0]

	def test_what_it_writes_holds_together(self):
		self.assertTrue(self.made["made"])
		self.assertEqual((self.made["distributors"], self.made["skus"]), (6, 60))
		self.assertGreaterEqual(
			self.one(
				"""select count(*) from `tabSales Invoice Item` i join `tabSales Invoice` s on s.name = i.parent
				where s.docstatus = 1 and s.distributor like 'CT-%'"""
			),
			2000,
		)
		self.assertTrue(frappe.db.exists("Sales Invoice", {"distributor": ["like", "CT-%"], "is_return": 1}))
		self.assertTrue(frappe.db.exists("DMS Scheme Ledger Entry", {"distributor": ["like", "CT-%"]}))
		# every voucher's GL balances; every invoice's total is its lines'
		self.assertEqual(
			self.one(
				"""select count(*) from (select g.voucher_no from `tabGL Entry` g
				join `tabSales Invoice` s on s.name = g.voucher_no and s.distributor like 'CT-%'
				group by g.voucher_no having abs(sum(g.debit) - sum(g.credit)) > 0.005) x"""
			),
			0,
		)
		self.assertEqual(
			self.one(
				"""select count(*) from `tabSales Invoice` s join (select parent, sum(amount) amount
				from `tabSales Invoice Item` group by parent) l on l.parent = s.name
				where s.distributor like 'CT-%' and abs(s.grand_total - l.amount) > 0.005"""
			),
			0,
		)
		# the running balance of every item in every warehouse it touched adds up, never below zero,
		# and ends where the Bin says
		warehouses = "select name from `tabWarehouse` where distributor like 'CT-%'"
		self.assertEqual(
			self.one(
				f"""select count(*) from (select qty_after_transaction, actual_qty, coalesce(lag(qty_after_transaction)
				over (partition by item_code, warehouse order by posting_datetime, creation), 0) before_qty
				from `tabStock Ledger Entry` where is_cancelled = 0 and warehouse in ({warehouses})) x
				where abs(qty_after_transaction - actual_qty - before_qty) > 0.001 or qty_after_transaction < 0"""
			),
			0,
		)
		self.assertEqual(
			self.one(
				f"""select count(*) from `tabBin` b where b.warehouse in ({warehouses}) and abs(b.actual_qty -
				(select s.qty_after_transaction from `tabStock Ledger Entry` s where s.item_code = b.item_code
				and s.warehouse = b.warehouse and s.is_cancelled = 0
				order by s.posting_datetime desc, s.creation desc limit 1)) > 0.001"""
			),
			0,
		)

	def test_the_planted_anomalies_are_found(self):
		from dms_app.channel_analytics import alerts

		alerts.run(frappe.utils.getdate())
		found = {
			(a.rule, a.distributor)
			for a in frappe.get_all(ALERT, {"distributor": ["like", "CT-%"]}, ["rule", "distributor"])
		}
		for expected in (
			(rules.SILENT_DISTRIBUTOR, "CT-D002"),
			(rules.DEAD_STOCK, "CT-D003"),
			(rules.DUPLICATE_INVOICE, "CT-D004"),
			(rules.SELL_OUT_SPIKE, "CT-D005"),
		):
			self.assertIn(expected, found)
