# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Schemes on real documents: secondary invoices, primary orders, the ledger, budgets, claims, loyalty."""

import threading
import time
from unittest.mock import patch

import frappe
from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return
from frappe.exceptions import UpdateAfterSubmitError
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, getdate, today
from frappe.utils.nestedset import get_root_of

from dms_app.api.secondary_sales import upload
from dms_app.schemes import engine, period
from dms_app.schemes.doctype.dms_scheme.dms_scheme import InvalidScheme
from dms_app.schemes.report.retailer_loyalty_points.retailer_loyalty_points import execute as loyalty_points
from dms_app.schemes.report.scheme_utilization.scheme_utilization import execute as utilization
from dms_app.tests.factories import (
	act,
	as_user,
	ensure_depot,
	make_distributor,
	make_item,
	make_primary_order,
	make_retailer,
	make_user,
	purge_distributor,
	receive_stock,
)

BIS, CAKE, CUP = "T-SCH-BIS", "T-SCH-CAKE", "T-SCH-CUP"  # priced 100, 50, 10
START = add_days(today(), -20)


def make_scheme(name: str, scheme_type: str = "Slab Discount", submit: bool = True, **fields):
	fields.setdefault("company", frappe.db.get_single_value("DMS Settings", "company"))
	doc = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"scheme_name": name,
			"scheme_type": scheme_type,
			"channel": "Secondary",
			"valid_from": START,
			**fields,
		}
	)
	doc.insert()
	if submit:
		doc.submit()
	return doc


def slabs(*rows):
	return [
		{"from_value": low, "to_value": high or 0, "discount_type": kind, "discount": discount}
		for low, high, kind, discount in rows
	]


def items(*codes):
	return [{"applies_to": "Item", "value": code} for code in codes]


def invoice(dist, customer: str, lines, submit: bool = True, **fields):
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": dist.company,
			"customer": customer,
			"distributor": dist.name,
			"posting_date": today(),
			"set_posting_time": 1,
			"set_warehouse": dist.warehouse,
			"items": [
				{
					"item_code": code,
					"qty": qty,
					"warehouse": dist.warehouse,
					**({"rate": rate[0]} if rate else {}),
				}
				for code, qty, *rate in lines
			],
			**fields,
		}
	).insert()
	if submit:
		doc.submit()
	return doc


def ledger(voucher: str, **filters):
	return frappe.get_all(
		"DMS Scheme Ledger Entry",
		filters={"voucher_no": voucher, **filters},
		fields=["scheme", "item_code", "discount", "free_item", "free_qty", "value", "is_cancelled", "claim"],
		order_by="scheme, item_code",
	)


def make_tree_node(doctype: str, name: str, parent: str | None = None, is_group: int = 0) -> str:
	"""A node of an ERPNext tree (Item Group, Territory), under ``parent`` or the tree's root."""
	parent_field = "parent_" + frappe.scrub(doctype)
	if not frappe.db.exists(doctype, name):
		frappe.get_doc(
			{
				"doctype": doctype,
				frappe.scrub(doctype) + "_name": name,
				parent_field: parent or get_root_of(doctype),
				"is_group": is_group,
			}
		).insert(ignore_permissions=True)
	return name


def stock(warehouse: str, item: str) -> float:
	return flt(frappe.db.get_value("Bin", {"warehouse": warehouse, "item_code": item}, "actual_qty"))


class SchemeCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		for code, price in ((BIS, 100), (CAKE, 50), (CUP, 10)):
			make_item(code, price=price)
		cls.dist = make_distributor("T-SCH-1")
		cls.shop = make_retailer("T-SCH Kirana", cls.dist)
		for code in (BIS, CAKE, CUP):
			receive_stock(code, cls.dist.warehouse, 1000, posting_date=START)

	def setUp(self):
		engine.clear_cache()
		frappe.db.delete("DMS Scheme Ledger Entry")
		frappe.db.set_value("DMS Scheme", {"docstatus": 1}, "disabled", 1)


class TestSchemesOnInvoices(SchemeCase):
	def test_slab_discount_lowers_the_rate_once_and_is_recorded_and_reversed(self):
		scheme = make_scheme("Ten off", slabs=slabs((10, 49, "Percentage", 10), (50, 0, "Percentage", 15)))
		doc = invoice(self.dist, self.shop, [(BIS, 12), (CAKE, 5)], submit=False)
		self.assertEqual([flt(row.rate) for row in doc.items], [90.0, 50.0])
		self.assertEqual(flt(doc.dms_scheme_discount), 120.0)
		doc.save()  # validated again: still one discount
		doc.submit()
		self.assertEqual([flt(row.rate) for row in doc.items], [90.0, 50.0])
		self.assertEqual(flt(doc.net_total), 12 * 90 + 5 * 50)
		[entry] = ledger(doc.name)
		self.assertEqual((entry.scheme, entry.item_code, entry.value), (scheme.name, BIS, 120.0))
		doc.cancel()
		self.assertEqual([e.is_cancelled for e in ledger(doc.name)], [1])

	def test_free_goods_leave_the_distributors_stock(self):
		scheme = make_scheme(
			"Buy 10 get a cup", "Free Goods", buy_qty=10, free_qty=1, free_item=CUP, items=items(BIS)
		)
		before = stock(self.dist.warehouse, CUP)
		doc = invoice(self.dist, self.shop, [(BIS, 25)])
		free = [row for row in doc.items if row.dms_scheme]
		self.assertEqual(
			[(r.item_code, r.qty, flt(r.rate), r.dms_scheme) for r in free], [(CUP, 2, 0, scheme.name)]
		)
		self.assertEqual(stock(self.dist.warehouse, CUP), before - 2)
		[entry] = ledger(doc.name)
		self.assertEqual((entry.free_item, entry.free_qty, entry.value), (CUP, 2, 20.0))
		# a return takes the free goods back with the goods
		credit = make_sales_return(doc.name)
		credit.insert()
		credit.submit()
		self.assertIn((CUP, -2), [(row.item_code, row.qty) for row in credit.items])
		self.assertEqual(stock(self.dist.warehouse, CUP), before)

	def test_an_uploaded_invoice_keeps_the_books_rates_and_the_schemes_explain_its_discount(self):
		# The books' rate is what the retailer paid: the engine never discounts it again. What the schemes
		# would give at list price explains the books' discount, and only that much is their benefit.
		scheme = make_scheme("Upload slab", slabs=slabs((10, 0, "Percentage", 10)), items=items(BIS))

		def post(ref, discount_percentage):
			batch = [
				{
					"external_ref": ref,
					"posting_date": today(),
					"retailer": {"name": "T-SCH Kirana"},
					"lines": [
						{"item_code": BIS, "qty": 10, "rate": 100, "discount_percentage": discount_percentage}
					],
				}
			]
			[result] = upload(distributor=self.dist.name, invoices=batch)["results"]
			return result, frappe.get_doc("Sales Invoice", result["sales_invoice"])

		# no discount in the books: none given, nothing to claim
		result, plain = post("T-SCH-UP-0", 0)
		self.assertEqual((flt(plain.items[0].rate), flt(plain.grand_total)), (100.0, 1000.0))
		self.assertEqual((ledger(plain.name), flt(plain.dms_unexplained_discount)), ([], 0.0))
		# the scheme's 10 %, given in the books: explained, and recorded once
		result, explained = post("T-SCH-UP-1", 10)
		self.assertEqual((flt(explained.items[0].rate), flt(explained.grand_total)), (90.0, 900.0))
		[entry] = ledger(explained.name)
		self.assertEqual((entry.scheme, entry.discount), (scheme.name, 100.0))
		self.assertNotIn("unexplained_discount", result)
		# 15 % in the books: the scheme explains 10 %, the rest is reported
		result, generous = post("T-SCH-UP-2", 15)
		self.assertEqual(flt(generous.items[0].rate), 85.0)
		self.assertEqual([e.discount for e in ledger(generous.name)], [100.0])
		self.assertEqual(
			(flt(generous.dms_unexplained_discount), result["unexplained_discount"]), (50.0, 50.0)
		)
		# made in the DMS, the same cart is priced by the engine
		self.assertEqual(flt(invoice(self.dist, self.shop, [(BIS, 10)]).items[0].rate), 90.0)

	def test_a_credit_note_gives_back_its_share_of_the_schemes_benefits(self):
		scheme = make_scheme(
			"Returnable",
			slabs=slabs((10, 0, "Percentage", 10)),
			items=items(BIS),
			budget_type="Value",
			budget=1000,
		)
		bill = make_scheme("Bill off", "Bill Value", basis="Value", slabs=slabs((500, 0, "Amount", 40)))
		doc = invoice(self.dist, self.shop, [(BIS, 20), (CAKE, 4)])
		self.assertEqual(
			sorted((e.scheme, e.item_code or "", e.discount) for e in ledger(doc.name)),
			sorted([(bill.name, "", 40.0), (scheme.name, BIS, 200.0)]),
		)
		self.assertEqual(flt(frappe.db.get_value("DMS Scheme", scheme.name, "budget_used")), 200.0)
		credit = make_sales_return(doc.name)
		credit.items = [row for row in credit.items if row.item_code == BIS]
		credit.items[0].qty = -5
		credit.insert()
		credit.submit()
		# a quarter of the biscuits: a quarter of their discount, and the bill discount in the share of
		# the value returned before it (5 x 90 of 20 x 90 + 4 x 50)
		back = {(e.scheme, e.item_code): e.discount for e in ledger(credit.name)}
		self.assertEqual((back[(scheme.name, BIS)], back[(bill.name, None)]), (-50.0, -9.0))
		self.assertEqual(flt(frappe.db.get_value("DMS Scheme", scheme.name, "budget_used")), 150.0)
		credit.cancel()
		self.assertEqual(flt(frappe.db.get_value("DMS Scheme", scheme.name, "budget_used")), 200.0)

	def test_bill_value_discount_goes_into_the_additional_discount(self):
		make_scheme("Big bill", "Bill Value", basis="Value", slabs=slabs((1000, 0, "Amount", 75)))
		doc = invoice(self.dist, self.shop, [(BIS, 10), (CAKE, 4)], submit=False)
		self.assertEqual((flt(doc.discount_amount), flt(doc.dms_scheme_discount)), (75.0, 75.0))
		doc.save()
		self.assertEqual(flt(doc.discount_amount), 75.0)
		self.assertEqual(flt(doc.grand_total), 1200 - 75)

	def test_coupon_offer_and_bad_coupons(self):
		make_scheme("Diwali", coupon_code="DIWALI", slabs=slabs((1, 0, "Amount", 5)), items=items(CAKE))
		doc = invoice(self.dist, self.shop, [(CAKE, 2)], submit=False)
		self.assertEqual(flt(doc.items[0].rate), 50.0)
		doc.dms_coupon_code = "diwali"
		doc.save()
		self.assertEqual(flt(doc.items[0].rate), 45.0)
		with self.assertRaisesRegex(frappe.ValidationError, "belongs to no active scheme"):
			invoice(self.dist, self.shop, [(CAKE, 2)], dms_coupon_code="NOPE")
		with self.assertRaisesRegex(frappe.ValidationError, "does not meet the terms"):
			invoice(self.dist, self.shop, [(BIS, 2)], dms_coupon_code="DIWALI")

	def test_exclusive_scheme_does_not_stack(self):
		make_scheme(
			"Exclusive", priority=5, exclusive=1, slabs=slabs((1, 0, "Percentage", 20)), items=items(BIS)
		)
		make_scheme("Everyone", slabs=slabs((1, 0, "Percentage", 5)))
		doc = invoice(self.dist, self.shop, [(BIS, 1), (CAKE, 1)], submit=False)
		self.assertEqual([flt(row.rate) for row in doc.items], [80.0, 47.5])

	def test_a_used_budget_drops_the_scheme_and_a_coupon_for_it_is_refused(self):
		scheme = make_scheme(
			"Capped", budget_type="Value", budget=150, slabs=slabs((1, 0, "Amount", 10)), coupon_code=""
		)
		first = invoice(self.dist, self.shop, [(BIS, 10)])
		self.assertEqual(flt(frappe.db.get_value("DMS Scheme", scheme.name, "budget_used")), 100.0)
		second = invoice(self.dist, self.shop, [(BIS, 10)])
		self.assertEqual((flt(second.items[0].rate), ledger(second.name)), (100.0, []))
		first.cancel()
		self.assertEqual(flt(frappe.db.get_value("DMS Scheme", scheme.name, "budget_used")), 0.0)
		frappe.db.set_value("DMS Scheme", scheme.name, {"coupon_code": "CAP", "budget_used": 150})
		engine.clear_cache()
		with self.assertRaisesRegex(frappe.ValidationError, "budget of scheme .* is exhausted"):
			invoice(self.dist, self.shop, [(BIS, 1)], dms_coupon_code="CAP")

	def test_territory_and_item_group_trees(self):
		# its own two-level trees: on a fresh site the item and the shop may sit at the roots
		region = make_tree_node("Territory", "T-SCH West", is_group=1)
		area = make_tree_node("Territory", "T-SCH Pune", parent=region)
		foods = make_tree_node("Item Group", "T-SCH Foods", is_group=1)
		biscuits = make_tree_node("Item Group", "T-SCH Biscuits", parent=foods)
		for doctype, name, field, value in (
			("Item", BIS, "item_group", biscuits),
			("Customer", self.shop, "territory", area),
		):
			self.addCleanup(
				frappe.db.set_value, doctype, name, field, frappe.db.get_value(doctype, name, field)
			)
			frappe.db.set_value(doctype, name, field, value)
		make_scheme(
			"Tree",
			slabs=slabs((1, 0, "Percentage", 10)),
			items=[{"applies_to": "Item Group", "value": foods}],
			buyers=[{"buyer_type": "Territory", "value": region}],
		)
		doc = invoice(self.dist, self.shop, [(BIS, 1)], submit=False)
		self.assertEqual(flt(doc.items[0].rate), 90.0)


class TestSchemeTerms(SchemeCase):
	def test_bad_terms_are_refused_and_nothing_is_saved(self):
		cases = {
			"overlap": {"slabs": slabs((1, 10, "Percentage", 5), (10, 0, "Percentage", 8))},
			"Valid Upto": {"valid_upto": add_days(START, -1), "slabs": slabs((1, 0, "Percentage", 5))},
			"more than 100": {"slabs": slabs((1, 0, "Percentage", 120))},
			"at least one slab": {},
		}
		for message, fields in cases.items():
			with self.subTest(message), self.assertRaisesRegex(InvalidScheme, message):
				make_scheme("Bad", submit=False, **fields)
		make_item("T-SCH-OLD", disabled=1)
		with self.assertRaisesRegex(InvalidScheme, "Free item T-SCH-OLD is disabled"):
			make_scheme("Bad", "Free Goods", buy_qty=1, free_qty=1, free_item="T-SCH-OLD", submit=False)
		self.assertFalse(frappe.db.exists("DMS Scheme", {"scheme_name": "Bad"}))

	def test_a_used_scheme_changes_only_what_may_change(self):
		scheme = make_scheme("Used", budget_type="Value", budget=1000, slabs=slabs((1, 0, "Amount", 1)))
		invoice(self.dist, self.shop, [(BIS, 100)])
		scheme.reload()
		scheme.slabs[0].discount = 2
		with self.assertRaises(UpdateAfterSubmitError):
			scheme.save()
		scheme.reload()
		scheme.budget = 50
		with self.assertRaisesRegex(InvalidScheme, "cannot go below the 100"):
			scheme.save()
		scheme.reload()
		scheme.valid_upto = add_days(today(), -1)
		with self.assertRaisesRegex(InvalidScheme, "when this scheme was last used"):
			scheme.save()
		scheme.reload()
		scheme.budget = 2000
		scheme.save()  # raising the budget is fine
		scheme.cancel()
		amended = frappe.copy_doc(scheme)
		amended.update({"amended_from": scheme.name, "docstatus": 0})
		amended.slabs[0].discount = 2
		amended.insert()
		amended.submit()
		self.assertEqual((amended.budget_used, amended.name), (0, f"{scheme.name}-1"))


class TestPrimaryOrderSchemes(SchemeCase):
	def test_free_goods_join_the_order_and_the_discount_is_recorded(self):
		make_scheme(
			"Primary slab", channel="Primary", slabs=slabs((10, 0, "Percentage", 5)), items=items(BIS)
		)
		make_scheme("Primary free", "Free Goods", channel="Primary", buy_qty=20, free_qty=1, items=items(BIS))
		order = make_primary_order(self.dist, [(BIS, 40)])
		free = [row for row in order.items if row.dms_scheme]
		self.assertEqual([(row.item_code, row.qty, flt(row.rate)) for row in free], [(BIS, 2, 0)])
		self.assertEqual(flt(order.items[0].rate), 100.0)  # the OEM's list price stays
		self.assertEqual(flt(order.dms_scheme_discount), 200.0)
		self.assertEqual(flt(order.dms_order_value), 4000 - 200)
		order.save()
		self.assertEqual(len(order.items), 2)


class TestBudgetUnderConcurrency(FrappeTestCase):
	"""Two invoices submitted at the same moment from two connections cannot together pass a cap. They
	are two distributors' invoices, which nothing in dms_app.distribution.locks puts one after the other."""

	CODES = ("T-SCH-RACE", "T-SCH-RACE2")

	def setUp(self):
		ensure_depot()
		make_item(BIS, price=100)
		self.shops = {}
		for code in self.CODES:
			dist = make_distributor(code)
			self.shops[code] = make_retailer(f"T-SCH Race Store {code}", dist)
			receive_stock(BIS, dist.warehouse, 100, posting_date=START)
		frappe.db.set_value("DMS Scheme", {"docstatus": 1}, "disabled", 1)
		self.scheme = make_scheme(
			"Race",
			budget_type="Value",
			budget=150,
			slabs=slabs((1, 0, "Amount", 10)),
			buyers=[{"buyer_type": "Distributor", "value": code} for code in self.CODES],
		)
		frappe.db.commit()  # the other connections must see all of it

	def tearDown(self):
		for code in self.CODES:
			purge_distributor(code)
		frappe.db.delete("DMS Scheme Ledger Entry", {"scheme": self.scheme.name})
		frappe.db.set_value("DMS Scheme", self.scheme.name, "docstatus", 2)
		frappe.delete_doc("DMS Scheme", self.scheme.name, force=True)
		frappe.db.commit()

	def test_two_invoices_at_once(self):
		site, barrier, errors = frappe.local.site, threading.Barrier(2), []
		slow = engine._use_budgets

		def hold_the_lock(*args, **kwargs):
			slow(*args, **kwargs)
			time.sleep(1)  # keep the scheme row locked while the other invoice prices itself

		def submit(code):
			frappe.init(site=site)
			frappe.connect()
			try:
				frappe.set_user("Administrator")
				dist = frappe.get_doc("Distributor", code)
				barrier.wait()
				invoice(dist, self.shops[code], [(BIS, 10)])
				frappe.db.commit()
			except Exception as error:
				errors.append(repr(error))
				frappe.db.rollback()
			finally:
				frappe.destroy()

		with patch.object(engine, "_use_budgets", hold_the_lock):
			threads = [threading.Thread(target=submit, args=(code,)) for code in self.CODES]
			for thread in threads:
				thread.start()
			for thread in threads:
				thread.join()
		self.assertEqual(errors, [])
		submitted = {"distributor": ["in", self.CODES], "docstatus": 1}
		self.assertEqual(frappe.db.count("Sales Invoice", submitted), 2)
		given = frappe.get_all("DMS Scheme Ledger Entry", filters={"scheme": self.scheme.name}, pluck="value")
		self.assertEqual(given, [100.0])
		self.assertEqual(flt(frappe.db.get_value("DMS Scheme", self.scheme.name, "budget_used")), 100.0)


class TestClaims(SchemeCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.manager = make_user("t-sch-dmsm@dms.test", roles=("DMS Manager", "Accounts User"))
		cls.portal = make_user("t-sch-dist@dms.test")
		make_distributor(cls.dist.name, portal_users=[{"user": cls.portal}])

	def claim(self, scheme):
		doc = as_user(
			self.portal,
			lambda: frappe.get_doc(
				{
					"doctype": "DMS Scheme Claim",
					"distributor": self.dist.name,
					"scheme": scheme,
					"from_date": START,
					"to_date": today(),
				}
			).insert(),
		)
		act(self.portal, doc, "Send for Approval")
		return frappe.get_doc("DMS Scheme Claim", doc.name)

	def test_approved_claim_is_credited_and_sent_to_the_oem_erp(self):
		scheme = make_scheme("Claimable", slabs=slabs((1, 0, "Amount", 2)))
		invoices = [invoice(self.dist, self.shop, [(BIS, qty)]) for qty in (10, 5)]
		claim = self.claim(scheme.name)
		self.assertEqual((len(claim.lines), flt(claim.total_amount)), (2, 30.0))
		with patch("dms_app.schemes.doctype.dms_scheme_claim.dms_scheme_claim.send_document") as send:
			act(self.manager, claim, "Approve")
		claim.reload()
		send.assert_called_once()
		self.assertEqual(send.call_args.args[1], "approved")
		note = frappe.get_doc("Sales Invoice", claim.credit_note)
		customer = frappe.db.get_value("Distributor", self.dist.name, "customer")
		self.assertEqual(
			(note.docstatus, note.is_return, note.customer, flt(note.grand_total)), (1, 1, customer, -30.0)
		)
		self.assertEqual({e.claim for e in ledger(invoices[0].name)}, {claim.name})
		with self.assertRaisesRegex(frappe.ValidationError, "cancel the claim first"):
			invoices[0].cancel()
		with self.assertRaisesRegex(frappe.ValidationError, "no unclaimed benefits"):
			self.claim(scheme.name)
		_columns, [row] = as_user(self.portal, utilization, {"scheme": scheme.name})
		self.assertEqual(
			(row["distributor"], row["value"], row["claimed"], row["unclaimed"]),
			(self.dist.name, 30.0, 30.0, 0.0),
		)

	def test_journal_entry_settlement_and_a_portal_user_sees_only_their_claims(self):
		company = self.dist.company
		expense = frappe.db.get_value("Account", {"company": company, "root_type": "Expense", "is_group": 0})
		frappe.db.set_single_value(
			"DMS Settings", {"claim_settlement": "Journal Entry", "claim_expense_account": expense}
		)
		scheme = make_scheme("Claimable JE", slabs=slabs((1, 0, "Amount", 3)))
		invoice(self.dist, self.shop, [(BIS, 10)])
		claim = self.claim(scheme.name)
		with patch("dms_app.schemes.doctype.dms_scheme_claim.dms_scheme_claim.send_document"):
			act(self.manager, claim, "Approve")
		claim.reload()
		entry = frappe.get_doc("Journal Entry", claim.journal_entry)
		self.assertEqual((entry.docstatus, flt(entry.total_debit)), (1, 30.0))
		other = make_distributor("T-SCH-2")
		frappe.db.set_value("DMS Scheme Claim", claim.name, "distributor", other.name)
		self.assertNotIn(claim.name, as_user(self.portal, frappe.get_list, "DMS Scheme Claim", pluck="name"))


class TestPeriodSchemes(SchemeCase):
	def test_quantity_per_period_rebate_becomes_a_draft_claim(self):
		scheme = make_scheme(
			"Quarter target",
			"Quantity Per Period",
			valid_upto=add_days(today(), -1),
			slabs=slabs((20, 0, "Percentage", 2)),
			items=items(BIS),
		)
		for qty in (15, 10):
			# priced by hand: the item prices begin today
			invoice(
				self.dist, self.shop, [(BIS, qty, 100), (CAKE, 5, 50)], posting_date=add_days(today(), -2)
			)
		with patch.object(frappe.db, "commit"):
			period.settle_periods()
		[entry] = ledger(scheme.name)
		self.assertEqual(entry.value, 25 * 100 * 0.02)
		claim = frappe.get_doc("DMS Scheme Claim", {"scheme": scheme.name})
		self.assertEqual(
			(claim.distributor, flt(claim.total_amount), claim.docstatus), (self.dist.name, 50.0, 0)
		)
		self.assertTrue(getdate(frappe.db.get_value("DMS Scheme", scheme.name, "settled_on")))


class TestLoyalty(SchemeCase):
	def test_retailers_earn_and_redeem_points(self):
		company = self.dist.company
		program = (
			frappe.db.get_value("Loyalty Program", "T-SCH Points")
			or frappe.get_doc(
				{
					"doctype": "Loyalty Program",
					"loyalty_program_name": "T-SCH Points",
					"loyalty_program_type": "Single Tier Program",
					"from_date": START,
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
			.insert()
			.name
		)
		frappe.db.set_single_value("DMS Settings", "retailer_loyalty_program", program)
		shop = make_retailer("T-SCH Loyal Store", self.dist)
		self.assertEqual(frappe.db.get_value("Customer", shop, "loyalty_program"), program)
		earned = invoice(self.dist, shop, [(BIS, 10)])
		self.assertEqual(
			frappe.db.get_value("Loyalty Point Entry", {"invoice": earned.name}, "loyalty_points"), 10
		)
		spent = invoice(self.dist, shop, [(CAKE, 2)], redeem_loyalty_points=1, loyalty_points=4)
		self.assertEqual(flt(spent.loyalty_amount), 4.0)
		from dms_app.schemes.loyalty import balances

		self.assertEqual(balances([shop], company), {shop: 6.0})
		_columns, data = loyalty_points({"company": company, "distributor": self.dist.name})
		self.assertIn((shop, 6.0), [(row["name"], row["points"]) for row in data])
