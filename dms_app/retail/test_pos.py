# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""POS at a distributor's counter: its POS Invoices are its secondary sales (its stock, its retailers or its
walk-in customer, the DMS schemes), and the Sales Invoices ERPNext merges them into at closing carry the
distributor, the rates as billed, the scheme ledger and the outbox message of any secondary sale."""

from unittest.mock import patch

import frappe
from erpnext.accounts.doctype.pos_closing_entry.pos_closing_entry import make_closing_entry_from_opening
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, flt, now_datetime

from dms_app.distributor_account.test_payments import enable_oem_outbox
from dms_app.retail import pos
from dms_app.schemes import engine
from dms_app.schemes.test_schemes import items, make_scheme, slabs, stock
from dms_app.tests.factories import (
	as_user,
	ensure_depot,
	make_distributor,
	make_item,
	make_retailer,
	make_user,
	receive_stock,
)

TEA, SOAP = "T-POS-TEA", "T-POS-SOAP"  # priced 50 and 20


class TestCounterPOS(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		make_item(TEA, price=50)
		make_item(SOAP, price=20)
		cls.dist = make_distributor("T-POS-A")
		cls.other = make_distributor("T-POS-B")
		for dist in (cls.dist, cls.other):
			for code in (TEA, SOAP):
				if stock(dist.warehouse, code) < 100:
					receive_stock(code, dist.warehouse, 100)
		cls.shop = make_retailer("T-POS Kirana", cls.dist)
		cls.other_shop = make_retailer("T-POS Other Kirana", cls.other)
		frappe.db.commit()

	def setUp(self):
		frappe.db.savepoint("pos_test")
		self.addCleanup(frappe.clear_document_cache, "DMS Settings", "DMS Settings")
		self.addCleanup(engine.clear_cache)
		self.addCleanup(frappe.db.rollback, save_point="pos_test")
		# only this test's schemes apply
		frappe.db.set_value("DMS Scheme", {"docstatus": 1}, "disabled", 1)
		engine.clear_cache()

	def counter(self):
		name = pos.make_pos_profile(self.dist.name, users=["Administrator"])
		opening = frappe.get_doc(
			{
				"doctype": "POS Opening Entry",
				"pos_profile": name,
				"company": self.dist.company,
				"user": "Administrator",
				"period_start_date": add_to_date(now_datetime(), minutes=-1),
				"balance_details": [{"mode_of_payment": pos.CASH, "opening_amount": 0}],
			}
		)
		opening.submit()
		return name, opening

	def bill(self, profile: str, customer: str, lines, warehouse: str | None = None):
		doc = frappe.new_doc("POS Invoice")
		doc.update({"pos_profile": profile, "company": self.dist.company, "customer": customer, "is_pos": 1})
		doc.set_missing_values()
		for code, qty in lines:
			doc.append(
				"items", {"item_code": code, "qty": qty, **({"warehouse": warehouse} if warehouse else {})}
			)
		doc.insert()
		# paid in cash, as the POS page fills the payment (the server does not total a POS Invoice's payments)
		doc.payments[0].amount = doc.paid_amount = flt(doc.rounded_total) or flt(doc.grand_total)
		doc.base_paid_amount = doc.paid_amount
		doc.submit()
		return doc

	def test_make_pos_profile_sets_up_the_distributors_counter_once(self):
		name = pos.make_pos_profile(self.dist.name, users=["Administrator"])
		self.assertEqual(name, f"{self.dist.name} Counter")
		profile = frappe.get_doc("POS Profile", name)
		price_list = self.dist.default_price_list or frappe.db.get_single_value(
			"DMS Settings", "default_price_list"
		)
		self.assertEqual(
			(profile.distributor, profile.company, profile.warehouse, profile.selling_price_list),
			(self.dist.name, self.dist.company, self.dist.warehouse, price_list),
		)
		walk_in = frappe.db.get_value("Customer", profile.customer, ["customer_name", "distributor"])
		self.assertEqual(tuple(walk_in), (f"{self.dist.name} Walk-in", self.dist.name))
		self.assertEqual([(p.mode_of_payment, p.default) for p in profile.payments], [(pos.CASH, 1)])
		self.assertTrue(
			frappe.db.get_value(
				"Mode of Payment Account",
				{"parent": pos.CASH, "company": self.dist.company},
				"default_account",
			)
		)
		self.assertEqual([u.user for u in profile.applicable_for_users], ["Administrator"])
		# again: the same profile and walk-in customer
		self.assertEqual(pos.make_pos_profile(self.dist.name), name)
		self.assertEqual(
			frappe.db.count("Customer", {"customer_name": f"{self.dist.name} Walk-in"}),
			1,
		)

	def test_only_dms_managers_make_a_counter(self):
		clerk = make_user("t-pos-clerk@dms.test")
		with self.assertRaises(frappe.PermissionError):
			as_user(clerk, pos.make_pos_profile, self.dist.name)
		with self.assertRaises(frappe.DoesNotExistError):
			pos.make_pos_profile("T-POS-NO-SUCH")

	def test_counter_sales_are_the_distributors_secondary_sales_through_closing(self):
		enable_oem_outbox()
		scheme = make_scheme(
			"T-POS tea slab",
			slabs=slabs((10, 0, "Percentage", 10)),
			items=items(TEA),
			buyers=[{"buyer_type": "Distributor", "value": self.dist.name}],
		)
		profile, opening = self.counter()
		walk_in = frappe.db.get_value("POS Profile", profile, "customer")
		before = {code: stock(self.dist.warehouse, code) for code in (TEA, SOAP)}

		# the slab applies to each cart as it is billed
		first = self.bill(profile, walk_in, [(TEA, 12)])
		self.assertEqual(first.distributor, self.dist.name)
		self.assertEqual((flt(first.items[0].rate), flt(first.grand_total)), (45, 540))
		self.assertEqual(flt(first.dms_scheme_discount), 60)
		to_shop = self.bill(profile, self.shop, [(TEA, 4), (SOAP, 5)])
		self.assertEqual((to_shop.distributor, flt(to_shop.grand_total)), (self.dist.name, 300))
		second = self.bill(profile, walk_in, [(TEA, 6)])  # below the slab on its own
		self.assertEqual(flt(second.grand_total), 300)
		# nothing moved nor recorded before closing
		self.assertEqual(stock(self.dist.warehouse, TEA), before[TEA])
		self.assertFalse(frappe.db.exists("DMS Scheme Ledger Entry", {"voucher_type": "POS Invoice"}))

		# another distributor's stock or retailer is refused at this counter
		with self.assertRaisesRegex(frappe.ValidationError, "not a warehouse of distributor"):
			self.bill(profile, walk_in, [(TEA, 1)], warehouse=self.other.warehouse)
		with self.assertRaisesRegex(frappe.ValidationError, "is not a retailer of distributor"):
			self.bill(profile, self.other_shop, [(TEA, 1)])

		closing = make_closing_entry_from_opening(opening)
		for row in closing.payment_reconciliation:
			row.closing_amount = row.expected_amount
		with patch.object(frappe.db, "commit"):  # ERPNext's merge commits; the test rolls back instead
			closing.submit()
		self.assertEqual(frappe.db.get_value("POS Closing Entry", closing.name, "status"), "Submitted")

		merged = frappe.get_doc(
			"Sales Invoice", frappe.db.get_value("POS Invoice", first.name, "consolidated_invoice")
		)
		self.assertEqual(frappe.db.get_value("POS Invoice", second.name, "consolidated_invoice"), merged.name)
		# the rates as billed: the merged 18 teas are not priced again at the slab
		self.assertEqual(
			(merged.is_consolidated, merged.docstatus, merged.distributor, merged.customer),
			(1, 1, self.dist.name, walk_in),
		)
		self.assertEqual(sorted(flt(row.rate) for row in merged.items), [45, 50])
		self.assertEqual(flt(merged.grand_total), 840)
		self.assertEqual(flt(merged.dms_scheme_discount), 60)
		shop_invoice = frappe.get_doc(
			"Sales Invoice", frappe.db.get_value("POS Invoice", to_shop.name, "consolidated_invoice")
		)
		self.assertEqual(
			(shop_invoice.distributor, shop_invoice.customer, flt(shop_invoice.grand_total)),
			(self.dist.name, self.shop, 300),
		)

		# stock out of the distributor's warehouse
		self.assertEqual(stock(self.dist.warehouse, TEA), before[TEA] - 22)
		self.assertEqual(stock(self.dist.warehouse, SOAP), before[SOAP] - 5)

		# the scheme ledger, from the merged invoice's row of the first bill
		[entry] = frappe.get_all(
			"DMS Scheme Ledger Entry",
			filters={"voucher_type": "Sales Invoice", "voucher_no": merged.name, "is_cancelled": 0},
			fields=["scheme", "distributor", "retailer", "item_code", "discount", "voucher_detail_no"],
		)
		row = next(row for row in merged.items if row.pos_invoice == first.name)
		self.assertEqual(
			(entry.scheme, entry.distributor, entry.retailer, entry.item_code, flt(entry.discount)),
			(scheme.name, self.dist.name, walk_in, TEA, 60),
		)
		self.assertEqual(entry.voucher_detail_no, row.name)
		self.assertFalse(
			frappe.db.exists("DMS Scheme Ledger Entry", {"voucher_no": shop_invoice.name, "is_cancelled": 0})
		)

		# the OEM ERP is told of each, as of any secondary sale
		for invoice in (merged, shop_invoice):
			self.assertEqual(
				frappe.get_all(
					"DMS Sync Message",
					filters={"reference_doctype": "Sales Invoice", "reference_name": invoice.name},
					fields=["event", "distributor"],
				),
				[{"event": "secondary_sale.submitted", "distributor": self.dist.name}],
			)
