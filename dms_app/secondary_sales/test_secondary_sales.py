# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Secondary sales: direct invoices and the bulk upload API (JSON, CSV, Tally XML)."""

import json
import random
import threading
from pathlib import Path
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from dms_app.api import secondary_sales as upload_api
from dms_app.api.secondary_sales import upload, upload_status
from dms_app.core.secondary_sales import parse_invoices
from dms_app.distribution import locks
from dms_app.secondary_sales import ingest
from dms_app.tests.factories import (
	as_user,
	make_distributor,
	make_item,
	make_retailer,
	make_user,
	purge_distributor,
	receive_stock,
)
from dms_app.tests.workers import run_workers

DATA = Path(frappe.get_app_path("dms_app")).parent / "tests" / "data"
ITEMS = {"Neem Soap 100g": "T-SS-SOAP", "Assam Tea 250g": "T-SS-TEA", "Mustard Oil 1L": "T-SS-OIL"}
STOCK_DATE = "2026-11-01"


def stock(warehouse: str, item: str) -> float:
	return flt(frappe.db.get_value("Bin", {"warehouse": warehouse, "item_code": item}, "actual_qty"))


def stock_and_map(dist) -> None:
	"""500 of each item in the distributor's warehouse, and its Tally item names mapped to them."""
	for external, code in ITEMS.items():
		receive_stock(code, dist.warehouse, 500, posting_date=STOCK_DATE)
		if not frappe.db.exists("DMS Item Mapping", {"distributor": dist.name, "external_item": external}):
			frappe.get_doc(
				{
					"doctype": "DMS Item Mapping",
					"distributor": dist.name,
					"external_item": external,
					"item_code": code,
				}
			).insert()


def json_batch(refs=("J-1", "J-2")) -> list[dict]:
	return [
		{
			"external_ref": ref,
			"posting_date": "2026-11-05",
			"retailer": {"name": "Verma Provision Store", "tax_id": "27VERMA1234F1Z5"},
			"lines": [{"item_code": "T-SS-SOAP", "qty": 10, "rate": 25, "discount_percentage": 5}],
		}
		for ref in refs
	]


class TestSecondarySales(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.integrator = make_user("t-ss-erp@dms.test", roles=("DMS Integration",))
		cls.portal = make_user("t-ss-dist@dms.test")
		cls.dist = make_distributor("T-SS-1", portal_users=[{"user": cls.portal}])
		cls.other = make_distributor("T-SS-2")
		for code in ITEMS.values():
			make_item(code, price=100)
		for dist in (cls.dist, cls.other):
			stock_and_map(dist)
		cls.foreign_retailer = make_retailer("Other Town Mart", cls.other, tax_id="27ZZZZZ9999Z1Z5")

	def post(self, user=None, **kwargs):
		return as_user(user or self.integrator, upload, **kwargs)

	def test_json_batch_then_the_same_batch_again(self):
		before = stock(self.dist.warehouse, "T-SS-SOAP")
		first = self.post(distributor=self.dist.name, invoices=json_batch())
		self.assertEqual([r["status"] for r in first["results"]], ["created", "created"])
		self.assertEqual(stock(self.dist.warehouse, "T-SS-SOAP"), before - 20)
		invoice = frappe.get_doc("Sales Invoice", first["results"][0]["sales_invoice"])
		self.assertEqual(
			(invoice.docstatus, invoice.update_stock, invoice.distributor), (1, 1, self.dist.name)
		)
		self.assertEqual(flt(invoice.items[0].rate), 23.75)  # 25 less 5 %
		self.assertEqual(frappe.db.get_value("Customer", invoice.customer, "distributor"), self.dist.name)

		count = frappe.db.count("Sales Invoice", {"distributor": self.dist.name})
		again = self.post(distributor=self.dist.name, invoices=json_batch())
		self.assertEqual([r["status"] for r in again["results"]], ["duplicate", "duplicate"])
		self.assertEqual(
			[r["sales_invoice"] for r in again["results"]], [r["sales_invoice"] for r in first["results"]]
		)
		self.assertEqual(frappe.db.count("Sales Invoice", {"distributor": self.dist.name}), count)
		self.assertEqual(stock(self.dist.warehouse, "T-SS-SOAP"), before - 20)

	def test_ledgers_match_an_invoice_made_directly_in_erpnext(self):
		[row] = self.post(distributor=self.dist.name, invoices=json_batch(("L-1",)))["results"]
		uploaded = frappe.get_doc("Sales Invoice", row["sales_invoice"])
		direct = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": uploaded.company,
				"customer": uploaded.customer,
				"posting_date": uploaded.posting_date,
				"set_posting_time": 1,
				"update_stock": 1,
				"distributor": self.dist.name,
				"items": [
					{
						"item_code": i.item_code,
						"qty": i.qty,
						"rate": i.rate,
						"price_list_rate": i.price_list_rate,
						"discount_percentage": i.discount_percentage,
						"warehouse": i.warehouse,
					}
					for i in uploaded.items
				],
			}
		).insert()
		direct.submit()

		def ledgers(name):
			stock = frappe.get_all(
				"Stock Ledger Entry",
				filters={"voucher_no": name, "is_cancelled": 0},
				fields=["item_code", "warehouse", "actual_qty", "valuation_rate", "stock_value_difference"],
				order_by="item_code",
			)
			gl = frappe.get_all(
				"GL Entry",
				filters={"voucher_no": name, "is_cancelled": 0},
				fields=["account", "debit", "credit"],
				order_by="account, debit, credit",
			)
			return [tuple(r.values()) for r in stock], [tuple(r.values()) for r in gl]

		self.assertEqual(ledgers(uploaded.name), ledgers(direct.name))
		self.assertTrue(all(ledgers(uploaded.name)))

	def test_mixed_batch_creates_exactly_the_good_invoices(self):
		good = [
			*json_batch(("M-GOOD-1", "M-GOOD-2")),
			# a retailer another distributor serves (same tax id): one Customer, now served by both
			{
				**json_batch(("M-SHARED",))[0],
				"retailer": {"tax_id": "27ZZZZZ9999Z1Z5", "name": "Other Town Mart", "code": "OTM-9"},
			},
		]
		bad = [
			{**json_batch(("M-UNKNOWN-ITEM",))[0], "lines": [{"item_code": "NO-SUCH-ITEM", "qty": 1}]},
			{**json_batch(("M-TOO-MUCH",))[0], "lines": [{"item_code": "T-SS-OIL", "qty": 100_000}]},
			{**json_batch(("M-OLD",))[0], "posting_date": "2019-01-01"},
			{**json_batch(("M-ZERO",))[0], "lines": [{"item_code": "T-SS-TEA", "qty": 0}]},
			{**json_batch(("M-GOOD-1",))[0]},  # same reference twice in one batch
		]
		before = frappe.db.count("Sales Invoice", {"distributor": self.dist.name})
		result = self.post(distributor=self.dist.name, invoices=good + bad)
		by_ref = {}
		for row in result["results"]:
			by_ref.setdefault(row["external_ref"], []).append(row)
		self.assertEqual(
			{r["status"] for r in by_ref["M-GOOD-1"] + by_ref["M-GOOD-2"]} - {"rejected"}, {"created"}
		)
		for ref in ("M-UNKNOWN-ITEM", "M-TOO-MUCH", "M-OLD", "M-ZERO"):
			with self.subTest(ref=ref):
				[row] = by_ref[ref]
				self.assertEqual(row["status"], "rejected")
				self.assertTrue(row["errors"][0]["message"])
		self.assertEqual(by_ref["M-ZERO"][0]["errors"][0]["field"], "qty")
		self.assertEqual(by_ref["M-OLD"][0]["errors"][0]["field"], "posting_date")
		self.assertEqual(by_ref["M-UNKNOWN-ITEM"][0]["errors"][0]["line"], 1)
		[shared] = by_ref["M-SHARED"]
		self.assertEqual(shared["status"], "created", shared)
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", shared["sales_invoice"], "customer"), self.foreign_retailer
		)
		self.assertEqual(
			frappe.db.get_value(
				"DMS Retailer Link",
				{"customer": self.foreign_retailer, "distributor": self.dist.name},
				"retailer_code",
			),
			"OTM-9",
		)
		self.assertEqual(frappe.db.count("Sales Invoice", {"distributor": self.dist.name}), before + 3)
		self.assertEqual((result["created"], result["rejected"]), (3, 5))
		self.assertFalse(
			frappe.db.exists("Sales Invoice", {"dms_external_ref": ["like", "M-%"], "docstatus": 0})
		)

	def test_invoice_in_a_closed_accounting_period_is_refused_and_the_rest_created(self):
		period = frappe.get_doc(
			{
				"doctype": "Accounting Period",
				"period_name": "T-SS Closed Fortnight",
				"company": self.dist.company,
				"start_date": "2026-11-10",
				"end_date": "2026-11-20",
				"closed_documents": [{"document_type": "Sales Invoice", "closed": 1}],
			}
		).insert()
		self.addCleanup(frappe.delete_doc, "Accounting Period", period.name, force=True)
		closed = {
			**json_batch(("C-CLOSED",))[0],
			"posting_date": "2026-11-12",
			"retailer": {"name": "T-SS Closed Period Mart"},  # new: it would be created with the invoice
		}
		before = stock(self.dist.warehouse, "T-SS-SOAP")
		ledgers = {doctype: frappe.db.count(doctype) for doctype in ("GL Entry", "Stock Ledger Entry")}

		result = self.post(
			distributor=self.dist.name,
			invoices=[*json_batch(("C-OPEN-1",)), closed, *json_batch(("C-OPEN-2",))],
		)

		by_ref = {row["external_ref"]: row for row in result["results"]}
		self.assertEqual(
			{ref: row["status"] for ref, row in by_ref.items()},
			{"C-OPEN-1": "created", "C-CLOSED": "rejected", "C-OPEN-2": "created"},
		)
		[error] = by_ref["C-CLOSED"]["errors"]
		self.assertEqual(
			(error["invoice"], error["line"], error["field"]), ("C-CLOSED", None, "posting_date")
		)
		self.assertIn(f"closed Accounting Period {period.name}", error["message"])
		# nothing of the refused invoice is left: no invoice, no retailer, no stock or ledger entries
		self.assertFalse(frappe.db.exists("Sales Invoice", {"dms_external_ref": "C-CLOSED"}))
		self.assertFalse(frappe.db.exists("Customer", {"customer_name": "T-SS Closed Period Mart"}))
		self.assertEqual(stock(self.dist.warehouse, "T-SS-SOAP"), before - 20)
		created = [by_ref[ref]["sales_invoice"] for ref in ("C-OPEN-1", "C-OPEN-2")]
		for doctype, count in ledgers.items():
			with self.subTest(doctype=doctype):
				self.assertEqual(
					frappe.db.count(doctype) - count,
					frappe.db.count(doctype, {"voucher_no": ["in", created]}),
				)

	def test_tally_file_imports_to_the_same_invoices_as_csv(self):
		dist = make_distributor("T-SS-TALLY")
		stock_and_map(dist)

		def invoices(result):
			out = {}
			for row in result["results"]:
				if row["status"] == "created":
					doc = frappe.get_doc("Sales Invoice", row["sales_invoice"])
					out[row["external_ref"]] = (
						str(doc.posting_date),
						frappe.db.get_value("Customer", doc.customer, "customer_name"),
						doc.is_return,
						flt(doc.grand_total),
						[(i.item_code, flt(i.qty), flt(i.rate)) for i in doc.items],
					)
			return out

		# the same sales, once from Tally and once from the CSV template, into the same distributor
		frappe.db.savepoint("before_tally")
		tally = self.post(distributor=dist.name, format="tally", data=(DATA / "tally_sales.xml").read_text())
		from_tally = invoices(tally)
		soap_after_tally = stock(dist.warehouse, "T-SS-SOAP")
		frappe.db.rollback(save_point="before_tally")
		from_csv = invoices(
			self.post(distributor=dist.name, format="csv", data=(DATA / "secondary_sales.csv").read_text())
		)

		self.assertEqual(from_tally, from_csv)
		self.assertEqual(set(from_tally), {"HT/26-27/101", "HT/26-27/102", "HT/CN/7"})
		self.assertEqual(from_tally["HT/CN/7"][2], 1)  # the credit note is a return
		self.assertEqual(soap_after_tally, 410)  # 500 - 100 sold + 10 returned
		self.assertEqual(
			[r["status"] for r in tally["results"] if r["external_ref"] == "HT/26-27/103"], ["rejected"]
		)

	def test_a_day_of_tally_lists_every_voucher_it_does_not_post_with_the_reason(self):
		# its retailers (GSTINs the other Tally test's file shares) and invoices are undone at the end
		frappe.db.savepoint("tally_day")
		self.addCleanup(frappe.db.rollback, save_point="tally_day")
		dist = make_distributor("T-SS-TALLY-DAY")
		stock_and_map(dist)
		day = (DATA / "tally" / "day_2026-11-05.xml").read_text(encoding="utf-8")
		result = self.post(distributor=dist.name, format="tally", data=day)
		skipped = {v["external_ref"]: v["reason"] for v in result["skipped"]}
		self.assertEqual(
			set(skipped),
			{"HT/26-27/104", "HT/26-27/105", "HT/26-27/098", "HT/26-27/106", "RCPT/26-27/55", "JV/26-27/12"},
		)
		self.assertIn("cancelled", skipped["HT/26-27/104"])
		self.assertIn("post-dated", skipped["HT/26-27/106"])
		self.assertIn("Receipt", skipped["RCPT/26-27/55"])
		# the others are all answered: a compound unit without its conversion is rejected with the reason
		answered = {r["external_ref"]: r for r in result["results"]}
		self.assertEqual(
			set(answered),
			{"HT/26-27/101", "HT/26-27/102", "HT/26-27/103", "HT/CN/7", "HT/26-27/107", "HT/26-27/108"},
		)
		[unit] = answered["HT/26-27/108"]["errors"]
		self.assertIn("no conversion from Pcs", unit["message"])
		self.assertFalse(
			set(skipped)
			& {
				r.dms_external_ref
				for r in frappe.get_all(
					"Sales Invoice", filters={"distributor": dist.name}, fields=["dms_external_ref"]
				)
			}
		)
		self.assertEqual(frappe.db.get_value("DMS Upload", result["upload"], "skipped_vouchers"), 6)

	def test_portal_user_posts_only_for_their_distributor(self):
		result = self.post(self.portal, invoices=json_batch(("P-1",)))
		self.assertEqual(result["results"][0]["status"], "created")
		with self.assertRaises(frappe.PermissionError):
			self.post(self.portal, distributor=self.other.name, invoices=json_batch(("P-2",)))
		with self.assertRaises(frappe.PermissionError):
			as_user(
				self.portal,
				upload_status,
				self.post(distributor=self.other.name, invoices=json_batch(("P-3",)))["upload"],
			)

	def test_unreadable_batches(self):
		for kwargs in (
			{"invoices": "{not json"},
			{"format": "tally", "data": "<ENVELOPE>"},
			{"format": "xls", "data": "x"},
		):
			with self.subTest(**kwargs), self.assertRaises(frappe.ValidationError):
				self.post(distributor=self.dist.name, **kwargs)

	def test_large_batch_runs_in_the_background_with_progress(self):
		with patch.object(ingest, "SYNC_LIMIT", 1):
			queued = self.post(distributor=self.dist.name, invoices=json_batch(("B-1", "B-2", "B-3")))
		self.assertEqual(queued["status"], "Queued")
		# what the worker runs; its commits (progress, per-invoice) would end this test's transaction
		with patch.object(frappe.db, "commit"):
			ingest.process_upload(queued["upload"])
		status = upload_status(queued["upload"])
		self.assertEqual((status["status"], status["progress"], status["created"]), ("Done", 100, 3))


class TestSecondaryInvoiceRules(FrappeTestCase):
	"""A distributor's sales to its retailers, as Sales Invoices that move stock."""

	doctype = "Sales Invoice"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.dist = make_distributor("T-SS-R1")
		cls.other = make_distributor("T-SS-R2")
		make_item("T-SS-SOAP", price=100)
		receive_stock("T-SS-SOAP", cls.dist.warehouse, 5, posting_date=STOCK_DATE)
		cls.retailer = make_retailer("T-SS Rule Shop", cls.dist)

	def sale(self, **fields):
		return frappe.get_doc(
			{
				"doctype": self.doctype,
				"company": self.dist.company,
				"customer": fields.pop("customer", self.retailer),
				"distributor": self.dist.name,
				"items": [
					{
						"item_code": "T-SS-SOAP",
						"qty": fields.pop("qty", 1),
						"warehouse": fields.pop("warehouse", self.dist.warehouse),
					}
				],
				**fields,
			}
		)

	def test_only_own_warehouse(self):
		with self.assertRaisesRegex(frappe.ValidationError, "not a warehouse of distributor"):
			self.sale(warehouse=self.other.warehouse).insert()

	def test_only_own_retailers(self):
		with self.assertRaisesRegex(frappe.ValidationError, "not a retailer of distributor"):
			self.sale(customer=make_retailer("T-SS Foreign Shop", self.other)).insert()

	def test_never_negative_stock(self):
		doc = self.sale(qty=6).insert()
		with self.assertRaisesRegex(frappe.ValidationError, "has only"):
			doc.submit()

	def test_return_restores_stock(self):
		sale = self.sale(qty=2).insert()
		sale.submit()
		self.assertEqual(stock(self.dist.warehouse, "T-SS-SOAP"), 3)
		from erpnext.controllers.sales_and_purchase_return import make_return_doc

		credit = make_return_doc(self.doctype, sale.name)
		credit.insert()
		credit.submit()
		self.assertEqual(stock(self.dist.warehouse, "T-SS-SOAP"), 5)


class TestSecondaryDeliveryNoteRules(TestSecondaryInvoiceRules):
	"""The same rules when the distributor delivers to a retailer with a Delivery Note."""

	doctype = "Delivery Note"


class TestRacingUploads(FrappeTestCase):
	"""The same batch posted twice at once, by two requests with their own database connections."""

	CODE, ITEM = "T-SS-RACE", "T-SS-RACE-SOAP"

	def test_same_batch_posted_twice_at_once_makes_one_invoice(self):
		# the two requests run in their own connections and commit, so the test commits too, and cleans up
		self.addCleanup(purge_distributor, self.CODE, items=(self.ITEM,))
		dist = make_distributor(self.CODE)
		make_item(self.ITEM)
		receive_stock(self.ITEM, dist.warehouse, 100, posting_date=STOCK_DATE)
		make_retailer("T-SS Race Shop", dist, tax_id="27RACES0000R1Z5")
		frappe.db.commit()
		batch = [
			{
				"external_ref": "R-1",
				"posting_date": "2026-11-05",
				"retailer": {"tax_id": "27RACES0000R1Z5"},
				"lines": [{"item_code": self.ITEM, "qty": 10, "rate": 25}],
			}
		]

		site, sites_path = frappe.local.site, frappe.local.sites_path
		both_read = threading.Barrier(2, timeout=30)
		read_batch = upload_api.read_batch
		results, references_seen = [], []

		def read_batch_together(*args, **kwargs):
			# Both requests have read the database (the distributor) before either writes: each one's
			# snapshot predates the other's invoice, so neither can see that invoice when it checks the
			# reference. Only the database itself can stop the second invoice.
			both_read.wait()
			return read_batch(*args, **kwargs)

		class SeenContext(ingest.BatchContext):
			def __init__(self, *args, **kwargs):
				super().__init__(*args, **kwargs)
				references_seen.append(dict(self.existing))

		def post():
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			try:
				results.append(upload(distributor=self.CODE, invoices=batch))
				frappe.db.commit()
			except Exception as e:
				frappe.db.rollback()
				results.append(e)
			finally:
				frappe.destroy()

		with (
			patch.object(upload_api, "read_batch", read_batch_together),
			patch.object(ingest, "BatchContext", SeenContext),
		):
			threads = [threading.Thread(target=post) for _ in range(2)]
			for thread in threads:
				thread.start()
			for thread in threads:
				thread.join(timeout=120)

		self.assertEqual(len(results), 2, results)
		# both checked the reference and found no invoice
		self.assertEqual(references_seen, [{}, {}], results)
		rows = sorted((r["results"][0] for r in results if isinstance(r, dict)), key=lambda r: r["status"])
		self.assertEqual([r["status"] for r in rows], ["created", "duplicate"], results)
		self.assertEqual(rows[1]["sales_invoice"], rows[0]["sales_invoice"])
		self.assertEqual(
			frappe.get_all("Sales Invoice", filters={"distributor": self.CODE}, pluck="name"),
			[rows[0]["sales_invoice"]],
		)
		self.assertEqual(stock(dist.warehouse, self.ITEM), 90)


class TestDeadlockVictim(FrappeTestCase):
	"""When MariaDB picks a batch's transaction as a deadlock victim, the work it rolled back is done again
	and nothing committed is posted twice. The uploads commit, so this class commits and cleans up."""

	CODE, ITEM = "T-SS-DEADLOCK", "T-SS-DEADLOCK-SOAP"

	def setUp(self):
		self.addCleanup(purge_distributor, self.CODE, items=(self.ITEM,))
		self.dist = make_distributor(self.CODE)
		make_item(self.ITEM)
		receive_stock(self.ITEM, self.dist.warehouse, 100, posting_date=STOCK_DATE)
		make_retailer("T-SS Deadlock Shop", self.dist, tax_id="27DEADL0000K1Z5")
		frappe.db.commit()

	def batch(self, refs):
		return [
			{
				"external_ref": ref,
				"posting_date": "2026-11-05",
				"retailer": {"tax_id": "27DEADL0000K1Z5"},
				"lines": [{"item_code": self.ITEM, "qty": 10, "rate": 25}],
			}
			for ref in refs
		]

	def victim_once(self, ref):
		"""ingest._build that fails like MariaDB's error 1213 the first time it builds ``ref``."""
		build, failed = ingest._build, []

		def build_or_die(context, invoice, upload):
			if invoice.external_ref == ref and not failed:
				failed.append(ref)
				raise frappe.QueryDeadlockError("Deadlock found when trying to get lock")
			return build(context, invoice, upload)

		return patch.object(ingest, "_build", build_or_die)

	def invoices(self):
		return frappe.get_all(
			"Sales Invoice", filters={"distributor": self.CODE}, pluck="dms_external_ref", order_by="name"
		)

	def test_background_upload_goes_on_from_its_last_commit(self):
		refs = ("D-1", "D-2", "D-3", "D-4")
		with patch.object(ingest, "SYNC_LIMIT", 1):
			queued = upload(distributor=self.CODE, invoices=self.batch(refs))
		frappe.db.commit()
		# D-1 and D-2 are committed together; D-3 is posted, then D-4 is the victim and D-3 is rolled back
		with patch.object(ingest, "PROGRESS_EVERY", 2), self.victim_once("D-4"):
			ingest.process_upload(queued["upload"])
		status = upload_status(queued["upload"])
		self.assertEqual((status["status"], status["created"], status["duplicates"]), ("Done", 4, 0), status)
		self.assertEqual([r["external_ref"] for r in status["results"]], list(refs))
		self.assertEqual(sorted(self.invoices()), list(refs))
		self.assertEqual(stock(self.dist.warehouse, self.ITEM), 60)

	def test_small_upload_is_done_again_whole(self):
		result = upload(distributor=self.CODE, invoices=self.batch(("S-1", "S-2")))
		frappe.db.commit()
		self.assertEqual([r["status"] for r in result["results"]], ["created", "created"])
		self.assertEqual(sorted(self.invoices()), ["S-1", "S-2"])
		with self.victim_once("S-4"):
			again = upload(distributor=self.CODE, invoices=self.batch(("S-3", "S-4")))
		frappe.db.commit()
		self.assertEqual([r["status"] for r in again["results"]], ["created", "created"])
		self.assertEqual(sorted(self.invoices()), ["S-1", "S-2", "S-3", "S-4"])
		self.assertEqual(frappe.db.count("DMS Upload", {"distributor": self.CODE}), 2)
		self.assertEqual(stock(self.dist.warehouse, self.ITEM), 60)


class TestUploadsOverWorkers(FrappeTestCase):
	"""Queued uploads posted by two real RQ workers at once: distributors side by side, one distributor's
	uploads one after the other in the order they came, each in posting-date order; references stay
	idempotent, stock never goes below zero and each invoice is all or nothing. The workers see only
	committed data, so this class commits and cleans up."""

	CODES, ITEM = ("T-SS-WK-A", "T-SS-WK-B"), "T-SS-WK-SOAP"
	STOCK = 200

	def setUp(self):
		frappe.set_user("Administrator")
		self.dists = {}
		for code in self.CODES:
			self.addCleanup(purge_distributor, code, items=(self.ITEM,) if code == self.CODES[0] else ())
			dist = self.dists[code] = make_distributor(code)
			make_item(self.ITEM)
			receive_stock(self.ITEM, dist.warehouse, self.STOCK, posting_date=STOCK_DATE)
			make_retailer(f"{code} Shop", dist, tax_id=f"27{code[-1]}WORK0000K1Z5")
		frappe.db.commit()

	def batch(self, code: str, refs, qty: int = 5, day=None) -> list[dict]:
		rng = random.Random(code)
		return [
			{
				"external_ref": ref,
				"posting_date": f"2026-11-{day or rng.randint(2, 28):02d}",
				"retailer": {"tax_id": f"27{code[-1]}WORK0000K1Z5"},
				"lines": [{"item_code": self.ITEM, "qty": qty, "rate": 25}],
			}
			for ref in refs
		]

	def queue(self, code: str, invoices: list[dict]) -> str:
		with patch.object(ingest, "SYNC_LIMIT", 0):
			queued = upload(distributor=code, invoices=invoices)
		frappe.db.commit()  # the jobs go to Redis when the upload commits
		self.assertEqual(queued["status"], "Queued")
		return queued["upload"]

	def posted(self, code: str) -> list[dict]:
		"""The distributor's invoices in the order they were made."""
		return frappe.get_all(
			"Sales Invoice",
			filters={"distributor": code, "docstatus": 1},
			fields=["name", "dms_external_ref", "dms_upload", "posting_date"],
			order_by="creation asc, name asc",
		)

	def assert_done(self, uploads: dict[str, tuple[int, int, int]], output):
		frappe.db.rollback()  # a new snapshot: the workers' commits
		for name, counts in uploads.items():
			status = upload_status(name)
			got = (status["status"], status["created"], status["duplicates"], status["rejected"])
			self.assertEqual(got, ("Done", *counts), (name, status, output))

	def assert_in_posting_order(self, invoices: list[dict]):
		dates = [invoice.posting_date for invoice in invoices]
		self.assertEqual(dates, sorted(dates))
		# so ERPNext never had to repost the valuation behind a back-dated invoice
		names = [invoice.name for invoice in invoices]
		self.assertFalse(frappe.get_all("Repost Item Valuation", filters={"voucher_no": ["in", names]}))

	def test_two_workers_two_distributors(self):
		a, b = self.CODES
		# A: 12 invoices on shuffled dates, one of them more than the warehouse holds (refused whole)
		a_batch = self.batch(a, [f"A-{n}" for n in range(12)])
		a_batch[5]["lines"] = [
			{"item_code": self.ITEM, "qty": 1, "rate": 25},
			{"item_code": self.ITEM, "qty": self.STOCK + 1, "rate": 25},
		]
		# B: 12 invoices, then an upload that repeats three of them and adds two
		b_first = self.batch(b, [f"B-{n}" for n in range(12)])
		b_again = [b_first[n] for n in (0, 4, 8)] + self.batch(b, ["B-12", "B-13"], day=28)
		uploads = {
			self.queue(a, a_batch): (11, 0, 1),
			self.queue(b, b_first): (12, 0, 0),
			self.queue(b, b_again): (2, 3, 0),
		}
		output = run_workers(2, "long")
		self.assert_done(uploads, output)

		a_posted, b_posted = self.posted(a), self.posted(b)
		self.assertEqual(
			sorted(i.dms_external_ref for i in a_posted), sorted(f"A-{n}" for n in range(12) if n != 5)
		)
		self.assertEqual(sorted(i.dms_external_ref for i in b_posted), sorted(f"B-{n}" for n in range(14)))
		self.assert_in_posting_order(a_posted)
		self.assertEqual(stock(self.dists[a].warehouse, self.ITEM), self.STOCK - 11 * 5)
		self.assertEqual(stock(self.dists[b].warehouse, self.ITEM), self.STOCK - 14 * 5)
		# nothing of the refused invoice reached the ledger
		self.assertFalse(frappe.db.exists("Sales Invoice", {"distributor": a, "dms_external_ref": "A-5"}))

	def test_two_workers_one_distributor_in_order(self):
		a = self.CODES[0]
		batches = [self.batch(a, [f"U{u}-{n}" for n in range(8)]) for u in range(3)]
		uploads = [self.queue(a, batch) for batch in batches]
		output = run_workers(2, "long")
		self.assert_done(dict.fromkeys(uploads, (8, 0, 0)), output)

		posted = self.posted(a)
		# the uploads one after the other, in the order they came, never interleaved
		self.assertEqual([i.dms_upload for i in posted], [u for u in uploads for _ in range(8)])
		for upload_name in uploads:
			self.assert_in_posting_order([i for i in posted if i.dms_upload == upload_name])
		self.assertEqual(stock(self.dists[a].warehouse, self.ITEM), self.STOCK - 24 * 5)

	def test_a_held_distributor_is_left_to_its_holder_and_a_dead_workers_upload_is_resumed(self):
		a = self.CODES[0]
		first = self.queue(a, self.batch(a, ["H-1", "H-2"], day=5))
		# a small batch is not posted in its request ahead of the distributor's waiting upload
		small = upload(distributor=a, invoices=self.batch(a, ["H-0"], day=1))
		frappe.db.commit()
		self.assertEqual(small["status"], "Queued")

		# another worker holds the distributor (a second database session, as a worker's would be)
		site, sites_path = frappe.local.site, frappe.local.sites_path
		taken, release = threading.Event(), threading.Event()

		def hold():
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			try:
				with locks.named_lock(f"upload:{a}") as got:
					if got:
						taken.set()
						release.wait(60)
			finally:
				frappe.destroy()

		holder = threading.Thread(target=hold)
		holder.start()
		try:
			self.assertTrue(taken.wait(30))
			ingest.post_waiting_uploads(first)  # returns at once: the holder posts them
			self.assertEqual(frappe.db.get_value("DMS Upload", first, "status"), "Queued")
		finally:
			release.set()
			holder.join(30)
		ingest.post_waiting_uploads(first)
		self.assertEqual(upload_status(first)["status"], "Done")
		self.assertEqual(upload_status(small["upload"])["status"], "Done")
		self.assertEqual([i.dms_external_ref for i in self.posted(a)], ["H-1", "H-2", "H-0"])

		# a worker died in the middle of an upload: the invoice it committed stays, the rest is posted
		second = self.queue(a, self.batch(a, ["H-3", "H-4"]))
		parsed = parse_invoices(json.loads(frappe.db.get_value("DMS Upload", second, "payload")), [])
		ingest.ingest(a, parsed[:1], upload=second)
		frappe.db.set_value("DMS Upload", second, "status", "Running")
		frappe.db.commit()
		ingest.post_waiting_uploads(second)
		status = upload_status(second)
		self.assertEqual((status["status"], status["created"], status["duplicates"]), ("Done", 1, 1), status)
		self.assertEqual(len(self.posted(a)), 5)

	def test_an_upload_that_fails_does_not_hold_up_the_next(self):
		a = self.CODES[0]
		broken = frappe.get_doc(
			{"doctype": "DMS Upload", "distributor": a, "source_format": "JSON", "payload": "{not json"}
		).insert()
		good = self.queue(a, self.batch(a, ["F-1"]))
		ingest.post_waiting_uploads(good)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("DMS Upload", broken.name, "status"), "Failed")
		self.assertIn("JSONDecodeError", frappe.db.get_value("DMS Upload", broken.name, "error"))
		self.assertEqual(upload_status(good)["status"], "Done")
