# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The portal's retailers: the list and the form render A's retailers only; save_retailer adds and edits
A's retailers, refuses B's (by name or by ?distributor=), duplicates and bad values, and writes nothing
when it refuses; a Guest is sent to log in and a user of no distributor gets 403.

Two distributors, A and B, from dms_app.tests.factories.make_portal_dataset.
"""

from urllib.parse import unquote

import frappe
from frappe.handler import execute_cmd
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, set_request, today

from dms_app.portal.retailers import RetailerInvalid
from dms_app.portal.test_portal import render
from dms_app.tests.factories import make_portal_dataset, make_retailer, make_user

SAVE = "dms_app.portal.retailers.save_retailer"


def call(user: str, method: str, **params):
	"""What the whitelisted ``method`` answers ``user`` for a POST with ``params``, as /api/method does."""
	frappe.set_user(user)
	try:
		set_request(method="POST", path=f"/api/method/{method}")
		frappe.local.form_dict = frappe._dict(params)
		frappe.local.response = frappe._dict({"docs": []})
		return execute_cmd(method)
	finally:
		frappe.set_user("Administrator")


def loyalty_program(company: str, name: str) -> str:
	"""A single-tier Loyalty Program of ``company`` (get-or-create), as DMS Settings may name one."""
	if frappe.db.exists("Loyalty Program", name):
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Loyalty Program",
				"loyalty_program_name": name,
				"loyalty_program_type": "Single Tier Program",
				"from_date": add_days(today(), -30),
				"company": company,
				"conversion_factor": 1,
				"expiry_duration": 365,
				"cost_center": frappe.get_cached_value("Company", company, "cost_center"),
				"expense_account": frappe.db.get_value(
					"Account", {"company": company, "root_type": "Expense", "is_group": 0}
				),
				"collection_rules": [{"tier_name": "Base", "collection_factor": 100, "min_spent": 0}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def give_points(customer: str, program: str, company: str, points: int) -> None:
	"""Points earned today, as ERPNext books them when an invoice of a program member is submitted."""
	frappe.get_doc(
		{
			"doctype": "Loyalty Point Entry",
			"loyalty_program": program,
			"customer": customer,
			"company": company,
			"loyalty_points": points,
			"posting_date": today(),
			"expiry_date": add_days(today(), 365),
		}
	).insert(ignore_permissions=True)


def customers(distributor: str) -> set[str]:
	return set(frappe.get_all("Customer", filters={"distributor": distributor}, pluck="name"))


class TestPortalRetailers(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.d = make_portal_dataset("T-RTL")
		cls.a_shop = frappe.db.get_value("Customer", {"distributor": cls.d.a.name})
		cls.b_shop = frappe.db.get_value("Customer", {"distributor": cls.d.b.name})
		cls.city = frappe.db.get_value("Territory", {"is_group": 0}) or "All Territories"

	def test_list_shows_own_retailers_with_sales_this_month(self):
		d = self.d
		status, html, _r = render("/dms/retailers", d.a_user)
		self.assertEqual(status, 200)
		self.assertIn(f'data-retailer="{self.a_shop}"', html)
		self.assertNotIn(self.b_shop, html)
		self.assertNotIn("T-RTL B Corner Store", html)
		# A sold 3 SOAP at 100 to its corner store this month
		from dms_app.portal.retailers import retailer_list

		[row] = [r for r in retailer_list(d.a.name) if r.name == self.a_shop]
		self.assertEqual(row.sales_this_month, 300)

		status, html, _r = render("/dms/retailers", d.a_user, q="nothing-like-this")
		self.assertIn("data-dms-empty", html)
		status, html, _r = render("/dms/retailers", d.a_user, q="Corner")
		self.assertIn(f'data-retailer="{self.a_shop}"', html)

	def test_add_then_edit_a_retailer(self):
		d = self.d
		before = customers(d.a.name)
		saved = call(
			d.a_user,
			SAVE,
			customer_name="T-RTL Fresh Mart",
			retailer_code="t-rtl-fm1",
			mobile_no="+91 98765 43210",
			tax_id="27AAAPL1234C1Z5",
			territory=self.city,
			outlet_type="Modern Trade",
			beat="Tuesday North",
			address_line1="12 Market Road",
			city="Pune",
			pincode="411001",
			# a payload naming another distributor does not move the retailer there
			disabled="0",
		)
		name = saved["name"]
		self.assertEqual(customers(d.a.name) - before, {name})
		doc = frappe.get_doc("Customer", name)
		self.assertEqual(
			(doc.distributor, doc.retailer_code, doc.mobile_no, doc.tax_id, doc.outlet_type, doc.beat),
			(d.a.name, "T-RTL-FM1", "+919876543210", "27AAAPL1234C1Z5", "Modern Trade", "Tuesday North"),
		)
		self.assertTrue(doc.customer_primary_contact and doc.customer_primary_address)
		self.assertEqual(frappe.db.get_value("Address", doc.customer_primary_address, "city"), "Pune")

		status, html, _r = render("/dms/retailers/edit", d.a_user, name=name)
		self.assertEqual(status, 200)
		self.assertIn('value="12 Market Road"', html)

		call(
			d.a_user,
			SAVE,
			name=name,
			customer_name="T-RTL Fresh Mart",
			mobile_no="9123456780",
			tax_id="27AAAPL1234C1Z5",
			territory=self.city,
			address_line1="14 Market Road",
			city="Pune",
		)
		doc.reload()
		self.assertEqual(doc.mobile_no, "9123456780")
		self.assertEqual(
			frappe.db.get_value("Contact", doc.customer_primary_contact, "mobile_no"), "9123456780"
		)
		self.assertEqual(
			frappe.db.get_value("Address", doc.customer_primary_address, "address_line1"), "14 Market Road"
		)
		self.assertEqual(doc.retailer_code, None)  # cleared in the form, cleared on the retailer

		status, html, _r = render("/dms/retailers", d.a_user)
		self.assertIn(f'data-retailer="{name}"', html)

	def test_another_distributors_retailer_cannot_be_seen_or_changed(self):
		d = self.d
		name_before = frappe.db.get_value("Customer", self.b_shop, "customer_name")
		with self.assertRaises(frappe.PermissionError):
			call(d.a_user, SAVE, name=self.b_shop, customer_name="Taken Over")
		with self.assertRaises(frappe.PermissionError):
			call(d.a_user, SAVE, customer_name="T-RTL Sneaky", distributor=d.b.name)
		# A's own distributor customer is not a retailer it may edit either
		if d.a.customer:
			with self.assertRaises(frappe.PermissionError):
				call(d.a_user, SAVE, name=d.a.customer, customer_name="Renamed")
		self.assertEqual(frappe.db.get_value("Customer", self.b_shop, "customer_name"), name_before)
		self.assertFalse(frappe.db.exists("Customer", {"customer_name": "T-RTL Sneaky"}))

		status, html, _r = render("/dms/retailers/edit", d.a_user, name=self.b_shop)
		self.assertEqual(status, 404)
		self.assertIn("Retailer Not Found", html)
		self.assertFalse('name="customer_name"' in html, "B's retailer's form rendered for A")
		status, _html, _r = render("/dms/retailers", d.a_user, distributor=d.b.name)
		self.assertEqual(status, 403)

	def test_duplicates_and_bad_values_are_refused_with_nothing_written(self):
		d = self.d
		make_retailer("T-RTL Dup Source", d.a, tax_id="29ABCDE1234F1Z5", retailer_code="T-RTL-DUP")
		frappe.db.set_value("Customer", {"customer_name": "T-RTL Dup Source"}, "mobile_no", "+91 9000000001")
		before = customers(d.a.name)
		for fields, expected in (
			({"mobile_no": "09000000001"}, "Mobile Number"),
			({"tax_id": "29abcde1234f1z5"}, "Tax ID"),
			({"retailer_code": "t-rtl-dup"}, "Retailer Code"),
			({"customer_name": ""}, "Retailer Name is required"),
			({"mobile_no": "12"}, "must have 7 to 15 digits"),
			({"address_line1": "No city"}, "City is required"),
			({"territory": "No Such Territory"}, "not one of the choices"),
		):
			values = {"customer_name": "T-RTL Copy", **fields}
			with self.assertRaisesRegex(RetailerInvalid, expected):
				call(d.a_user, SAVE, **values)
		self.assertEqual(customers(d.a.name), before)
		self.assertFalse(frappe.db.exists("Contact", {"mobile_no": "09000000001"}))
		# the same tax id at another distributor is that distributor's business
		saved = call(d.b_user, SAVE, customer_name="T-RTL B Copy", tax_id="29ABCDE1234F1Z5")
		self.assertEqual(frappe.db.get_value("Customer", saved["name"], "distributor"), d.b.name)
		# editing a retailer keeps its own values without calling them duplicates
		source = frappe.db.get_value("Customer", {"customer_name": "T-RTL Dup Source"})
		call(d.a_user, SAVE, name=source, customer_name="T-RTL Dup Source", tax_id="29ABCDE1234F1Z5")

	def test_guest_and_users_of_no_distributor(self):
		for path in ("/dms/retailers", "/dms/retailers/edit"):
			status, _html, response = render(path, "Guest")
			self.assertEqual(status, 302, path)
			self.assertEqual(unquote(response.headers["Location"]), f"/login?redirect-to={path}")
		with self.assertRaises(frappe.PermissionError):
			call("Guest", SAVE, customer_name="T-RTL Guest")
		plain = make_user("t-rtl-nobody@dms.test", roles=("Distributor",))
		for path in ("/dms/retailers", "/dms/retailers/edit"):
			status, html, _r = render(path, plain)
			self.assertEqual(status, 403, path)
			self.assertIn("Your user is not linked to a distributor.", html)
		with self.assertRaises(frappe.PermissionError):
			call(plain, SAVE, customer_name="T-RTL Nobody")
		self.assertFalse(frappe.db.exists("Customer", {"customer_name": ["like", "T-RTL Guest%"]}))
		self.assertFalse(frappe.db.exists("Customer", {"customer_name": ["like", "T-RTL Nobody%"]}))

	def test_loyalty_points_of_own_retailers(self):
		d = self.d
		program = loyalty_program(d.a.company, "T-RTL Points")
		for shop, points in ((self.a_shop, 42), (self.b_shop, 77)):
			frappe.db.set_value("Customer", shop, "loyalty_program", program)
			give_points(shop, program, d.a.company, points)
		status, html, _r = render("/dms/retailers", d.a_user)
		self.assertEqual(status, 200)
		self.assertIn("Loyalty Points", html)
		row = html[html.index(f'data-retailer="{self.a_shop}"') :]
		self.assertIn("42", row[: row.index("</tr>")])
		self.assertNotIn("77", html[html.index("data-dms-retailers") :])

	def test_what_the_url_says_is_shown_escaped(self):
		evil = '<img src=x onerror="alert(1)">'
		for path, params in (
			("/dms/retailers/edit", {"name": evil}),
			("/dms/retailers", {"saved": evil, "q": evil}),
		):
			_status, html, _r = render(path, self.d.a_user, **params)
			self.assertNotIn(evil, html, path)
			self.assertIn("&lt;img", html, path)
