# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The Place Order page, its catalogue and place_order, and receipt confirmation on the order's page.

Two distributors, A and B (dms_app.tests.factories.make_portal_dataset): A's catalogue holds A's stock, sell-out
and orders only; A cannot order for B, see B's stock or confirm B's dispatch by changing the URL or the
payload; bad carts are refused with nothing written.
"""

import json
import math
from urllib.parse import unquote

import frappe
from frappe.handler import execute_cmd
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, cint, set_request

from dms_app.core.primary_order import PENDING_STATES
from dms_app.distribution.settings import get_settings
from dms_app.portal import catalogue as cat
from dms_app.portal.test_portal import render
from dms_app.tests.factories import (
	act,
	approve_order,
	as_user,
	ensure_depot,
	make_item,
	make_portal_dataset,
	make_primary_order,
	make_user,
	receive_stock,
)

PLACE = "dms_app.portal.catalogue.place_order"
CATALOGUE = "dms_app.portal.catalogue.get_catalogue"
CONFIRM = "dms_app.api.primary_orders.confirm_receipt"


def call(method: str, user: str, http: str = "POST", **params):
	"""``method`` called as /api/method/... calls it for ``user``, with ``params`` as the request's form."""
	frappe.set_user(user)
	try:
		set_request(method=http, path=f"/api/method/{method}")
		frappe.local.form_dict = frappe._dict(params)
		frappe.local.response = frappe._dict({"docs": []})
		return execute_cmd(method)
	finally:
		frappe.set_user("Administrator")


def place(user: str, lines, **params):
	return call(PLACE, user, lines=json.dumps(lines) if not isinstance(lines, str) else lines, **params)


def orders_of(distributor: str) -> tuple[int, int]:
	"""(orders, order lines) of ``distributor``: what a refused order must leave unchanged."""
	names = frappe.get_all("Material Request", filters={"distributor": distributor}, pluck="name")
	lines = frappe.db.count("Material Request Item", {"parent": ["in", names or [""]]})
	return len(names), lines


def dispatched_order(user: str, dist, lines, approver: str) -> tuple[str, str]:
	"""An order of ``dist`` placed by ``user``, approved and dispatched (in transit): (order, dispatch)."""
	order = as_user(user, make_primary_order, dist, lines)
	act(user, order, "Submit for Approval")
	order = approve_order(order, approver)
	dispatch = frappe.get_all(
		"Stock Entry Detail",
		filters={"material_request": order.name, "parenttype": "Stock Entry", "docstatus": 0},
		pluck="parent",
	)[0]
	act(approver, frappe.get_doc("Stock Entry", dispatch), "Dispatch")
	return order.name, dispatch


class TestPlaceOrder(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.d = d = make_portal_dataset("PO7")
		cls.soap, cls.tea, cls.oil = d.item_codes
		# territories: A sells in PO7-South, under PO7-India
		root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["is", "not set"]})
		for name, parent, group in (
			("PO7-India", root, 1),
			("PO7-South", "PO7-India", 0),
			("PO7-East", "PO7-India", 0),
		):
			if not frappe.db.exists("Territory", name):
				frappe.get_doc(
					{
						"doctype": "Territory",
						"territory_name": name,
						"parent_territory": parent,
						"is_group": group,
					}
				).insert()
		frappe.db.set_value("Distributor", d.a.name, "territory", "PO7-South")
		cls.east_only = make_item(
			"PO7-GHEE", price=300, item_name="PO7 Ghee", dms_territories=[{"territory": "PO7-East"}]
		)
		cls.india = make_item(
			"PO7-RICE", price=80, item_name="PO7 Basmati Rice", dms_territories=[{"territory": "PO7-India"}]
		)
		cls.no_price = make_item("PO7-SALT", item_name="PO7 Salt")
		cls.disabled = make_item("PO7-OLD", price=5, item_name="PO7 Old Stock", disabled=1)
		# A has traded for longer than the sell-out window; its own norm is 600 days of cover
		frappe.db.set_value("Distributor", d.a.name, "creation", add_days(d.today, -400))
		frappe.db.set_value("Distributor", d.a.name, "days_of_cover", 600)
		cls.window = cint(get_settings().get("sell_out_window_days")) or cat.DEFAULT_WINDOW_DAYS
		cls.cover = cint(get_settings().get("days_of_cover")) or cat.DEFAULT_COVER_DAYS

	def rows(self, distributor, **kwargs) -> dict:
		return {r.item_code: r for r in cat.catalogue(distributor, q="PO7-", limit=500, **kwargs).rows}

	def test_catalogue_of_a_holds_its_own_prices_stock_sell_out_and_suggestion(self):
		d = self.d
		result = cat.catalogue(d.a.name, q="PO7-", limit=500)
		rows = {r.item_code: r for r in result.rows}
		self.assertEqual(set(rows), {self.soap, self.tea, self.oil, self.india})
		self.assertEqual(
			(result.cover_days, result.window_days, result.history_days), (600, self.window, self.window)
		)
		soap = rows[self.soap]
		self.assertEqual((soap.rate, soap.on_hand, soap.sold, soap.in_transit), (100, 16, 3, 0))
		# the draft order is not on order until it is sent for approval
		self.assertEqual(soap.on_order, 0)
		# 3 sold over the window, 600 days of cover: 3 / window * 600, less the 16 on hand
		expected = math.ceil(3 / self.window * 600 - 16)
		self.assertEqual(soap.suggested_qty, expected)
		self.assertEqual(
			(rows[self.tea].rate, rows[self.tea].on_hand, rows[self.tea].suggested_qty), (50, 8, 0)
		)
		# B's oil: A may order it, and sees its own stock of it (none), not B's
		oil = rows[self.oil]
		self.assertEqual((oil.rate, oil.on_hand, oil.sold, oil.suggested_qty), (200, 0, 0, 0))
		# items with a suggestion first
		self.assertEqual(result.rows[0].item_code, self.soap)

	def test_young_distributor_is_averaged_over_its_days(self):
		# B was created today and first moved stock today: its 2 sold are one day's sales
		rows = self.rows(self.d.b.name)
		oil = rows[self.oil]
		self.assertEqual((oil.on_hand, oil.sold), (5, 2))
		self.assertEqual(oil.suggested_qty, max(2 * self.cover - 5 - oil.on_order, 0))
		self.assertEqual(rows[self.soap].on_hand, 0)

	def test_catalogue_leaves_out_what_cannot_be_ordered(self):
		rows = self.rows(self.d.a.name)
		self.assertNotIn(self.east_only, rows)  # sold in another territory
		self.assertIn(self.india, rows)  # sold in A's territory's parent
		self.assertNotIn(self.no_price, rows)
		self.assertNotIn(self.disabled, rows)
		# B has no territory: territory-limited items are not for it
		self.assertNotIn(self.india, self.rows(self.d.b.name))

	def test_search_is_by_code_name_or_group_and_limited(self):
		a = self.d.a.name
		self.assertEqual([r.item_code for r in cat.catalogue(a, q="neem soap").rows], [self.soap])
		self.assertEqual([r.item_code for r in cat.catalogue(a, q="po7-tea").rows], [self.tea])
		by_group = {r.item_code for r in cat.catalogue(a, q="PO7-", limit=500).rows}
		self.assertTrue(by_group <= {r.item_code for r in cat.catalogue(a, q="Products", limit=2000).rows})
		# LIKE wildcards in the search are taken literally
		self.assertEqual(cat.catalogue(a, q="PO7_").rows, [])
		self.assertEqual(cat.catalogue(a, q="%").total, 0)
		page = cat.catalogue(a, q="PO7-", start=1, limit=2)
		self.assertEqual((page.total, len(page.rows), page.start, page.limit), (4, 2, 1, 2))
		self.assertEqual(cat.catalogue(a, limit=10_000).limit, cat.MAX_LIMIT)

	def test_place_order_sends_an_order_for_approval_with_the_right_lines(self):
		d = self.d
		result = place(
			d.a_user,
			[
				{"item_code": self.soap, "qty": 5},
				{"item_code": self.tea, "qty": 2},
				{"item_code": self.soap, "qty": 1},
			],
		)
		order = frappe.get_doc("Material Request", result["name"])
		self.assertEqual(result["url"], f"/dms/orders/view?name={order.name}")
		self.assertEqual((order.distributor, order.owner, order.docstatus), (d.a.name, d.a_user, 0))
		self.assertIn(order.workflow_state, PENDING_STATES)
		self.assertEqual(result["workflow_state"], order.workflow_state)
		self.assertEqual(
			[(i.item_code, i.qty, i.rate, i.warehouse) for i in order.items],
			[(self.soap, 6, 100, d.a.warehouse), (self.tea, 2, 50, d.a.warehouse)],
		)
		self.assertEqual(order.dms_order_value, 700)
		self.assertEqual(
			[(a.state, a.next_state) for a in order.dms_approvals], [("Draft", order.workflow_state)]
		)
		# now on order in the catalogue
		self.assertEqual(self.rows(d.a.name)[self.soap].on_order, 6)
		# and awaiting approval on its page
		status, html, _r = render("/dms/orders/view", d.a_user, name=order.name)
		self.assertEqual(status, 200)
		self.assertIn('data-dms-stage="pending"', html)

	def test_bad_orders_are_refused_and_nothing_is_written(self):
		d = self.d
		before = orders_of(d.a.name)
		cases = [
			([], "Add at least one item"),
			([{"item_code": self.soap, "qty": 0}], "greater than zero"),
			([{"item_code": self.soap, "qty": -2}], "greater than zero"),
			([{"item_code": self.soap, "qty": "many"}], "greater than zero"),
			([{"qty": 1}], "needs an item code"),
			("[{not json", "could not be read"),
			('{"item_code": "x"}', "could not be read"),
			([{"item_code": self.soap, "qty": 1}, {"item_code": "PO7-NO-SUCH", "qty": 1}], "No such item"),
			([{"item_code": self.soap, "qty": 1}, {"item_code": self.east_only, "qty": 1}], "cannot order"),
			([{"item_code": self.no_price, "qty": 1}], "cannot order"),
			([{"item_code": self.disabled, "qty": 1}], "cannot order"),
		]
		for lines, message in cases:
			with self.subTest(lines=lines), self.assertRaisesRegex(frappe.ValidationError, message):
				place(d.a_user, lines)
		self.assertEqual(orders_of(d.a.name), before)

	def test_an_order_the_order_rules_refuse_leaves_nothing_behind(self):
		# the distributor is put on hold: the order's own checks refuse it after the lines passed
		d = self.d
		before = orders_of(d.a.name)
		frappe.db.set_value("Distributor", d.a.name, "status", "On Hold")
		try:
			with self.assertRaisesRegex(frappe.ValidationError, "active distributors only"):
				place(d.a_user, [{"item_code": self.soap, "qty": 1}])
		finally:
			frappe.db.set_value("Distributor", d.a.name, "status", "Active")
		self.assertEqual(orders_of(d.a.name), before)

	def test_a_cannot_order_for_b_or_see_bs_catalogue(self):
		d = self.d
		before = orders_of(d.b.name), orders_of(d.a.name)
		with self.assertRaisesRegex(frappe.PermissionError, "your own distributor"):
			place(d.a_user, [{"item_code": self.oil, "qty": 1}], distributor=d.b.name)
		self.assertEqual((orders_of(d.b.name), orders_of(d.a.name)), before)
		with self.assertRaises(frappe.PermissionError):
			call(CATALOGUE, d.a_user, http="GET", distributor=d.b.name)
		# A's own catalogue through the API shows A's stock of oil (none), not B's
		rows = {r.item_code: r for r in call(CATALOGUE, d.a_user, http="GET", q="PO7-").rows}
		self.assertEqual(rows[self.oil].on_hand, 0)
		status, html, _r = render("/dms/orders/new", d.a_user, distributor=d.b.name)
		self.assertEqual(status, 403)
		self.assertNotIn(d.b.distributor_name, html)

	def test_guest_and_users_of_no_distributor_are_refused(self):
		plain = make_user("po7-nobody@dms.test")
		unlinked = make_user("po7-unlinked@dms.test", roles=("Distributor",))
		for user in ("Guest", plain, unlinked):
			with self.subTest(user=user), self.assertRaises(frappe.PermissionError):
				place(user, [{"item_code": self.soap, "qty": 1}])
		status, _html, response = render("/dms/orders/new", "Guest")
		self.assertEqual(status, 302)
		self.assertEqual(unquote(response.headers["Location"]), "/login?redirect-to=/dms/orders/new")
		for user in (plain, unlinked):
			status, html, _r = render("/dms/orders/new", user)
			self.assertEqual(status, 403)
			self.assertIn("Your user is not linked to a distributor.", html)

	def test_oem_staff_order_for_the_distributor_they_name(self):
		d = self.d
		result = place(d.approver, [{"item_code": self.oil, "qty": 1}], distributor=d.b.name)
		order = frappe.get_doc("Material Request", result["name"])
		self.assertEqual((order.distributor, order.owner), (d.b.name, d.approver))
		self.assertIn(order.workflow_state, PENDING_STATES)
		self.assertEqual(result["url"], f"/dms/orders/view?name={order.name}&distributor={d.b.name}")

	def test_page_shows_the_catalogue_search_and_cart(self):
		d = self.d
		status, html, _r = render("/dms/orders/new", d.a_user, q="PO7-")
		self.assertEqual(status, 200)
		self.assertIn("data-dms-catalogue", html)
		self.assertIn(f'data-item="{self.soap}" data-rate="100.0"', html)
		self.assertIn(f'data-item="{self.india}"', html)
		self.assertNotIn(self.east_only, html)
		self.assertIn("data-dms-use", html)
		self.assertIn("data-dms-cart", html)
		self.assertNotIn(d.b.distributor_name, html)
		status, html, _r = render("/dms/orders/new", d.a_user, q="Neem")
		self.assertIn(f'data-item="{self.soap}"', html)
		self.assertNotIn(f'data-item="{self.tea}"', html)
		status, html, _r = render("/dms/orders/new", d.a_user, q="PO7-NOTHING")
		self.assertIn("data-dms-empty", html)
		self.assertNotIn("Traceback", html)

	def test_the_orderable_list_is_kept_until_an_item_or_price_changes(self):
		dist = cat._distributor(self.d.a.name)
		price_list = dist.default_price_list or get_settings().default_price_list
		kept = cat._orderable(dist, price_list)
		self.assertIn(self.soap, kept)
		self.assertIs(cat._orderable(dist, price_list), kept)  # read once, then from memory
		# a new priced item is there at once (the change forgets the kept list)...
		honey = make_item("KEPT-HONEY", price=120, item_name="Kept Honey")
		jam = make_item("KEPT-JAM", price=90, item_name="Kept Jam")
		self.assertTrue({honey, jam} <= set(cat._orderable(dist, price_list)))
		# ... and gone at once when its price is deleted or it is disabled
		frappe.delete_doc("Item Price", frappe.db.get_value("Item Price", {"item_code": honey}))
		item = frappe.get_doc("Item", jam)
		item.disabled = 1
		item.save()
		kept = cat._orderable(dist, price_list)
		self.assertNotIn(honey, kept)
		self.assertNotIn(jam, kept)
		self.assertIn(self.soap, kept)
		status, html, _r = render("/dms/orders/new", self.d.a_user, page=1)
		self.assertEqual(status, 200)
		self.assertNotIn(f'data-item="{jam}"', html)
		for code in (honey, jam):
			frappe.delete_doc("Item", code, force=True)
		self.assertNotIn(jam, cat._orderable(dist, price_list))


class TestReceiptConfirmation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.d = d = make_portal_dataset("PO7R")
		cls.soap, cls.tea, cls.oil = d.item_codes
		depot = ensure_depot()
		receive_stock(cls.oil, depot, 20, rate=150)
		receive_stock(cls.tea, depot, 20, rate=30)
		cls.a_order, cls.a_dispatch = dispatched_order(d.a_user, d.a, [(cls.soap, 6)], d.approver)
		cls.b_order, cls.b_dispatch = dispatched_order(d.b_user, d.b, [(cls.oil, 3)], d.approver)

	def test_in_transit_dispatch_shows_a_receipt_form_and_counts_in_the_catalogue(self):
		d = self.d
		status, html, _r = render("/dms/orders/view", d.a_user, name=self.a_order)
		self.assertEqual(status, 200)
		self.assertIn(f'data-dms-receipt="{self.a_dispatch}"', html)
		self.assertIn('data-dms-stage="in_transit"', html)
		self.assertIn(f'data-item="{self.soap}" data-pending="6.0"', html)
		soap = {r.item_code: r for r in cat.catalogue(d.a.name, q="PO7R", limit=500).rows}[self.soap]
		self.assertEqual((soap.in_transit, soap.on_order), (6, 0))
		# the received order of the data set has no form
		status, html, _r = render("/dms/orders/view", d.a_user, name=d.a_approved)
		self.assertNotIn('data-dms-receipt="', html)

	def test_approved_order_not_yet_dispatched_is_on_order(self):
		d = self.d
		order = as_user(d.a_user, make_primary_order, d.a, [(self.tea, 4)])
		act(d.a_user, order, "Submit for Approval")
		approve_order(order, d.approver)
		tea = {r.item_code: r for r in cat.catalogue(d.a.name, q="PO7R", limit=500).rows}[self.tea]
		self.assertEqual((tea.on_order, tea.in_transit), (4, 0))

	def test_a_cannot_confirm_bs_dispatch(self):
		d = self.d
		with self.assertRaises(frappe.PermissionError):
			call(CONFIRM, d.a_user, dispatch=self.b_dispatch)
		self.assertFalse(frappe.db.exists("Stock Entry", {"outgoing_stock_entry": self.b_dispatch}))
		# nor see its form through A's portal
		status, html, _r = render("/dms/orders/view", d.a_user, name=self.b_order)
		self.assertEqual(status, 404)
		self.assertNotIn(self.b_dispatch, html)

	def test_short_receipt_needs_a_reason_then_posts_what_arrived(self):
		d = self.d
		with self.assertRaisesRegex(frappe.ValidationError, "reason for the shortage"):
			call(CONFIRM, d.a_user, dispatch=self.a_dispatch, received=json.dumps({self.soap: 4}))
		self.assertFalse(frappe.db.exists("Stock Entry", {"outgoing_stock_entry": self.a_dispatch}))

		receipt = call(
			CONFIRM,
			d.a_user,
			dispatch=self.a_dispatch,
			received=json.dumps({self.soap: 4}),
			reason="2 cartons crushed <script>alert(1)</script>",
		)
		# (Frappe stores markup typed into a text field escaped)
		self.assertTrue(
			frappe.db.get_value("Stock Entry", receipt, "dms_shortage_reason").startswith("2 cartons crushed")
		)
		status, html, _r = render("/dms/orders/view", d.a_user, name=self.a_order)
		self.assertEqual(status, 200)
		self.assertIn('data-dms-stage="partly_received"', html)
		# what the user typed is shown as text, not markup
		self.assertIn("2 cartons crushed &", html)
		self.assertNotIn("<script>alert(1)", html)
		self.assertRegex(html, rf"{self.soap}: 4\b")  # the receipt's lines in the timeline
		# the 2 still in transit can be received later
		self.assertIn(f'data-item="{self.soap}" data-pending="2.0"', html)

		# then the rest arrives: received in full
		call(CONFIRM, d.a_user, dispatch=self.a_dispatch)
		_status, html, _r = render("/dms/orders/view", d.a_user, name=self.a_order)
		self.assertIn('data-dms-stage="received"', html)
		self.assertNotIn('data-dms-receipt="', html)
		soap = {r.item_code: r for r in cat.catalogue(d.a.name, q="PO7R", limit=500).rows}[self.soap]
		self.assertEqual((soap.on_hand, soap.in_transit), (16 + 6, 0))

	def test_full_receipt_of_bs_dispatch_by_b(self):
		d = self.d
		receipt = call(CONFIRM, d.b_user, dispatch=self.b_dispatch)
		self.assertTrue(receipt)
		_status, html, _r = render("/dms/orders/view", d.b_user, name=self.b_order)
		self.assertIn('data-dms-stage="received"', html)
		self.assertRegex(html, rf"{self.oil}: 3\b")
