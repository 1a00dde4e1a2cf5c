# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The distributor portal, rendered through Frappe's own page renderer as each user would get it.

Two distributors, A and B (dms_app.tests.factories.make_portal_dataset): A's user sees A's KPIs, stock and
orders only, whatever the URL or query says; B's order and B's stock are refused; a Guest is sent to the
login page; a user who is no distributor's user gets a clear page.
"""

import csv
import io
from unittest.mock import patch
from urllib.parse import unquote, urlencode

import frappe
from frappe.handler import execute_cmd
from frappe.tests.utils import FrappeTestCase
from frappe.utils import set_request
from frappe.website.serve import get_response

from dms_app.portal import kpis
from dms_app.tests.factories import make_portal_dataset, make_user

EXPORT = "dms_app.portal.inventory.export_csv"


def render(path: str, user: str, **params):
	"""(status, html, response) of ``path`` with query ``params``, rendered for ``user``."""
	frappe.set_user(user)
	try:
		set_request(method="GET", path=path, query_string=urlencode(params))
		frappe.local.form_dict = frappe._dict(params)
		frappe.local.response = frappe._dict({"docs": []})
		response = get_response()
		return response.status_code, frappe.safe_decode(response.get_data()), response
	finally:
		frappe.set_user("Administrator")


def export(user: str, **params) -> str:
	"""The CSV the export method answers ``user``, called the way /api/method/... calls it."""
	frappe.set_user(user)
	try:
		set_request(method="GET", path=f"/api/method/{EXPORT}", query_string=urlencode(params))
		frappe.local.form_dict = frappe._dict(params)
		frappe.local.response = frappe._dict({"docs": []})
		execute_cmd(EXPORT)
		return frappe.local.response["result"]
	finally:
		frappe.set_user("Administrator")


class TestDistributorPortal(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.d = make_portal_dataset("T-PTL")
		cls.soap, cls.tea, cls.oil = cls.d.item_codes

	def test_home_shows_this_months_kpis_of_the_users_own_distributor(self):
		d = self.d
		a = kpis.home(d.a.name)
		bins = frappe.get_all(
			"Bin",
			filters={
				"warehouse": ["in", frappe.get_all("Warehouse", {"distributor": d.a.name}, pluck="name")]
			},
			pluck="stock_value",
		)
		self.assertAlmostEqual(a["stock_value"], sum(bins))
		self.assertAlmostEqual(a["sell_in"], 400)  # the approved order: 4 SOAP at 100
		self.assertAlmostEqual(a["sell_out"], 300)  # 3 SOAP at 100
		self.assertEqual(a["orders_waiting"], 1)
		self.assertAlmostEqual(a["scheme_earnings"], 25)
		self.assertEqual([t["item_code"] for t in a["top_items"]], [self.soap])
		self.assertEqual(a["chart"][-1]["sell_in"], 400)

		status, html, _r = render("/dms", d.a_user)
		self.assertEqual(status, 200)
		self.assertIn(d.a.distributor_name, html)
		self.assertIn(self.soap, html)
		self.assertNotIn(d.b.distributor_name, html)
		self.assertNotIn(self.oil, html)
		self.assertIn('data-kpi="scheme_earnings"', html)

	def test_a_portal_user_cannot_pick_another_distributor(self):
		for path in ("/dms", "/dms/inventory", "/dms/orders"):
			status, html, _r = render(path, self.d.a_user, distributor=self.d.b.name)
			self.assertEqual(status, 403, path)
			self.assertIn("You can only see your own distributor", html)
			self.assertNotIn(self.oil, html)
			self.assertNotIn("Traceback", html)

	def test_inventory_lists_own_stock_with_batches_age_and_expiry_warning(self):
		d = self.d
		status, html, _r = render("/dms/inventory", d.a_user)
		self.assertEqual(status, 200)
		self.assertIn(f'data-item="{self.soap}" data-warehouse="{d.a.warehouse}"', html)
		self.assertIn(f'data-item="{self.tea}"', html)
		self.assertNotIn(self.oil, html)
		self.assertNotIn(d.b.warehouse, html)
		self.assertIn("data-dms-expiry-warning", html)
		self.assertIn("T-PTL-B-", html)  # the batch

		from dms_app.portal.inventory import stock_lines

		lines = {(line.item_code, line.warehouse): line for line in stock_lines(d.a.name)}
		soap = lines[(self.soap, d.a.warehouse)]
		# 16 on hand (10 old + 5 + 4 received - 3 sold): FIFO keeps part of the oldest receipt
		self.assertEqual(soap.qty, 16)
		self.assertEqual(soap.age_days, (d.today - d.old).days)
		tea = lines[(self.tea, d.a.warehouse)]
		self.assertEqual([b.status for b in tea.batches], ["near"])
		self.assertEqual(tea.batches[0].days_to_expiry, 20)

	def test_inventory_is_shown_a_page_at_a_time_and_searched(self):
		d = self.d
		with patch("dms_app.www.dms.inventory.PAGE_LINES", 1):
			status, html, _r = render("/dms/inventory", d.a_user)
			self.assertEqual(status, 200)
			first = self.soap if self.soap < self.tea else self.tea
			second = self.tea if first == self.soap else self.soap
			self.assertIn(f'data-item="{first}"', html)
			self.assertNotIn(f'data-item="{second}"', html)
			self.assertIn("data-dms-next", html)
			self.assertIn("data-dms-expiry-warning", html)  # the warnings are about all of the stock
			status, html, _r = render("/dms/inventory", d.a_user, page=2)
			self.assertIn(f'data-item="{second}"', html)
			self.assertNotIn(f'data-item="{first}"', html)
			status, html, _r = render("/dms/inventory", d.a_user, q=self.tea.lower())
			self.assertIn(f'data-item="{self.tea}"', html)
			self.assertNotIn(f'data-item="{self.soap}"', html)
		status, html, _r = render("/dms/inventory", d.a_user, q="no such item")
		self.assertIn("data-dms-empty", html)
		# searching never reaches another distributor's stock
		status, html, _r = render("/dms/inventory", d.a_user, q=self.oil)
		self.assertNotIn(f'data-item="{self.oil}"', html)

	def test_portal_pages_are_rendered_by_the_portal_renderer(self):
		from frappe.website.page_renderers.template_page import TemplatePage

		from dms_app.portal.renderer import PortalPage

		self.assertTrue(PortalPage("dms/orders").can_render())
		self.assertTrue(PortalPage("dms").can_render())
		self.assertFalse(PortalPage("me").can_render())  # other pages are Frappe's
		self.assertFalse(PortalPage("dms/no-such-page").can_render())
		self.assertTrue(TemplatePage("me").can_render())
		status, html, _r = render("/dms/orders", self.d.a_user)
		self.assertEqual(status, 200)
		self.assertIn('class="dms-top"', html)
		# where Frappe puts the session's token for the pages' calls
		self.assertIn("<!-- csrf_token -->", html)
		self.assertIn("frappe-web.bundle", html)
		self.assertIn("/assets/dms_app/js/dms_portal.js", html)
		self.assertNotIn("<symbol", html)  # no icon sprites
		status, _html, _r = render("/dms/no-such-page", self.d.a_user)
		self.assertEqual(status, 404)

	def test_the_brands_website_theme_and_head_html_reach_the_portal(self):
		frappe.db.savepoint("brand")
		theme = frappe.get_doc({"doctype": "Website Theme", "theme": "T-PTL Brand", "custom": 1})
		theme.flags.ignore_validate = True  # no stylesheet build: the URL is what the page must link
		theme.db_insert()
		theme.db_set("theme_url", "/files/website_theme/t-ptl-brand.css")
		settings = frappe.get_doc("Website Settings")
		settings.db_set({"website_theme": theme.name, "head_html": '<meta name="t-ptl-brand" content="1">'})
		frappe.clear_cache()
		status, html, _r = render("/dms", self.d.a_user)
		self.assertEqual(status, 200)
		self.assertIn('href="/files/website_theme/t-ptl-brand.css"', html)
		self.assertIn('<meta name="t-ptl-brand" content="1">', html)
		self.assertNotIn("website.bundle", html)  # the theme's stylesheet replaces the standard one
		frappe.db.rollback(save_point="brand")
		frappe.clear_cache()
		status, html, _r = render("/dms", self.d.a_user)
		self.assertIn("website.bundle", html)

	def test_export_csv_is_the_callers_own_stock_only(self):
		d = self.d
		rows = list(csv.reader(io.StringIO(export(d.a_user))))
		self.assertEqual(rows[0][0], "Item Code")
		self.assertEqual({r[0] for r in rows[1:]}, {self.soap, self.tea})
		self.assertEqual({r[2] for r in rows[1:]}, {d.a.warehouse})
		with self.assertRaises(frappe.PermissionError):
			export(d.a_user, distributor=d.b.name)
		with self.assertRaises(frappe.PermissionError):
			export("Guest")
		# OEM staff name the distributor
		rows = list(csv.reader(io.StringIO(export(d.approver, distributor=d.b.name))))
		self.assertEqual({r[0] for r in rows[1:]}, {self.oil})

	def test_orders_list_and_timeline_of_own_orders(self):
		d = self.d
		status, html, _r = render("/dms/orders", d.a_user)
		self.assertEqual(status, 200)
		self.assertIn(f'data-order="{d.a_approved}"', html)
		self.assertIn(f'data-order="{d.a_draft}"', html)
		self.assertNotIn(d.b_draft, html)

		status, html, _r = render("/dms/orders/view", d.a_user, name=d.a_approved)
		self.assertEqual(status, 200)
		self.assertIn('data-dms-stage="received"', html)
		for event in ("placed", "moved", "dispatched", "received"):
			self.assertIn(f'data-event="{event}"', html)
		self.assertIn(d.a_dispatch, html)

	def test_another_distributors_order_is_not_found(self):
		d = self.d
		status, html, _r = render("/dms/orders/view", d.a_user, name=d.b_draft)
		self.assertEqual(status, 404)
		self.assertIn("Order Not Found", html)
		self.assertNotIn(self.oil, html)
		status, html, _r = render("/dms/orders/view", d.a_user, name=d.b_draft, distributor=d.b.name)
		self.assertEqual(status, 403)
		self.assertNotIn(self.oil, html)
		# B's own user sees it
		status, html, _r = render("/dms/orders/view", d.b_user, name=d.b_draft)
		self.assertEqual(status, 200)
		self.assertIn(self.oil, html)

	def test_guest_is_sent_to_login(self):
		for path in ("/dms", "/dms/inventory", "/dms/orders/view"):
			status, _html, response = render(path, "Guest")
			self.assertEqual(status, 302, path)
			self.assertEqual(unquote(response.headers["Location"]), f"/login?redirect-to={path}")

	def test_a_user_of_no_distributor_gets_a_clear_page(self):
		plain = make_user("t-ptl-nobody@dms.test")
		unlinked = make_user("t-ptl-unlinked@dms.test", roles=("Distributor",))
		for user in (plain, unlinked):
			status, html, _r = render("/dms", user)
			self.assertEqual(status, 403)
			self.assertIn("Your user is not linked to a distributor.", html)
			self.assertNotIn("Traceback", html)

	def test_oem_staff_choose_the_distributor(self):
		d = self.d
		status, html, _r = render("/dms/inventory", d.approver)
		self.assertEqual(status, 200)
		self.assertIn("Choose a Distributor", html)
		self.assertIn(f"?distributor={d.b.name}", html)
		status, html, _r = render("/dms/inventory", d.approver, distributor=d.b.name)
		self.assertEqual(status, 200)
		self.assertIn(self.oil, html)
		self.assertNotIn(self.soap, html)
