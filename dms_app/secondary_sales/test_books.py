# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""A day of a distributor's Tally books through the upload, with the ledger mapping, tax templates and
item units a real site has: every voucher is posted equal to the books, or refused with the reason."""

import re
from pathlib import Path

import frappe
from erpnext.stock.doctype.batch.batch import get_batch_qty
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from dms_app.api.secondary_sales import upload
from dms_app.distribution import gst
from dms_app.tests.factories import (
	as_user,
	company,
	make_distributor,
	make_item,
	make_user,
	make_warehouse,
	receive_stock,
)

DAY = Path(frappe.get_app_path("dms_app")).parent / "tests" / "data" / "tally" / "day_2026-11-05.xml"
STOCK_DATE = "2026-11-01"
# Tally stock item -> (item, stock unit, {other unit: factor}, GST rate)
ITEMS = {
	"Neem Soap 100g": ("T-TB-SOAP", "Nos", {}, "18"),
	"Assam Tea 250g": ("T-TB-TEA", "Nos", {}, "5"),
	"Mustard Oil 1L": ("T-TB-OIL", "Nos", {}, "5"),
	"Basmati Rice 5kg": ("T-TB-RICE", "Bag", {}, "5"),
	"Cola 600ml": ("T-TB-COLA-BATCH", "Btl", {"Case": 24}, "28C"),
	"Lemon Soda 300ml": ("T-TB-SODA", "Btl", {"Case": 24}, "28C"),
	"Herbal Shampoo Sachet 6ml": ("T-TB-SHAMPOO", "Pcs", {"Box": 12}, "18"),
}
# each item's HSN code where the site keeps them (india_compliance): the day file's own, or the 8-digit
# code under the 4-digit heading the file gives
HSN = {
	"T-TB-SOAP": "34011190",
	"T-TB-TEA": "09021010",
	"T-TB-OIL": "15141110",
	"T-TB-RICE": "10061010",
	"T-TB-COLA-BATCH": "22021010",
	"T-TB-SODA": "22021090",
	"T-TB-SHAMPOO": "33051090",
}
# the books' totals, returns negative
TOTALS = {
	"HT/26-27/101": 4115.0,
	"HT/26-27/102": 4509.0,
	"HT/26-27/103": 3024.0,
	"HT/CN/7": -280.0,
	"HT/26-27/107": 354.0,
	"HT/26-27/108": 935.0,
}


def _account(name: str, parent: str, account_type: str) -> str:
	abbr = frappe.get_cached_value("Company", company(), "abbr")
	full = f"{name} - {abbr}"
	if not frappe.db.exists("Account", full):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": name,
				"parent_account": f"{parent} - {abbr}",
				"company": company(),
				"account_type": account_type,
			}
		).insert(ignore_permissions=True)
	return full


def _named(doctype: str, title: str, **fields) -> str:
	name = f"{title} - {frappe.get_cached_value('Company', company(), 'abbr')}"
	if not frappe.db.exists(doctype, name):
		frappe.get_doc({"doctype": doctype, "title": title, "company": company(), **fields}).insert(
			ignore_permissions=True
		)
	return name


def gst_setup() -> dict:
	"""GST accounts, item tax templates by rate, sales tax templates by supply, and the OEM's mapping
	of the Tally tax ledgers (the distributor maps its own discount, round-off and freight ledgers)."""
	heads = {
		head: _account(f"T-TB Output {head}", "Duties and Taxes", "Tax")
		for head in ("CGST", "SGST", "IGST", "Cess")
	}
	rates = {
		"5": {"CGST": 2.5, "SGST": 2.5, "IGST": 5},
		"18": {"CGST": 9, "SGST": 9, "IGST": 18},
		"28C": {"CGST": 14, "SGST": 14, "IGST": 28, "Cess": 12},
	}
	# india_compliance, where installed, wants the GST rate and treatment on the template as well
	gst_fields = frappe.get_meta("Item Tax Template").has_field("gst_rate")
	item_templates = {
		rate: _named(
			"Item Tax Template",
			f"T-TB GST {rate}",
			taxes=[{"tax_type": heads[head], "tax_rate": value} for head, value in by_head.items()],
			**({"gst_treatment": "Taxable", "gst_rate": by_head["IGST"]} if gst_fields else {}),
		)
		for rate, by_head in rates.items()
	}

	def rows(**by_head):
		return [
			{"charge_type": "On Net Total", "account_head": heads[head], "rate": rate, "description": head}
			for head, rate in by_head.items()
		]

	templates = {
		"in-state": _named("Sales Taxes and Charges Template", "T-TB In-state", taxes=rows(CGST=9, SGST=9)),
		"out-state": _named("Sales Taxes and Charges Template", "T-TB Out-state", taxes=rows(IGST=18)),
		"out-state-cess": _named(
			"Sales Taxes and Charges Template", "T-TB Out-state Cess", taxes=rows(IGST=28, Cess=12)
		),
	}
	for ledger, head in (
		("Output CGST 9%", "CGST"),
		("Output SGST 9%", "SGST"),
		("Output CGST 2.5%", "CGST"),
		("Output SGST 2.5%", "SGST"),
		("Output IGST 28%", "IGST"),
		("Output Cess 12%", "Cess"),
	):
		_mapping(None, ledger, "Tax", tax_head=head, account=heads[head])
	return {"heads": heads, "item_templates": item_templates, "templates": templates}


def _mapping(distributor: str | None, ledger: str, ledger_type: str, **fields) -> str:
	filters = {"distributor": distributor or ("is", "not set"), "tally_ledger": ledger}
	if name := frappe.db.get_value("DMS Tally Ledger", filters):
		return name
	doc = {"doctype": "DMS Tally Ledger", "distributor": distributor, "tally_ledger": ledger}
	return frappe.get_doc({**doc, "ledger_type": ledger_type, **fields}).insert(ignore_permissions=True).name


def _uom(name: str) -> str:
	if not frappe.db.exists("UOM", name):
		frappe.get_doc({"doctype": "UOM", "uom_name": name}).insert(ignore_permissions=True)
	return name


class TestTallyBooks(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.gst = gst_setup()
		cls.dist = make_distributor("T-TB-1")
		cls.portal = make_user("t-tb-dist@dms.test")
		make_distributor("T-TB-1", portal_users=[{"user": cls.portal}])
		freight = _account("T-TB Freight Outward", "Indirect Income", "Chargeable")
		for ledger, kind, fields in (
			("Trade Discount Allowed", "Discount", {}),
			("Rounded Off", "Round Off", {}),
			("Freight Outward", "Charge", {"account": freight}),
		):
			_mapping(cls.dist.name, ledger, kind, **fields)
		# the godowns of its Tally: Kalyan is a second warehouse of its own
		cls.kalyan = make_warehouse("T-TB Kalyan")
		frappe.db.set_value("Warehouse", cls.kalyan, "distributor", cls.dist.name)
		for godown, warehouse in (
			("Main Godown", cls.dist.warehouse),
			("Kalyan Godown", cls.kalyan),
			("Bhiwandi Depot", cls.dist.warehouse),
		):
			if not frappe.db.exists("DMS Godown Mapping", {"distributor": cls.dist.name, "godown": godown}):
				frappe.get_doc(
					{
						"doctype": "DMS Godown Mapping",
						"distributor": cls.dist.name,
						"godown": godown,
						"warehouse": warehouse,
					}
				).insert(ignore_permissions=True)
		for tally_name, (code, stock_uom, factors, rate) in ITEMS.items():
			for uom in (stock_uom, *factors):
				_uom(uom)
			make_item(
				code,
				price=10,
				stock_uom=stock_uom,
				uoms=[{"uom": uom, "conversion_factor": factor} for uom, factor in factors.items()],
				taxes=[{"item_tax_template": cls.gst["item_templates"][rate]}],
				has_batch_no=int(code == "T-TB-COLA-BATCH"),  # the cola is tracked by batch
				**({"gst_hsn_code": HSN[code]} if gst.applies() else {}),
			)
			if gst.applies():  # an item an earlier run made keeps its code otherwise
				frappe.db.set_value("Item", code, "gst_hsn_code", HSN[code])
			if code == "T-TB-COLA-BATCH":
				for batch in ("CL2610A", "CL2610B"):
					receive_stock(code, cls.dist.warehouse, 100, posting_date=STOCK_DATE, batch_no=batch)
			else:
				receive_stock(code, cls.dist.warehouse, 500, posting_date=STOCK_DATE)
			mapped = {"distributor": cls.dist.name, "external_item": tally_name}
			frappe.db.delete("DMS Item Mapping", mapped)
			frappe.get_doc({"doctype": "DMS Item Mapping", **mapped, "item_code": code}).insert(
				ignore_permissions=True
			)
		receive_stock("T-TB-SOAP", cls.kalyan, 100, posting_date=STOCK_DATE)
		frappe.db.commit()

	def setUp(self):
		# every test's invoices, retailers and settings are undone after it
		frappe.db.savepoint("tally_books")
		self.addCleanup(frappe.db.rollback, save_point="tally_books")

	def post(self, text: str) -> dict:
		return as_user(self.portal, upload, format="tally", data=text)

	def test_a_day_of_tally_is_posted_equal_to_the_books(self):
		batches = {batch: get_batch_qty(batch, self.dist.warehouse) for batch in ("CL2610A", "CL2610B")}
		result = self.post(DAY.read_text(encoding="utf-8"))
		by_ref = {r["external_ref"]: r for r in result["results"]}
		self.assertEqual({ref for ref, r in by_ref.items() if r["status"] == "created"}, set(TOTALS), by_ref)
		self.assertEqual(len(result["skipped"]), 6)
		self.assertTrue(all(v["reason"] for v in result["skipped"]))
		invoices = {ref: frappe.get_doc("Sales Invoice", by_ref[ref]["sales_invoice"]) for ref in TOTALS}
		# the totals, invoice by invoice and for the file
		self.assertEqual({ref: flt(doc.rounded_total) for ref, doc in invoices.items()}, TOTALS)
		self.assertEqual((result["books_total"], result["dms_total"]), (12657.0, 12657.0))
		for ref, doc in invoices.items():
			self.assertFalse(doc.dms_books_difference, ref)
			for row in doc.items:  # quantity x rate is the books' line amount, in the item's stock unit
				self.assertAlmostEqual(flt(row.qty) * flt(row.rate), flt(row.amount), places=2, msg=ref)

		def taxes(doc):
			return {row.description: flt(row.tax_amount_after_discount_amount) for row in doc.taxes}

		# intra-state CGST + SGST at each item's rate (18 % soap, 5 % tea on one invoice)
		first = invoices["HT/26-27/101"]
		self.assertEqual(first.taxes_and_charges, self.gst["templates"]["in-state"])
		self.assertEqual(taxes(first), {"CGST": 245.0, "SGST": 245.0})
		# the invoice discount on the net total, and the round-off
		second = invoices["HT/26-27/102"]
		self.assertEqual((flt(second.discount_amount), flt(second.rounding_adjustment)), (87.64, -0.08))
		self.assertEqual(taxes(second), {"CGST": 107.36, "SGST": 107.36})
		# inter-state IGST with cess, cases of 24 bottles, and the free sodas at rate 0
		third = invoices["HT/26-27/103"]
		self.assertEqual(third.taxes_and_charges, self.gst["templates"]["out-state-cess"])
		self.assertEqual(taxes(third), {"IGST": 604.8, "Cess": 259.2})
		# the cola from two of its batches (it is tracked by batch; the soda's batch is only a label)
		self.assertEqual(
			[(row.item_code, flt(row.qty), flt(row.rate), row.batch_no or None) for row in third.items],
			[
				("T-TB-COLA-BATCH", 24, 35, "CL2610A"),
				("T-TB-COLA-BATCH", 24, 35, "CL2610B"),
				("T-TB-SODA", 24, 20, None),
				("T-TB-SODA", 2, 0, None),
			],
		)
		for batch, before in batches.items():
			self.assertEqual(get_batch_qty(batch, self.dist.warehouse), before - 24)
		# the soap Tally took from two godowns: each godown's warehouse
		self.assertEqual(
			[(row.item_code, flt(row.qty), row.warehouse) for row in first.items],
			[
				("T-TB-SOAP", 60, self.dist.warehouse),
				("T-TB-SOAP", 40, self.kalyan),
				("T-TB-TEA", 10, self.dist.warehouse),
			],
		)
		# the credit note returns the first invoice, with its taxes
		credit = invoices["HT/CN/7"]
		self.assertEqual((credit.is_return, credit.return_against), (1, first.name))
		self.assertEqual(taxes(credit), {"CGST": -21.38, "SGST": -21.38})
		# the cash sale's retailer is the buyer Tally names, not the cash ledger
		cash = invoices["HT/26-27/107"]
		self.assertEqual(
			frappe.db.get_value("Customer", cash.customer, ["customer_name", "tax_id"]),
			("Anand Medical & General Stores", "27AAKFA1111B1Z2"),
		)
		# "2 Box 6 Pcs" at 300.00/Box is 30 sachets at 25, and the freight is the books' charge
		shampoo = invoices["HT/26-27/108"]
		self.assertEqual([(flt(r.qty), r.uom, flt(r.rate)) for r in shampoo.items], [(30, "Pcs", 25)])
		self.assertEqual(taxes(shampoo)["Freight Outward"], 50.0)
		upload_doc = frappe.get_doc("DMS Upload", result["upload"])
		self.assertEqual(
			(upload_doc.created_invoices, upload_doc.skipped_vouchers, upload_doc.rejected_invoices),
			(6, 6, 0),
		)
		self.assertEqual((flt(upload_doc.books_total), flt(upload_doc.dms_total)), (12657.0, 12657.0))

	def test_a_voucher_that_differs_from_the_books_is_refused_with_both_figures_or_flagged(self):
		# the cash sale with its GST at 2.5 % where the item's rate is 18 %: consistent in Tally itself
		day = _in_voucher(
			DAY.read_text(encoding="utf-8"),
			"HT/26-27/107",
			("<AMOUNT>27.00</AMOUNT>", "<AMOUNT>7.50</AMOUNT>"),
			("<AMOUNT>-354.00</AMOUNT>", "<AMOUNT>-315.00</AMOUNT>"),
		)
		frappe.db.savepoint("before_upload")
		result = self.post(day)
		[cash] = [r for r in result["results"] if r["external_ref"] == "HT/26-27/107"]
		self.assertEqual(cash["status"], "rejected")
		messages = [e["message"] for e in cash["errors"]]
		self.assertIn("CGST: Tally 7.50, DMS 27.00", messages)
		self.assertIn("total: Tally 315.00, DMS 354.00", messages)
		self.assertFalse(frappe.db.exists("Sales Invoice", {"dms_external_ref": "HT/26-27/107"}))
		self.assertEqual((result["books_total"], result["dms_total"]), (12618.0, 12303.0))
		frappe.db.rollback(save_point="before_upload")

		frappe.db.set_single_value("DMS Settings", "books_mismatch", "Create and Flag")
		result = self.post(day)
		[cash] = [r for r in result["results"] if r["external_ref"] == "HT/26-27/107"]
		self.assertEqual(cash["status"], "created")
		self.assertEqual({d["field"] for d in cash["differences"]}, {"CGST", "SGST", "total"})
		flagged = frappe.db.get_value("Sales Invoice", cash["sales_invoice"], "dms_books_difference")
		self.assertIn("CGST: Tally 7.50, DMS 27.00", flagged)

	def test_a_ledger_without_a_mapping_or_a_tax_without_its_template_is_a_row_error(self):
		frappe.db.delete(
			"DMS Tally Ledger", {"distributor": self.dist.name, "tally_ledger": "Freight Outward"}
		)
		frappe.db.set_value(
			"Sales Taxes and Charges Template", self.gst["templates"]["out-state-cess"], "disabled", 1
		)
		frappe.db.delete("DMS Godown Mapping", {"distributor": self.dist.name, "godown": "Bhiwandi Depot"})
		result = self.post(DAY.read_text(encoding="utf-8"))
		by_ref = {r["external_ref"]: r for r in result["results"]}
		self.assertEqual(
			{ref for ref, r in by_ref.items() if r["status"] == "rejected"}, {"HT/26-27/103", "HT/26-27/108"}
		)
		[freight] = by_ref["HT/26-27/108"]["errors"]
		self.assertEqual(freight["field"], "ledgers")
		self.assertIn("ledger Freight Outward (50.00) is not mapped", freight["message"])
		errors = by_ref["HT/26-27/103"]["errors"]
		self.assertEqual([e["field"] for e in errors], ["godown"] * 4 + ["taxes"])
		self.assertIn("godown Bhiwandi Depot is not mapped", errors[0]["message"])
		self.assertIn("Output IGST 28%, Output Cess 12%", errors[-1]["message"])

	def test_the_ledger_mapping_is_each_distributors_own(self):
		other = make_distributor("T-TB-2")
		mine = frappe.get_all("DMS Tally Ledger", filters={"distributor": self.dist.name}, pluck="name")
		theirs = _mapping(other.name, "Rounded Off", "Round Off")
		self.assertEqual(
			set(as_user(self.portal, frappe.get_list, "DMS Tally Ledger", pluck="name")), set(mine)
		)
		doc = frappe.get_doc("DMS Tally Ledger", theirs)
		self.assertFalse(as_user(self.portal, doc.has_permission, "read"))
		# the OEM's rows apply to every distributor, and only the OEM's staff change them
		oem = frappe.get_doc(
			"DMS Tally Ledger", {"tally_ledger": "Output IGST 28%", "distributor": ("is", "not set")}
		)
		self.assertFalse(as_user(self.portal, oem.has_permission, "write"))


def _in_voucher(text: str, ref: str, *replacements: tuple[str, str]) -> str:
	"""``text`` with the replacements made inside the voucher numbered ``ref`` only."""
	start = text.index(f"<VOUCHERNUMBER>{ref}</VOUCHERNUMBER>")
	start = text.rindex("<VOUCHER ", 0, start)
	end = text.index("</VOUCHER>", start)
	voucher = text[start:end]
	for old, new in replacements:
		assert old in voucher, old
		voucher = re.sub(re.escape(old), new, voucher)
	return text[:start] + voucher + text[end:]
