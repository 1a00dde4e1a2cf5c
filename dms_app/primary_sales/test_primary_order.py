# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Primary orders through the "DMS Primary Order" workflow, acted on by real users and roles."""

import json
import threading

import frappe
from frappe.model.workflow import WorkflowTransitionError, apply_workflow
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from dms_app.api.primary_orders import acknowledge_order, override_credit_limit, pending_approvals
from dms_app.core.primary_order import APPROVED, OEM_CONFIRMATION, REJECTED, pending_state
from dms_app.distributor_account.ledger import CreditLimitError
from dms_app.primary_sales.orders import ConcurrentApprovalError
from dms_app.primary_sales.report.primary_order_approval_time.primary_order_approval_time import (
	execute as approval_time_report,
)
from dms_app.primary_sales.sla import remind_and_escalate
from dms_app.tests.factories import (
	act,
	as_user,
	ensure_depot,
	ensure_outgoing_email_account,
	make_distributor,
	make_item,
	make_primary_order,
	make_user,
)

ASM, RSM, DMS = "Area Sales Manager", "Regional Sales Manager", "DMS Manager"
ITEM = "T-PO-ITEM"  # priced at 1,000


class TestPrimaryOrderApproval(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		make_item(ITEM, price=1000)
		cls.asm = make_user("t-po-asm@dms.test", roles=(ASM,))
		cls.asm2 = make_user("t-po-asm2@dms.test", roles=(ASM,))
		cls.rsm = make_user("t-po-rsm@dms.test", roles=(RSM,))
		cls.manager = make_user("t-po-dmsm@dms.test", roles=(DMS,))
		cls.portal = make_user("t-po-dist@dms.test")
		cls.dist = make_distributor("T-PO-1", portal_users=[{"user": cls.portal}])
		frappe.db.delete("DMS Approval Rule")
		for level, minimum in ((ASM, 0), (RSM, 500_000), (DMS, 500_000)):
			frappe.get_doc(
				{"doctype": "DMS Approval Rule", "level": level, "min_order_value": minimum}
			).insert()
		frappe.db.set_single_value("DMS Settings", "require_oem_confirmation", 1)

	def order(self, qty):
		order = as_user(self.portal, make_primary_order, self.dist, [(ITEM, qty)])
		act(self.portal, order, "Submit for Approval")
		return frappe.get_doc("Material Request", order.name)

	def test_small_order_passes_one_level(self):
		order = self.order(10)  # 10,000
		self.assertEqual(order.dms_order_value, 10_000)
		self.assertEqual([s["level"] for s in json.loads(order.dms_approval_route)], [ASM])
		self.assertEqual(order.workflow_state, pending_state(ASM))
		self.assertEqual(
			order.set_from_warehouse, frappe.db.get_single_value("DMS Settings", "oem_depot_warehouse")
		)
		self.assertEqual(order.set_warehouse, self.dist.warehouse)

		frappe.db.set_value("Material Request", order.name, "dms_approval_comment", "Regular monthly order")
		act(self.asm, order, "Approve")
		self.assertEqual(
			frappe.db.get_value("Material Request", order.name, "workflow_state"), OEM_CONFIRMATION
		)
		act(self.manager, order, "Confirm")
		order.reload()
		self.assertEqual((order.workflow_state, order.docstatus), (APPROVED, 1))
		self.assertEqual(
			[(row.state, row.next_state, row.user, row.comment) for row in order.dms_approvals],
			[
				("Draft", pending_state(ASM), self.portal, None),
				(pending_state(ASM), OEM_CONFIRMATION, self.asm, "Regular monthly order"),
				(OEM_CONFIRMATION, APPROVED, self.manager, None),
			],
		)
		self.assertTrue(all(row.at for row in order.dms_approvals))
		self.assertFalse(order.dms_approval_comment)

	def test_oem_erp_acknowledges_or_rejects(self):
		integration = make_user("t-po-erp@dms.test", roles=("DMS Integration",))
		accepted, refused = self.order(10), self.order(10)
		for order in (accepted, refused):
			act(self.asm, order, "Approve")

		with self.assertRaises(frappe.PermissionError):
			as_user(self.asm, acknowledge_order, accepted.name, True)
		result = as_user(integration, acknowledge_order, accepted.name, True, "SAP-4711")
		self.assertEqual(result["state"], APPROVED)
		self.assertEqual(
			frappe.db.get_value("Material Request", accepted.name, ["docstatus", "dms_erp_reference"]),
			(1, "SAP-4711"),
		)
		self.assertEqual(
			as_user(integration, acknowledge_order, accepted.name, True)["state"], APPROVED
		)  # repeat: no-op

		with self.assertRaisesRegex(frappe.ValidationError, "reason"):
			as_user(integration, acknowledge_order, refused.name, False)
		as_user(integration, acknowledge_order, refused.name, False, None, "Distributor blocked in SAP")
		self.assertEqual(
			frappe.db.get_value("Material Request", refused.name, ["workflow_state", "dms_rejection_reason"]),
			(REJECTED, "Distributor blocked in SAP"),
		)
		with self.assertRaisesRegex(frappe.ValidationError, "not waiting for OEM confirmation"):
			as_user(integration, acknowledge_order, refused.name, True)

	def test_large_order_passes_three_levels(self):
		order = self.order(600)  # 600,000
		for user, next_state in (
			(self.asm, pending_state(RSM)),
			(self.rsm, pending_state(DMS)),
			(self.manager, OEM_CONFIRMATION),
		):
			act(user, order, "Approve")
			self.assertEqual(
				frappe.db.get_value("Material Request", order.name, "workflow_state"), next_state
			)

	def test_oem_confirmation_can_be_switched_off(self):
		frappe.db.set_single_value("DMS Settings", "require_oem_confirmation", 0)
		try:
			order = self.order(1)
			act(self.asm, order, "Approve")
			self.assertEqual(frappe.db.get_value("Material Request", order.name, "docstatus"), 1)
		finally:
			frappe.db.set_single_value("DMS Settings", "require_oem_confirmation", 1)

	def test_wrong_role_cannot_approve(self):
		order = self.order(10)
		for user in (self.rsm, self.manager, self.portal):
			with self.subTest(user=user), self.assertRaises(WorkflowTransitionError):
				act(user, order, "Approve")
		self.assertEqual(
			frappe.db.get_value("Material Request", order.name, "workflow_state"), pending_state(ASM)
		)

	def test_named_approver_only(self):
		rule = frappe.get_last_doc("DMS Approval Rule", filters={"level": ASM})
		rule.approver = self.asm2
		rule.save()
		try:
			order = self.order(10)
			self.assertEqual(order.dms_approver, self.asm2)
			with self.assertRaises(WorkflowTransitionError):
				act(self.asm, order, "Approve")
			act(self.asm2, order, "Approve")
		finally:
			rule.approver = None
			rule.save()

	def test_rejection_needs_a_reason(self):
		order = self.order(10)
		with self.assertRaisesRegex(frappe.ValidationError, "Rejection Reason"):
			act(self.asm, order, "Reject")
		frappe.db.set_value(
			"Material Request", order.name, "dms_rejection_reason", "Duplicate of last week's order"
		)
		act(self.asm, order, "Reject")
		order.reload()
		self.assertEqual(order.workflow_state, REJECTED)
		self.assertEqual(order.dms_approvals[-1].comment, "Duplicate of last week's order")

	def test_approving_from_a_stale_copy_is_refused(self):
		order = self.order(600)
		stale = frappe.get_doc("Material Request", order.name)  # a second browser tab
		act(self.asm, order, "Approve")
		stale.workflow_state = pending_state(RSM)
		with self.assertRaises((ConcurrentApprovalError, frappe.TimestampMismatchError)):
			as_user(self.asm, stale.save)
		self.assertEqual(len(frappe.get_doc("Material Request", order.name).dms_approvals), 2)

	def test_each_approver_sees_only_orders_waiting_for_them(self):
		small, large = self.order(10), self.order(600)
		mine = lambda user: {row.name for row in as_user(user, pending_approvals)}  # noqa: E731
		self.assertTrue({small.name, large.name} <= mine(self.asm))
		self.assertFalse({small.name, large.name} & mine(self.rsm))
		act(self.asm, large, "Approve")
		self.assertIn(large.name, mine(self.rsm))
		self.assertNotIn(large.name, mine(self.asm))
		self.assertEqual(as_user(self.portal, pending_approvals), [])

	def test_report_shows_time_in_each_level(self):
		order = self.order(600)
		act(self.asm, order, "Approve")
		columns, data = approval_time_report({"distributor": self.dist.name})
		row = next(r for r in data if r["name"] == order.name)
		self.assertEqual(row["workflow_state"], pending_state(RSM))
		self.assertGreaterEqual(row[frappe.scrub(pending_state(ASM))], 0)
		self.assertGreaterEqual(row[frappe.scrub(pending_state(RSM))], 0)  # still open, counted to now
		self.assertIsNone(row[frappe.scrub(pending_state(DMS))])
		self.assertIn(frappe.scrub(OEM_CONFIRMATION), {c["fieldname"] for c in columns})

	def test_credit_limit_blocks_an_order_unless_a_dms_manager_overrides(self):
		dist = make_distributor("T-PO-CREDIT", credit_limit=15_000, portal_users=[{"user": self.portal}])
		first = as_user(self.portal, make_primary_order, dist, [(ITEM, 10)])
		for user, action in (
			(self.portal, "Submit for Approval"),
			(self.asm, "Approve"),
			(self.manager, "Confirm"),
		):
			act(user, first, action)
		second = as_user(self.portal, make_primary_order, dist, [(ITEM, 10)])
		# refused as it would enter approval: 10,000 approved and not invoiced leaves 5,000 of 15,000
		with self.assertRaisesRegex(CreditLimitError, "over the available credit"):
			act(self.portal, second, "Submit for Approval")
		self.assertIn(frappe.db.get_value("Material Request", second.name, "workflow_state"), (None, "Draft"))
		with self.assertRaises(frappe.PermissionError):
			as_user(self.asm, override_credit_limit, second.name, "I know them")
		with self.assertRaisesRegex(frappe.ValidationError, "reason"):
			as_user(self.manager, override_credit_limit, second.name, "  ")

		as_user(self.manager, override_credit_limit, second.name, "Festive stock-up, payment promised")
		act(self.portal, second, "Submit for Approval")
		act(self.asm, second, "Approve")
		self.assertEqual(
			frappe.db.get_value("Material Request", second.name, "workflow_state"), OEM_CONFIRMATION
		)

	def test_sla_job_reminds_once_and_escalates_past_the_sla(self):
		ensure_outgoing_email_account()
		order = self.order(10)
		queued = lambda: frappe.get_all(  # noqa: E731
			"Email Queue", filters={"reference_name": order.name}, pluck="name"
		)
		remind_and_escalate()
		self.assertEqual(len(queued()), 1)  # the reminder to the Area Sales Managers
		remind_and_escalate()
		self.assertEqual(len(queued()), 1)  # not twice

		frappe.db.set_value(
			"Material Request", order.name, "dms_state_since", add_to_date(now_datetime(), hours=-25)
		)
		remind_and_escalate()
		self.assertEqual(len(queued()), 2)  # escalated to the Regional Sales Managers
		recipients = frappe.get_all(
			"Email Queue Recipient", filters={"parent": ["in", queued()]}, pluck="recipient"
		)
		self.assertIn(self.rsm, recipients)
		self.assertTrue(frappe.db.get_value("Material Request", order.name, "dms_escalated_at"))

		act(self.asm, order, "Approve")  # moving on clears the markers
		self.assertFalse(frappe.db.get_value("Material Request", order.name, "dms_escalated_at"))


class TestPrimaryOrderInput(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		make_item(ITEM, price=1000)
		cls.dist = make_distributor("T-PO-IN-1")
		cls.other = make_distributor("T-PO-IN-2")

	def assertRefused(self, message, lines, **fields):
		before = frappe.db.count("Material Request")
		with self.assertRaisesRegex(frappe.ValidationError, message):
			make_primary_order(self.dist, lines, **fields)
		self.assertEqual(frappe.db.count("Material Request"), before)

	def test_zero_or_negative_quantity(self):
		self.assertRefused("cannot be zero|greater than zero", [(ITEM, 0)])
		self.assertRefused("cannot be zero|greater than zero", [(ITEM, -3)])

	def test_disabled_item(self):
		make_item("T-PO-DISABLED", price=10, disabled=1)
		self.assertRefused("disabled", [("T-PO-DISABLED", 1)])

	def test_item_without_price(self):
		make_item("T-PO-NOPRICE")
		self.assertRefused("No price", [("T-PO-NOPRICE", 1)])

	def test_target_warehouse_of_another_distributor(self):
		self.assertRefused("not a warehouse of distributor", [(ITEM, 1)], set_warehouse=self.other.warehouse)

	def test_item_not_sold_in_the_distributors_territory(self):
		root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["is", "not set"]})
		for name in ("T-PO-East", "T-PO-South"):
			if not frappe.db.exists("Territory", name):
				frappe.get_doc(
					{"doctype": "Territory", "territory_name": name, "parent_territory": root}
				).insert()
		make_item("T-PO-EAST-ONLY", price=10, dms_territories=[{"territory": "T-PO-East"}])
		south = make_distributor("T-PO-IN-4", territory="T-PO-South")
		east = make_distributor("T-PO-IN-5", territory="T-PO-East")
		with self.assertRaisesRegex(frappe.ValidationError, "not sold in territory"):
			make_primary_order(south, [("T-PO-EAST-ONLY", 1)])
		self.assertTrue(make_primary_order(east, [("T-PO-EAST-ONLY", 1)]).name)

	def test_distributor_on_hold(self):
		held = make_distributor("T-PO-IN-3", status="On Hold")
		with self.assertRaisesRegex(frappe.ValidationError, "active distributors only"):
			make_primary_order(held, [(ITEM, 1)])


class TestConcurrentApproval(FrappeTestCase):
	"""Two approvals of the same level sent at once, each in its own request and database connection."""

	def test_two_simultaneous_approvals_move_the_order_once(self):
		ensure_depot()
		make_item(ITEM, price=1000)
		asm = make_user("t-po-race-asm@dms.test", roles=(ASM,))
		dist = make_distributor("T-PO-RACE")
		if not frappe.db.exists("DMS Approval Rule", {"level": ASM}):
			frappe.get_doc({"doctype": "DMS Approval Rule", "level": ASM}).insert()
		order = make_primary_order(dist, [(ITEM, 1)])
		apply_workflow(order, "Submit for Approval")
		frappe.db.commit()
		self.addCleanup(self._delete, order.name)

		site, sites_path = frappe.local.site, frappe.local.sites_path
		start = threading.Barrier(2)
		results = []

		def approve():
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			frappe.set_user(asm)
			try:
				doc = frappe.get_doc("Material Request", order.name)
				start.wait(timeout=10)
				apply_workflow(doc, "Approve")
				frappe.db.commit()
				results.append("approved")
			except Exception as e:
				frappe.db.rollback()
				results.append(type(e).__name__)
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=approve) for _ in range(2)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=60)

		self.assertEqual(results.count("approved"), 1, results)
		log = frappe.get_all(
			"DMS Approval Log", filters={"parent": order.name}, fields=["state", "next_state"], order_by="idx"
		)
		self.assertEqual([row.state for row in log], ["Draft", pending_state(ASM)])

	@staticmethod
	def _delete(name):
		frappe.delete_doc("Material Request", name, force=True, ignore_permissions=True)
		frappe.db.commit()


class TestOtherDocumentsKeepWorking(FrappeTestCase):
	"""The DMS workflows sit on every Material Request and Stock Entry of the site; documents that are
	not distributor orders keep a plain Submit for the stock and purchase roles."""

	def test_stock_user_submits_an_internal_request_and_a_receipt(self):
		depot = ensure_depot()
		make_item(ITEM, price=1000)
		user = make_user("t-po-stock@dms.test", roles=("Stock User", "Stock Manager"))
		schedule = add_to_date(now_datetime(), days=3).date()
		request = as_user(
			user,
			lambda: frappe.get_doc(
				{
					"doctype": "Material Request",
					"material_request_type": "Material Transfer",
					"schedule_date": schedule,
					"items": [{"item_code": ITEM, "qty": 2, "warehouse": depot, "schedule_date": schedule}],
				}
			).insert(),
		)
		as_user(user, apply_workflow, request, "Submit")
		self.assertEqual(frappe.db.get_value("Material Request", request.name, "docstatus"), 1)

		entry = as_user(
			user,
			lambda: frappe.get_doc(
				{
					"doctype": "Stock Entry",
					"stock_entry_type": "Material Receipt",
					"items": [{"item_code": ITEM, "qty": 1, "t_warehouse": depot, "basic_rate": 10}],
				}
			).insert(),
		)
		as_user(user, apply_workflow, entry, "Submit")
		self.assertEqual(
			frappe.db.get_value("Stock Entry", entry.name, ["docstatus", "workflow_state"]), (1, "Submitted")
		)
