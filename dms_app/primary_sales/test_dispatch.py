# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Approved order -> draft dispatch -> dispatched (in transit) -> received, full or short."""

import frappe
from frappe.model.workflow import apply_workflow
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from dms_app.api.primary_orders import confirm_receipt, make_dispatch
from dms_app.primary_sales.dispatch import create_dispatch
from dms_app.tests.factories import (
	act,
	as_user,
	ensure_depot,
	make_distributor,
	make_item,
	make_primary_order,
	make_user,
	receive_stock,
)

ITEM = "T-DSP-ITEM"


def stock(warehouse: str, item: str = ITEM) -> float:
	return flt(frappe.db.get_value("Bin", {"warehouse": warehouse, "item_code": item}, "actual_qty"))


class TestDispatch(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.depot = ensure_depot()
		make_item(ITEM, price=100)
		receive_stock(ITEM, cls.depot, 50)
		cls.asm = make_user("t-dsp-asm@dms.test", roles=("Area Sales Manager",))
		cls.manager = make_user("t-dsp-mgr@dms.test", roles=("DMS Manager",))
		cls.portal = make_user("t-dsp-dist@dms.test")
		cls.stranger = make_user("t-dsp-other@dms.test")
		cls.dist = make_distributor("T-DSP-1", portal_users=[{"user": cls.portal}])
		make_distributor("T-DSP-2", portal_users=[{"user": cls.stranger}])
		frappe.db.delete("DMS Approval Rule")
		frappe.get_doc({"doctype": "DMS Approval Rule", "level": "Area Sales Manager"}).insert()
		frappe.db.set_single_value("DMS Settings", "require_oem_confirmation", 1)

	def approved_order(self, qty):
		order = as_user(self.portal, make_primary_order, self.dist, [(ITEM, qty)])
		for user, action in (
			(self.portal, "Submit for Approval"),
			(self.asm, "Approve"),
			(self.manager, "Confirm"),
		):
			act(user, order, action)
		return frappe.get_doc("Material Request", order.name)

	def dispatches(self, order):
		return frappe.get_all(
			"Stock Entry Detail",
			filters={"material_request": order.name, "against_stock_entry": ["is", "not set"]},
			pluck="parent",
			distinct=True,
		)

	def test_approval_creates_exactly_one_draft_dispatch(self):
		order = self.approved_order(4)
		[name] = self.dispatches(order)
		entry = frappe.get_doc("Stock Entry", name)
		self.assertEqual((entry.docstatus, entry.add_to_transit, entry.distributor), (0, 1, self.dist.name))
		transit = entry.items[0].t_warehouse
		self.assertEqual(
			frappe.db.get_value("Warehouse", transit, ["warehouse_type", "distributor"]),
			("Transit", self.dist.name),
		)
		self.assertEqual(create_dispatch(order), name)  # a second call finds it
		self.assertEqual(self.dispatches(order), [name])

	def test_dispatch_is_released_only_through_the_workflow(self):
		order = self.approved_order(2)
		entry = frappe.get_doc("Stock Entry", self.dispatches(order)[0])
		with self.assertRaises(frappe.PermissionError):
			as_user(self.manager, entry.submit)

	def test_full_and_short_receipt(self):
		order = self.approved_order(10)
		entry = frappe.get_doc("Stock Entry", self.dispatches(order)[0])
		transit = entry.items[0].t_warehouse
		depot_before, transit_before, dist_before = (
			stock(self.depot),
			stock(transit),
			stock(self.dist.warehouse),
		)

		as_user(self.manager, apply_workflow, entry, "Dispatch")
		entry.reload()
		self.assertEqual((entry.docstatus, entry.workflow_state), (1, "Dispatched"))
		self.assertEqual(stock(self.depot), depot_before - 10)
		self.assertEqual(stock(transit), transit_before + 10)
		self.assertEqual(frappe.db.get_value("Material Request", order.name, "transfer_status"), "In Transit")

		with self.assertRaisesRegex(frappe.ValidationError, "reason for the shortage"):
			as_user(self.portal, confirm_receipt, entry.name, {ITEM: 7})
		with self.assertRaisesRegex(frappe.ValidationError, "still in transit"):
			as_user(self.portal, confirm_receipt, entry.name, {ITEM: 11})
		with self.assertRaises(frappe.PermissionError):
			as_user(self.stranger, confirm_receipt, entry.name)

		receipt = as_user(self.portal, confirm_receipt, entry.name, {ITEM: 7}, "3 cartons damaged in transit")
		self.assertEqual(
			frappe.db.get_value("Stock Entry", receipt, ["docstatus", "workflow_state"]), (1, "Received")
		)
		self.assertEqual(stock(self.dist.warehouse), dist_before + 7)
		self.assertEqual(stock(transit), transit_before + 3)
		self.assertEqual(
			frappe.db.get_value("Stock Entry", entry.name, "dms_shortage_reason"),
			"3 cartons damaged in transit",
		)
		self.assertEqual(frappe.db.get_value("Material Request", order.name, "transfer_status"), "In Transit")

		as_user(self.portal, confirm_receipt, entry.name)  # the rest turns up
		self.assertEqual(stock(self.dist.warehouse), dist_before + 10)
		self.assertEqual(stock(transit), transit_before)
		self.assertEqual(frappe.db.get_value("Material Request", order.name, "transfer_status"), "Completed")

	def test_partial_dispatch_then_the_rest(self):
		order = self.approved_order(10)
		first = frappe.get_doc("Stock Entry", self.dispatches(order)[0])
		first.items[0].qty = 6  # the depot ships what it can today
		first.save()
		as_user(self.manager, apply_workflow, first, "Dispatch")
		self.assertEqual(frappe.db.get_value("Material Request", order.name, "per_ordered"), 60)

		with self.assertRaises(frappe.PermissionError):
			as_user(self.asm, make_dispatch, order.name)
		second = as_user(self.manager, make_dispatch, order.name)
		self.assertNotEqual(second, first.name)
		self.assertEqual(frappe.db.get_value("Stock Entry Detail", {"parent": second}, "qty"), 4)
		self.assertEqual(as_user(self.manager, make_dispatch, order.name), second)  # the open draft again

		act(self.manager, frappe.get_doc("Stock Entry", second), "Dispatch")
		self.assertEqual(frappe.db.get_value("Material Request", order.name, "per_ordered"), 100)
		self.assertIsNone(as_user(self.manager, make_dispatch, order.name))  # nothing left to ship

	def test_depot_never_goes_negative(self):
		order = self.approved_order(100_000)
		entry = frappe.get_doc("Stock Entry", self.dispatches(order)[0])
		before = stock(self.depot)
		with self.assertRaisesRegex(frappe.ValidationError, "this dispatch needs"):
			as_user(self.manager, apply_workflow, entry, "Dispatch")
		self.assertEqual(stock(self.depot), before)
		self.assertEqual(frappe.db.get_value("Stock Entry", entry.name, "docstatus"), 0)
