# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The channel alert rules on planted anomalies, as the daily run sees them on 2026-12-03 (a Thursday;
the last complete week is 23-29 November):

    CAL-A  received 100 SOAP (1 Aug) and 10 OIL (1 Nov); sold 2 SOAP in each of four of the eight weeks
           before the last, then 40 in the last week (a spike: 40 > 3 x 1); invoiced retailer A the same
           2 OIL twice on 27 Nov under references T-1 and T-1B (a duplicate); a claim of 100 whose ledger
           entries support 60 (one of them cancelled since: the claim is above the ledger)
    CAL-B  received 5 TEA (1 Jul), sold 1 on 15 Aug and nothing since (silent; its 4 TEA dead stock)
    CAL-C  sold 8 OIL on 12 Nov that it never received: a stock reconciliation made 10 appear on 10 Nov
           (sell-out above supply)
"""

from datetime import date
from unittest.mock import patch

import frappe
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase

from dms_app.channel_analytics import alerts
from dms_app.core import alerts as rules
from dms_app.tests.factories import (
	as_user,
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
from dms_app.tests.test_permissions import insert_row

TODAY = date(2026, 12, 3)


class TestChannelAlerts(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_fiscal_year(2026)
		root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]})
		make_tree_node("Territory", "CAL East", root)
		make_tree_node("Territory", "CAL West", root)
		soap, oil, tea = (make_item(f"CAL-{code}") for code in ("SOAP", "OIL", "TEA"))
		a = cls.a = make_distributor("CAL-A", territory="CAL East")
		b = make_distributor("CAL-B", territory="CAL West")
		c = make_distributor("CAL-C", territory="CAL West")
		ra, rb, rc = (make_retailer(f"CAL R{d.name[-1]}", d) for d in (a, b, c))

		receive_stock(tea, b.warehouse, 5, posting_date="2026-07-01")
		receive_stock(soap, a.warehouse, 100, posting_date="2026-08-01")
		sale_on(b, rb, [(tea, 1, 10)], "2026-08-15")
		for day in ("2026-10-05", "2026-10-19", "2026-11-02", "2026-11-16"):
			sale_on(a, ra, [(soap, 2, 10)], day)
		receive_stock(oil, a.warehouse, 10, posting_date="2026-11-01")
		reconciliation = frappe.get_doc(
			{
				"doctype": "Stock Reconciliation",
				"company": c.company,
				"purpose": "Stock Reconciliation",
				"posting_date": "2026-11-10",
				"set_posting_time": 1,
				"items": [{"item_code": oil, "warehouse": c.warehouse, "qty": 10, "valuation_rate": 12}],
			}
		).insert(ignore_permissions=True)
		reconciliation.submit()
		sale_on(c, rc, [(oil, 8, 20)], "2026-11-12")
		sale_on(a, ra, [(soap, 40, 10)], "2026-11-25")
		cls.duplicates = [
			sale_on(a, ra, [(oil, 2, 20)], "2026-11-27", dms_external_ref=ref).name for ref in ("T-1", "T-1B")
		]

		for name, value, cancelled in (("CAL-LE-1", 60, 0), ("CAL-LE-2", 40, 1)):
			insert_row(
				"DMS Scheme Ledger Entry",
				{"name": name, "distributor": a.name, "value": value, "is_cancelled": cancelled},
			)
		insert_row(
			"DMS Scheme Claim",
			{"name": "CAL-CLM-1", "distributor": a.name, "docstatus": 1, "total_amount": 100},
		)
		for n, (entry, value) in enumerate((("CAL-LE-1", 60), ("CAL-LE-2", 40)), start=1):
			insert_row(
				"DMS Scheme Claim Line",
				{
					"name": f"CAL-CLM-1-{n}",
					"parent": "CAL-CLM-1",
					"parenttype": "DMS Scheme Claim",
					"parentfield": "lines",
					"idx": n,
					"ledger_entry": entry,
					"value": value,
					"docstatus": 1,
				},
			)
		cls.east_manager = make_territory_manager("cal-east-rsm@dms.test", territory="CAL East")

	def ours(self) -> set[tuple]:
		return {
			(a.rule, a.distributor, a.item_code or a.reference_name)
			for a in frappe.get_all(
				alerts.DOCTYPE,
				filters={"distributor": ["like", "CAL-%"]},
				fields=["rule", "distributor", "item_code", "reference_name"],
			)
		}

	def test_planted_anomalies_are_found_once(self):
		alerts.run(TODAY)
		expected = {
			(rules.SELL_OUT_SPIKE, "CAL-A", "CAL-SOAP"),
			(rules.DUPLICATE_INVOICE, "CAL-A", self.duplicates[-1]),
			(rules.CLAIM_ABOVE_LEDGER, "CAL-A", "CAL-CLM-1"),
			(rules.SILENT_DISTRIBUTOR, "CAL-B", None),
			(rules.DEAD_STOCK, "CAL-B", "CAL-TEA"),
			(rules.SELL_OUT_ABOVE_SUPPLY, "CAL-C", "CAL-OIL"),
			(rules.SILENT_DISTRIBUTOR, "CAL-C", None),  # nothing since 12 Nov
		}
		self.assertEqual(self.ours(), expected)
		count = frappe.db.count(alerts.DOCTYPE)
		again = alerts.run(TODAY)
		self.assertEqual((frappe.db.count(alerts.DOCTYPE), again["created"]), (count, 0))
		supply = frappe.get_doc(alerts.DOCTYPE, {"rule": rules.SELL_OUT_ABOVE_SUPPLY, "distributor": "CAL-C"})
		self.assertEqual(
			(supply.period_start, supply.period_end, supply.measured, supply.threshold),
			(date(2026, 11, 1), date(2026, 11, 30), 8.0, 0.0),
		)
		claim = frappe.get_doc(alerts.DOCTYPE, {"rule": rules.CLAIM_ABOVE_LEDGER, "distributor": "CAL-A"})
		self.assertEqual((claim.measured, claim.threshold), (100.0, 60.0))

	def test_a_stock_reconciliation_shows_as_adjusted_in_sell_in_vs_sell_out(self):
		# it posts no quantity of its own (actual_qty 0), only the new balance
		result = run(
			"Sell-in vs Sell-out",
			{"from_date": "2026-11-01", "to_date": "2026-11-30", "distributor": "CAL-C"},
		)
		[row] = result["result"]
		self.assertEqual(
			[row[f] for f in ("opening", "received", "sold", "returned", "adjusted", "closing")],
			[0.0, 0.0, 8.0, 0.0, 10.0, 2.0],
		)

	def test_an_alert_is_resolved_with_a_reason_and_its_finding_stays_as_found(self):
		alerts.run(TODAY)
		alert = frappe.get_doc(alerts.DOCTYPE, {"rule": rules.DEAD_STOCK, "distributor": "CAL-B"})
		alert.status = "Resolved"
		with self.assertRaisesRegex(frappe.ValidationError, "Say how the alert was resolved"):
			alert.save()
		alert.reload()
		alert.status, alert.resolution = "Resolved", "Stock moved to CAL-A."
		alert.save()
		alert.reload()
		alert.message = "nothing to see"
		with self.assertRaisesRegex(frappe.ValidationError, "Only the status and resolution"):
			alert.save()
		# resolved, it is not raised again by the next run
		self.assertEqual(alerts.run(TODAY)["created"], 0)

	def test_a_regional_manager_sees_the_alerts_of_their_territories_only(self):
		alerts.run(TODAY)
		mine = as_user(
			self.east_manager,
			frappe.get_list,
			alerts.DOCTYPE,
			filters={"distributor": ["like", "CAL-%"]},
			pluck="distributor",
		)
		self.assertEqual(set(mine), {"CAL-A"})
		other = frappe.get_value(alerts.DOCTYPE, {"distributor": "CAL-B"})
		self.assertFalse(as_user(self.east_manager, frappe.has_permission, alerts.DOCTYPE, "read", other))
		with self.assertRaises(frappe.PermissionError):
			as_user(self.east_manager, alerts.run_now)

	def test_run_now_queues_one_job_that_reports_progress_and_its_end(self):
		manager = make_user("cal-dms-manager@dms.test", roles=("DMS Manager",))
		with (
			patch("frappe.utils.background_jobs.is_job_enqueued", return_value=False),  # not the site's queue
			patch.object(frappe, "enqueue") as enqueue,
		):
			answer = as_user(manager, alerts.run_now)
		self.assertTrue(answer["queued"])
		method, kwargs = enqueue.call_args.args[0], enqueue.call_args.kwargs
		self.assertEqual(method, "dms_app.channel_analytics.alerts.run_job")
		self.assertEqual(
			(kwargs["job_id"], kwargs["deduplicate"], kwargs["user"]), (alerts.JOB_ID, True, manager)
		)
		with patch("frappe.utils.background_jobs.is_job_enqueued", return_value=True):  # one at a time
			self.assertFalse(as_user(manager, alerts.run_now)["queued"])
		with (
			patch.object(frappe, "publish_progress") as progress,
			patch.object(frappe, "publish_realtime") as done,
			patch.object(frappe.db, "commit"),
		):
			result = alerts.run_job(user=manager)
		self.assertEqual([c.args[0] for c in progress.call_args_list][-1], 100)
		self.assertEqual(done.call_args.args[:2], ("dms_channel_alerts_done", result))
		self.assertEqual(done.call_args.kwargs["user"], manager)
