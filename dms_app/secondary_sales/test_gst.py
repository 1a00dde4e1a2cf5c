# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Secondary invoices on a GST-registered company, beside india_compliance (runs only where it is
installed; the suite's company is otherwise unregistered): each carries the retailer's GSTIN, the place
of supply, its items' HSN codes and the template for intra- or inter-state supply, and passes
india_compliance's validations, for a registered retailer in the company's state, one in another state
and an unregistered (B2C) one."""

import unittest

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, today

from dms_app.api.secondary_sales import upload
from dms_app.distribution import gst
from dms_app.tests.factories import (
	TEST_HSN,
	company,
	make_distributor,
	make_item,
	make_retailer,
	receive_stock,
)

CODE_POINTS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin(first14: str) -> str:
	"""A GSTIN with its check digit (GST's mod-36 rule)."""
	factor, total = 1, 0
	for char in first14:
		digit = factor * CODE_POINTS.index(char)
		total += digit // 36 + digit % 36
		factor = 2 if factor == 1 else 1
	return first14 + CODE_POINTS[(36 - total % 36) % 36]


COMPANY_GSTIN = gstin("27AABCD1234E1Z")
SOAP = "T-GST-SOAP"


@unittest.skipUnless(gst.applies(), "india_compliance is not installed on this site")
class TestGSTInvoices(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# all of it is rolled back when the class ends (FrappeTestCase.tearDownClass)
		from india_compliance.gst_india.overrides.company import make_default_tax_templates

		name = company()
		frappe.db.set_value("Company", name, {"gstin": COMPANY_GSTIN, "gst_category": "Registered Regular"})
		cls.company_address = _address(
			"T-GST Depot", "Company", name, "Maharashtra", COMPANY_GSTIN, is_your_company_address=1
		)
		make_default_tax_templates(name)
		cls.templates = {
			row.tax_category: row.name
			for row in frappe.get_all(
				"Sales Taxes and Charges Template",
				filters={"company": name, "disabled": 0},
				fields=["name", "tax_category"],
			)
		}
		make_item(SOAP, price=100)
		cls.dist = make_distributor("T-GST-1")
		frappe.db.set_value("Distributor", cls.dist.name, "company_address", cls.company_address)
		receive_stock(SOAP, cls.dist.warehouse, 100)
		cls.local = _retailer(cls.dist, "T-GST Pune Traders", gstin("27AAAPL1234C1Z"), "Maharashtra")
		cls.remote = _retailer(cls.dist, "T-GST Surat Traders", gstin("24AAAPL1234C1Z"), "Gujarat")
		cls.walk_in = _retailer(cls.dist, "T-GST Corner Shop", None, "Maharashtra")

	def post(self, ref: str, retailer: str) -> frappe._dict:
		batch = [
			{
				"external_ref": ref,
				"posting_date": today(),
				"retailer": {"name": retailer},
				"lines": [{"item_code": SOAP, "qty": 2, "rate": 100}],
			}
		]
		[result] = upload(distributor=self.dist.name, invoices=batch)["results"]
		self.assertEqual(result["status"], "created", result)
		return frappe.get_doc("Sales Invoice", result["sales_invoice"])

	def taxes(self, doc) -> dict[str, float]:
		return {row.account_head.split(" - ")[0]: flt(row.tax_amount) for row in doc.taxes}

	def test_an_intra_state_sale_is_taxed_cgst_and_sgst(self):
		doc = self.post("T-GST-1", "T-GST Pune Traders")
		self.assertEqual(doc.taxes_and_charges, self.templates["In-State"])
		self.assertEqual(self.taxes(doc), {"Output Tax CGST": 18.0, "Output Tax SGST": 18.0})
		self.assertEqual(
			(doc.company_gstin, doc.billing_address_gstin, doc.place_of_supply, doc.gst_category),
			(COMPANY_GSTIN, gstin("27AAAPL1234C1Z"), "27-Maharashtra", "Registered Regular"),
		)
		self.assertEqual(doc.items[0].gst_hsn_code, TEST_HSN)
		self.assertLessEqual(len(doc.name), 16)
		self.assertEqual(flt(doc.grand_total), 236.0)

	def test_an_inter_state_sale_is_taxed_igst(self):
		doc = self.post("T-GST-2", "T-GST Surat Traders")
		self.assertEqual(doc.taxes_and_charges, self.templates["Out-State"])
		self.assertEqual(self.taxes(doc), {"Output Tax IGST": 36.0})
		self.assertEqual(doc.place_of_supply, "24-Gujarat")

	def test_an_invoice_made_in_the_portal_is_taxed_the_same_way(self):
		from dms_app.portal.sales import create_invoice

		made = create_invoice(
			retailer=self.remote, lines=[{"item_code": SOAP, "qty": 1}], distributor=self.dist.name
		)
		doc = frappe.get_doc("Sales Invoice", made["name"])
		self.assertEqual((doc.docstatus, doc.taxes_and_charges), (1, self.templates["Out-State"]))
		self.assertEqual(self.taxes(doc), {"Output Tax IGST": 18.0})

	def test_an_unregistered_retailer_is_a_b2c_sale_in_its_state(self):
		doc = self.post("T-GST-3", "T-GST Corner Shop")
		self.assertEqual(doc.taxes_and_charges, self.templates["In-State"])
		self.assertEqual((doc.gst_category, doc.billing_address_gstin), ("Unregistered", None))
		self.assertEqual(doc.place_of_supply, "27-Maharashtra")


def _address(title: str, link_doctype: str, link_name: str, state: str, gstin: str | None, **fields) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": title,
				"address_type": "Billing",
				"address_line1": "1 Station Road",
				"city": "Pune" if state == "Maharashtra" else "Surat",
				"state": state,
				"pincode": "411001" if state == "Maharashtra" else "395003",
				"country": "India",
				"gstin": gstin,
				"gst_category": "Registered Regular" if gstin else "Unregistered",
				"is_primary_address": 1,
				"links": [{"link_doctype": link_doctype, "link_name": link_name}],
				**fields,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def _retailer(dist, name: str, tax_id: str | None, state: str) -> str:
	retailer = make_retailer(
		name,
		dist,
		tax_id=tax_id,
		gstin=tax_id,
		gst_category="Registered Regular" if tax_id else "Unregistered",
	)
	address = _address(name, "Customer", retailer, state, tax_id)
	frappe.db.set_value("Customer", retailer, "customer_primary_address", address)
	return retailer
