# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The portal's secondary-sales pages and methods, as each user would meet them.

Two distributors, A and B, each with a portal user, a retailer, stock and a sale. A's user sees and
changes A's invoices only, whatever the URL or payload says; the live preview prices an invoice exactly
as saving it does and writes nothing; creating an invoice is all or nothing; uploads go through the bulk
upload pipeline with row errors located in the file.
"""

import json
from unittest.mock import patch
from urllib.parse import unquote

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, today

from dms_app.api.secondary_sales import upload_status
from dms_app.portal import sales
from dms_app.portal.test_portal import render
from dms_app.schemes import engine
from dms_app.secondary_sales import ingest
from dms_app.tests.factories import (
	as_user,
	ensure_depot,
	make_distributor,
	make_item,
	make_retailer,
	make_secondary_sale,
	make_user,
	receive_stock,
)

P = "T-SS7"
SOAP, BIS, CUP, OIL = f"{P}-SOAP", f"{P}-BIS", f"{P}-CUP", f"{P}-OIL"  # priced 100, 50, 10, 200


def make_scheme(name: str, scheme_type: str, **fields) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"scheme_name": name,
			"scheme_type": scheme_type,
			"channel": "Secondary",
			"company": frappe.db.get_single_value("DMS Settings", "company"),
			"valid_from": add_days(today(), -5),
			**fields,
		}
	).insert()
	doc.submit()
	return doc.name


def footprint() -> dict:
	"""What a preview must not change: documents, ledgers, stock, budgets and naming series."""
	counts = {
		doctype: frappe.db.count(doctype)
		for doctype in (
			"Sales Invoice",
			"Sales Invoice Item",
			"DMS Scheme Ledger Entry",
			"Stock Ledger Entry",
			"GL Entry",
			"Serial and Batch Bundle",
			"Customer",
			"DMS Upload",
		)
	}
	counts["budget_used"] = frappe.get_all(
		"DMS Scheme",
		filters={"scheme_name": ["like", f"{P}%"]},
		fields=["name", "budget_used"],
		order_by="name",
	)
	counts["series"] = frappe.db.sql("select name, current from `tabSeries` order by name")
	counts["bins"] = frappe.get_all(
		"Bin", filters={"item_code": ["like", f"{P}%"]}, fields=["name", "actual_qty"], order_by="name"
	)
	return counts


class TestPortalSales(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		for code, price in ((SOAP, 100), (BIS, 50), (CUP, 10), (OIL, 200)):
			make_item(code, price=price, item_name=f"{code} name")
		cls.a_user = make_user(f"{P.lower()}-a@dms.test")
		cls.b_user = make_user(f"{P.lower()}-b@dms.test")
		cls.a = make_distributor(f"{P}-A", portal_users=[{"user": cls.a_user}])
		cls.b = make_distributor(f"{P}-B", portal_users=[{"user": cls.b_user}])
		cls.a_shop = make_retailer(f"{P} A Store", cls.a)
		cls.b_shop = make_retailer(f"{P} B Store", cls.b)
		for code, qty in ((SOAP, 100), (BIS, 100), (CUP, 50)):
			receive_stock(code, cls.a.warehouse, qty, rate=40, posting_date=add_days(today(), -10))
		receive_stock(OIL, cls.b.warehouse, 20, rate=150, posting_date=add_days(today(), -10))
		cls.a_sale = make_secondary_sale(cls.a, cls.a_shop, [(SOAP, 2)])
		cls.b_sale = make_secondary_sale(cls.b, cls.b_shop, [(OIL, 3)])
		# only this test's schemes price these invoices (all undone by the class's rollback)
		frappe.db.set_value("DMS Scheme", {"docstatus": 1}, "disabled", 1)
		buyers = [{"buyer_type": "Distributor", "value": cls.a.name}]
		cls.slab = make_scheme(
			f"{P} ten off soap",
			"Slab Discount",
			slabs=[{"from_value": 10, "to_value": 0, "discount_type": "Percentage", "discount": 10}],
			items=[{"applies_to": "Item", "value": SOAP}],
			buyers=buyers,
			budget_type="Value",
			budget=100000,
		)
		cls.free = make_scheme(
			f"{P} biscuits cup",
			"Free Goods",
			buy_qty=5,
			free_qty=1,
			free_item=CUP,
			items=[{"applies_to": "Item", "value": BIS}],
			buyers=buyers,
		)
		cls.bill = make_scheme(
			f"{P} big bill",
			"Bill Value",
			basis="Value",
			slabs=[{"from_value": 1000, "to_value": 0, "discount_type": "Amount", "discount": 50}],
			buyers=buyers,
		)
		engine.clear_cache()

	def setUp(self):
		engine.clear_cache()

	def call(self, user, method, **kwargs):
		return as_user(user, method, **kwargs)

	# -- pages ------------------------------------------------------------------------------------------

	def test_list_shows_own_invoices_only_with_totals(self):
		status, html, _r = render("/dms/sales", self.a_user)
		self.assertEqual(status, 200)
		self.assertIn(f'data-invoice="{self.a_sale}"', html)
		self.assertIn(f"{P} A Store", html)
		self.assertNotIn(self.b_sale, html)
		self.assertNotIn(f"{P} B Store", html)
		self.assertIn('data-total="sales"', html)
		totals = sales.invoice_totals(self.a.name)
		submitted = frappe.get_all(
			"Sales Invoice", filters={"distributor": self.a.name, "docstatus": 1}, pluck="grand_total"
		)
		self.assertEqual(totals["invoices"], len(submitted))
		self.assertAlmostEqual(totals["sales"], sum(submitted))
		# a retailer filter of another distributor's retailer filters nothing in, and shows nothing of B
		status, html, _r = render("/dms/sales", self.a_user, retailer=self.b_shop)
		self.assertEqual(status, 200)
		self.assertNotIn(self.b_sale, html)
		status, html, _r = render("/dms/sales", self.a_user, distributor=self.b.name)
		self.assertEqual(status, 403)
		self.assertNotIn(self.b_sale, html)

	def test_a_return_is_listed_and_counted_as_returned(self):
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		credit = make_sales_return(self.b_sale)
		credit.items[0].qty = -1
		credit.insert()
		credit.submit()
		status, html, _r = render("/dms/sales", self.b_user)
		self.assertEqual(status, 200)
		self.assertIn(f'data-invoice="{credit.name}"', html)
		self.assertAlmostEqual(sales.invoice_totals(self.b.name)["returned"], 200)
		status, html, _r = render("/dms/sales/view", self.b_user, name=credit.name)
		self.assertEqual(status, 200)
		self.assertIn(f"Credit Note {credit.name}", html)
		status, html, _r = render("/dms/sales/view", self.b_user, name=self.b_sale)
		self.assertIn("data-dms-returns", html)
		# A sees none of it
		status, html, _r = render("/dms/sales", self.a_user)
		self.assertNotIn(credit.name, html)

	def test_oem_staff_name_the_distributor(self):
		manager = make_user(f"{P.lower()}-manager@dms.test", roles=("DMS Manager",))
		status, html, _r = render("/dms/sales", manager)
		self.assertEqual(status, 200)
		self.assertIn("Choose a Distributor", html)
		status, html, _r = render("/dms/sales", manager, distributor=self.b.name)
		self.assertEqual(status, 200)
		self.assertIn(f'data-invoice="{self.b_sale}"', html)
		self.assertNotIn(self.a_sale, html)
		found = self.call(manager, sales.search_items, distributor=self.b.name)
		self.assertEqual([row["item_code"] for row in found], [OIL])

	def test_view_own_invoice_and_not_anothers(self):
		status, html, _r = render("/dms/sales/view", self.a_user, name=self.a_sale)
		self.assertEqual(status, 200)
		self.assertIn(f'data-item="{SOAP}"', html)
		self.assertIn("data-dms-no-schemes", html)
		status, html, _r = render("/dms/sales/view", self.a_user, name=self.b_sale)
		self.assertEqual(status, 404)
		self.assertIn("Invoice Not Found", html)
		self.assertNotIn(OIL, html)
		status, html, _r = render("/dms/sales/view", self.a_user, name=self.b_sale, distributor=self.b.name)
		self.assertEqual(status, 403)
		self.assertNotIn(OIL, html)
		status, html, _r = render("/dms/sales/view", self.b_user, name=self.b_sale)
		self.assertEqual(status, 200)
		self.assertIn(OIL, html)
		# what the URL says is shown as text, never as markup
		status, html, _r = render("/dms/sales/view", self.a_user, name="<script>alert(1)</script>")
		self.assertEqual(status, 404)
		self.assertNotIn("<script>alert(1)", html)
		self.assertIn("&lt;script&gt;", html)

	def test_new_invoice_page_and_item_search_are_the_distributors_own(self):
		status, html, _r = render("/dms/sales/new", self.a_user)
		self.assertEqual(status, 200)
		self.assertIn(f'value="{self.a_shop}"', html)
		self.assertNotIn(self.b_shop, html)
		self.assertNotIn(self.b.warehouse, html)
		found = self.call(self.a_user, sales.search_items, txt=f"{P}-")
		self.assertEqual({row["item_code"] for row in found}, {SOAP, BIS, CUP})
		soap = next(row for row in found if row["item_code"] == SOAP)
		self.assertEqual((soap["actual_qty"], soap["price"]), (98, 100))
		self.assertEqual(
			[r["item_code"] for r in self.call(self.a_user, sales.search_items, txt="BIS")], [BIS]
		)
		with self.assertRaises(frappe.PermissionError):
			self.call(self.a_user, sales.search_items, warehouse=self.b.warehouse)
		with self.assertRaises(frappe.PermissionError):
			self.call(self.a_user, sales.search_items, distributor=self.b.name)

	def test_guest_is_sent_to_login_and_a_user_of_no_distributor_is_refused(self):
		nobody = make_user(f"{P.lower()}-nobody@dms.test")
		unlinked = make_user(f"{P.lower()}-unlinked@dms.test", roles=("Distributor",))
		for path in ("/dms/sales", "/dms/sales/new", "/dms/sales/view", "/dms/sales/upload"):
			status, _html, response = render(path, "Guest")
			self.assertEqual(status, 302, path)
			self.assertEqual(unquote(response.headers["Location"]), f"/login?redirect-to={path}")
			for user in (nobody, unlinked):
				status, html, _r = render(path, user)
				self.assertEqual(status, 403, (path, user))
				self.assertIn("Your user is not linked to a distributor.", html)
				self.assertNotIn("Traceback", html)
		lines = [{"item_code": SOAP, "qty": 1}]
		for user in ("Guest", nobody, unlinked):
			for method, kwargs in (
				(sales.preview, {"retailer": self.a_shop, "lines": lines}),
				(sales.create_invoice, {"retailer": self.a_shop, "lines": lines}),
				(sales.search_items, {}),
				(sales.upload, {"format": "csv", "data": "external_ref,item_code\n"}),
				(sales.csv_template, {}),
			):
				with (
					self.subTest(user=user, method=method.__name__),
					self.assertRaises(frappe.PermissionError),
				):
					self.call(user, method, **kwargs)

	# -- preview and create -----------------------------------------------------------------------------

	def test_preview_prices_as_saving_does_and_writes_nothing(self):
		lines = [{"item_code": SOAP, "qty": 12}, {"item_code": BIS, "qty": 10}]
		before = footprint()
		preview = self.call(self.a_user, sales.preview, retailer=self.a_shop, lines=lines)
		self.assertEqual(footprint(), before)

		priced = [
			(r["item_code"], r["qty"], r["rate"], r["scheme_discount"], r["free_under"])
			for r in preview["lines"]
		]
		self.assertEqual(
			priced,
			[(SOAP, 12, 90.0, 120.0, None), (BIS, 10, 50.0, 0.0, None), (CUP, 2, 0.0, 0.0, self.free)],
		)
		# 12 x 90 + 10 x 50 = 1580 earns the bill scheme's 50
		self.assertEqual(preview["totals"]["total"], 1580)
		self.assertEqual(preview["totals"]["bill_discount"], 50)
		self.assertEqual(preview["totals"]["net_total"], 1530)
		self.assertEqual({s["scheme"] for s in preview["schemes"]}, {self.slab, self.free, self.bill})
		self.assertEqual(preview["short"], [])

		created = self.call(self.a_user, sales.create_invoice, retailer=self.a_shop, lines=lines)
		doc = frappe.get_doc("Sales Invoice", created["name"])
		self.assertEqual(
			(doc.docstatus, doc.distributor, doc.customer, doc.owner),
			(1, self.a.name, self.a_shop, self.a_user),
		)
		saved = [
			(r.item_code, flt(r.qty), flt(r.rate), flt(r.dms_scheme_discount), r.dms_scheme or None)
			for r in doc.items
		]
		self.assertEqual(saved, priced)
		self.assertEqual(flt(doc.dms_scheme_bill_discount), preview["totals"]["bill_discount"])
		self.assertEqual(flt(doc.discount_amount), preview["totals"]["discount_amount"])
		self.assertEqual(flt(doc.grand_total), preview["totals"]["grand_total"])
		self.assertEqual(preview["totals"]["scheme_discount"], 170)  # 120 on the soap, 50 on the bill
		self.assertEqual(flt(doc.dms_scheme_discount), 170)  # the free row does not count the bill twice
		# submitting, not previewing, used the budget and wrote the ledger
		self.assertEqual(flt(frappe.db.get_value("DMS Scheme", self.slab, "budget_used")), 120)
		self.assertEqual(frappe.db.count("DMS Scheme Ledger Entry", {"voucher_no": doc.name}), 3)

		status, html, _r = render("/dms/sales/view", self.a_user, name=doc.name)
		self.assertEqual(status, 200)
		self.assertIn(f'data-free-under="{self.free}"', html)
		self.assertIn(f'data-scheme="{self.bill}"', html)
		self.assertIn("data-dms-bill-discount", html)

	def test_preview_reports_shortfalls_and_coupon_errors(self):
		preview = self.call(
			self.a_user, sales.preview, retailer=self.a_shop, lines=[{"item_code": CUP, "qty": 500}]
		)
		self.assertEqual([r["short"] for r in preview["lines"]], [True])
		self.assertEqual(len(preview["short"]), 1)
		with self.assertRaisesRegex(frappe.ValidationError, "belongs to no active scheme"):
			self.call(
				self.a_user,
				sales.preview,
				retailer=self.a_shop,
				lines=[{"item_code": SOAP, "qty": 1}],
				coupon_code="NOPE",
			)

	def test_create_refuses_what_is_not_the_distributors_and_writes_nothing(self):
		good = [{"item_code": SOAP, "qty": 1}]
		refused = (
			({"retailer": self.b_shop, "lines": good}, frappe.PermissionError, "not one of your retailers"),
			(
				{"retailer": self.a_shop, "lines": good, "warehouse": self.b.warehouse},
				frappe.PermissionError,
				"not one of your warehouses",
			),
			(
				{"retailer": self.a_shop, "lines": good, "distributor": self.b.name},
				frappe.PermissionError,
				"",
			),
			(
				{"retailer": self.a_shop, "lines": [{"item_code": SOAP, "qty": 0}]},
				frappe.ValidationError,
				"Line 1: the quantity must be greater than zero",
			),
			(
				{"retailer": self.a_shop, "lines": [*good, {"item_code": BIS, "qty": "lots"}]},
				frappe.ValidationError,
				"Line 2: the quantity must be a number",
			),
			(
				{"retailer": self.a_shop, "lines": [{"item_code": "NO-SUCH-ITEM", "qty": 1}]},
				frappe.ValidationError,
				"does not exist or cannot be sold",
			),
			(
				{"retailer": self.a_shop, "lines": [*good, {"item_code": SOAP, "qty": 1000}]},
				frappe.ValidationError,
				"has only",
			),
			({"retailer": self.a_shop, "lines": []}, frappe.ValidationError, "Add at least one item"),
		)
		for kwargs, error, message in refused:
			before = footprint()
			with self.subTest(**{k: str(v) for k, v in kwargs.items()}):
				with self.assertRaisesRegex(error, message):
					self.call(self.a_user, sales.create_invoice, **kwargs)
				frappe.clear_messages()
				self.assertEqual(footprint(), before)
		# the preview refuses the same foreign records
		with self.assertRaises(frappe.PermissionError):
			self.call(self.a_user, sales.preview, retailer=self.b_shop, lines=good)

	def test_a_draft_when_asked(self):
		created = self.call(
			self.a_user,
			sales.create_invoice,
			retailer=self.a_shop,
			lines=json.dumps([{"item_code": SOAP, "qty": 2}]),
			submit=0,
		)
		self.assertEqual(frappe.db.get_value("Sales Invoice", created["name"], "docstatus"), 0)
		self.assertTrue(created["url"].startswith("/dms/sales/view?name="))

	# -- uploads ----------------------------------------------------------------------------------------

	def test_upload_csv_with_a_good_and_a_bad_invoice(self):
		csv = (
			"external_ref,posting_date,retailer_code,retailer_tax_id,retailer_mobile,retailer_name,item_code,qty,rate,discount_percentage,is_return,return_against\n"
			f"SS7-1,{today()},,,,{P} A Store,{SOAP},3,,,,\n"
			f"SS7-2,{today()},,,,{P} A Store,{SOAP},1,,,,\n"
			f"SS7-2,{today()},,,,{P} A Store,{BIS},-4,,,,\n"
		)
		answer = self.call(self.a_user, sales.upload, format="csv", data=csv)
		by_ref = {r["external_ref"]: r for r in answer["results"]}
		self.assertEqual(by_ref["SS7-1"]["status"], "created")
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", by_ref["SS7-1"]["sales_invoice"], "distributor"), self.a.name
		)
		[error] = by_ref["SS7-2"]["errors"]
		self.assertEqual((error["line"], error["field"], error["file_line"]), (2, "qty", 4))
		self.assertEqual(answer["file_lines"], {"SS7-1": [2], "SS7-2": [3, 4]})
		# the upload shows on the page, and not to B
		status, html, _r = render("/dms/sales/upload", self.a_user, upload=answer["upload"])
		self.assertEqual(status, 200)
		self.assertIn(f'data-upload="{answer["upload"]}"', html)
		status, html, _r = render("/dms/sales/upload", self.b_user, upload=answer["upload"])
		self.assertEqual(status, 404)
		self.assertNotIn("SS7-2", html)

	def test_upload_for_another_distributor_is_refused(self):
		csv = f"external_ref,posting_date,retailer_name,item_code,qty\nSS7-X,{today()},{P} B Store,{OIL},1\n"
		before = footprint()
		with self.assertRaises(frappe.PermissionError):
			self.call(self.a_user, sales.upload, format="csv", data=csv, distributor=self.b.name)
		from dms_app.api.secondary_sales import upload

		with self.assertRaises(frappe.PermissionError):
			self.call(self.a_user, upload, format="csv", data=csv, distributor=self.b.name)
		self.assertEqual(footprint(), before)
		with self.assertRaises(frappe.ValidationError):
			self.call(self.a_user, sales.upload, format="json", data="[]")

	def test_upload_tally_xml(self):
		xml = f"""<ENVELOPE><BODY><IMPORTDATA><REQUESTDATA><TALLYMESSAGE>
			<VOUCHER VCHTYPE="Sales"><VOUCHERTYPENAME>Sales</VOUCHERTYPENAME><DATE>{today().replace("-", "")}</DATE>
			<VOUCHERNUMBER>SS7-T1</VOUCHERNUMBER><PARTYLEDGERNAME>{P} A Store</PARTYLEDGERNAME>
			<ALLINVENTORYENTRIES.LIST><STOCKITEMNAME>{BIS}</STOCKITEMNAME><BILLEDQTY> 2 Nos</BILLEDQTY>
			<RATE>10.00/Nos</RATE><AMOUNT>20.00</AMOUNT></ALLINVENTORYENTRIES.LIST>
			<LEDGERENTRIES.LIST><LEDGERNAME>{P} A Store</LEDGERNAME><ISPARTYLEDGER>Yes</ISPARTYLEDGER>
			<AMOUNT>-20.00</AMOUNT></LEDGERENTRIES.LIST>
			</VOUCHER></TALLYMESSAGE></REQUESTDATA></IMPORTDATA></BODY></ENVELOPE>"""
		answer = self.call(self.a_user, sales.upload, format="tally", data=xml)
		self.assertEqual([r["status"] for r in answer["results"]], ["created"])
		self.assertEqual(answer["file_lines"], {})

	def test_large_upload_runs_in_the_background_with_progress(self):
		csv = "external_ref,posting_date,retailer_name,item_code,qty\n" + "".join(
			f"SS7-B{n},{today()},{P} A Store,{CUP},1\n" for n in range(3)
		)
		with patch.object(ingest, "SYNC_LIMIT", 1):
			queued = self.call(self.a_user, sales.upload, format="csv", data=csv)
		self.assertEqual((queued["status"], queued["invoices"]), ("Queued", 3))
		self.assertEqual(queued["file_lines"]["SS7-B2"], [4])
		self.assertEqual(self.call(self.a_user, upload_status, upload=queued["upload"])["status"], "Queued")
		# what the worker runs; its commits (progress, per-invoice) would end this test's transaction
		with patch.object(frappe.db, "commit"):
			ingest.process_upload(queued["upload"])
		status = self.call(self.a_user, upload_status, upload=queued["upload"])
		self.assertEqual((status["status"], status["progress"], status["created"]), ("Done", 100, 3))
		with self.assertRaises(frappe.PermissionError):
			self.call(self.b_user, upload_status, upload=queued["upload"])

	def test_csv_template(self):
		frappe.local.response = frappe._dict()
		self.call(self.a_user, sales.csv_template)
		text = frappe.local.response["result"]
		header, first, *_rest = text.splitlines()
		self.assertTrue(header.startswith("external_ref,posting_date,"))
		self.assertIn(f"{P} A Store", first)
		self.assertNotIn(OIL, text)
