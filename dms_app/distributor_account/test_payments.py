# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""A distributor pays the OEM online, end to end through a fake Razorpay on loopback: the link is made over
HTTP, the payer's click is the fake's signed redirect, the callback reads the link back over HTTP.

The test company keeps its books in INR (dms_app.tests.factories.complete_setup_wizard), the one currency
the gateway takes. The callback commits, as a GET request must; here its commits are kept inside the
test's transaction, which FrappeTestCase rolls back after the class."""

import json
import unittest
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import parse_qsl, urlsplit

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from dms_app.api.errors import BadSignature
from dms_app.distributor_account import payments
from dms_app.distributor_account.fake_razorpay import FakeRazorpay
from dms_app.dms_integrations import outbox
from dms_app.tests.factories import as_user, company, make_distributor, make_item, make_user

ITEM = "T-PAY-FEE"
KEY_ID, SECRET = "rzp_test_dms", "rzp-test-secret"
ACCOUNT_NAME = "DMS Razorpay Clearing"


@contextmanager
def commits_stay_in_the_test():
	with patch.object(frappe.db, "commit"):
		yield


def setup_gateway(api_url: str) -> str:
	"""DMS Razorpay Settings on the fake, a Payment Gateway Account on a bank account, DMS Settings."""
	payments.ensure_gateway()
	settings = frappe.get_single("DMS Razorpay Settings")
	settings.update({"enabled": 1, "api_key": KEY_ID, "api_secret": SECRET, "api_url": api_url})
	settings.save(ignore_permissions=True)
	abbr = frappe.get_cached_value("Company", company(), "abbr")
	account = f"{ACCOUNT_NAME} - {abbr}"
	if not frappe.db.exists("Account", account):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": ACCOUNT_NAME,
				"company": company(),
				"parent_account": frappe.db.get_value(
					"Account", {"company": company(), "account_type": "Bank", "is_group": 1}
				),
				"account_type": "Bank",
				"account_currency": "INR",
			}
		).insert(ignore_permissions=True)
	gateway_account = frappe.db.get_value(
		"Payment Gateway Account", {"payment_gateway": payments.GATEWAY, "company": company()}
	)
	if not gateway_account:
		gateway_account = (
			frappe.get_doc(
				{
					"doctype": "Payment Gateway Account",
					"payment_gateway": payments.GATEWAY,
					"payment_account": account,
					"company": company(),
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	frappe.db.set_single_value("DMS Settings", "payment_gateway_account", gateway_account)
	return gateway_account


def enable_oem_outbox() -> None:
	settings = frappe.get_single("DMS Settings")
	settings.update(
		{
			"oem_sync_enabled": 1,
			"oem_endpoint_url": "http://127.0.0.1:9/none",
			"oem_auth": "Bearer Token",
			"oem_token": "erp-token",
		}
	)
	settings.save(ignore_permissions=True)
	frappe.clear_document_cache("DMS Settings", "DMS Settings")


def query(url: str) -> dict:
	return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


class TestOnlinePayment(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if "payments" not in frappe.get_installed_apps():
			raise unittest.SkipTest("the payments app is not installed on this site")
		cls.fake = FakeRazorpay(KEY_ID, SECRET).start()
		cls.addClassCleanup(cls.fake.stop)
		cls.gateway_account = setup_gateway(cls.fake.url)
		enable_oem_outbox()
		make_item(ITEM, is_stock_item=0)
		cls.user = make_user("t-pay-a@dms.test")
		cls.other_user = make_user("t-pay-b@dms.test")
		cls.dist = make_distributor("T-PAY-A", portal_users=[{"user": cls.user}])
		cls.other = make_distributor("T-PAY-B", portal_users=[{"user": cls.other_user}])
		cls.clearing = frappe.db.get_value("Payment Gateway Account", cls.gateway_account, "payment_account")

	def setUp(self):
		self.fake.fail_with = None

	# helpers -----------------------------------------------------------------------------------

	def invoice(self, amount: float, dist=None) -> str:
		dist = dist or self.dist
		doc = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": dist.company,
				"customer": dist.customer,
				"items": [{"item_code": ITEM, "qty": 1, "rate": amount}],
			}
		).insert(ignore_permissions=True)
		doc.submit()
		return doc.name

	def pay(self, user=None, **kwargs) -> dict:
		kwargs.setdefault("distributor", self.dist.name)
		return as_user(user or self.user, payments.pay, **kwargs)

	def link_of(self, result: dict) -> str:
		return frappe.db.get_value("Integration Request", result["reference"], "request_id")

	def follow(self, callback_url: str) -> str:
		"""Call the callback as the payer's browser would (as Guest); returns where it redirects."""
		frappe.local.response = frappe._dict()
		with commits_stay_in_the_test():
			as_user("Guest", payments.callback, **query(callback_url))
		self.assertEqual(frappe.local.response.get("type"), "redirect")
		return frappe.local.response["location"]

	def outstanding(self, invoice: str) -> float:
		return flt(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"))

	def entries_for(self, reference: str) -> list[str]:
		return payments.payment_status(reference)["payment_entries"]

	def entries_of_customer(self) -> int:
		return frappe.db.count("Payment Entry", {"party": self.dist.customer, "docstatus": 1})

	# tests -------------------------------------------------------------------------------------

	def test_one_invoice_paid_in_full(self):
		invoice = self.invoice(1180)
		result = self.pay(invoices={invoice: 1180})
		self.assertTrue(result["url"].startswith(self.fake.url))
		link = self.fake.links[self.link_of(result)]
		self.assertEqual((link["amount"], link["reference_id"]), (118000, result["reference"]))
		self.assertEqual(
			as_user(self.user, payments.payment_status, result["reference"])["status"], "Initiated"
		)

		location = self.follow(self.fake.pay(link["id"]))

		self.assertEqual(location, f"/dms/account?payment={result['reference']}")
		self.assertEqual(self.outstanding(invoice), 0)
		[pr] = frappe.get_all(
			"Payment Request", {"reference_name": invoice, "docstatus": 1}, ["name", "status"]
		)
		self.assertEqual(pr.status, "Paid")
		status = as_user(self.user, payments.payment_status, result["reference"])
		self.assertEqual((status["status"], status["amount"]), ("Completed", 1180))
		[entry] = status["payment_entries"]
		pe = frappe.get_doc("Payment Entry", entry.name)
		self.assertEqual((pe.paid_amount, pe.paid_to, pe.unallocated_amount), (1180, self.clearing, 0))
		self.assertEqual([(r.reference_name, r.allocated_amount) for r in pe.references], [(invoice, 1180)])
		[message] = frappe.get_all(
			outbox.DOCTYPE,
			filters={"reference_doctype": "Payment Entry", "reference_name": pe.name},
			fields=["event", "distributor", "target", "payload"],
		)
		self.assertEqual(
			(message.event, message.distributor, message.target),
			("payment.received", self.dist.name, "OEM ERP"),
		)
		document = json.loads(message.payload)["document"]
		self.assertEqual((document["distributor"], document["paid_amount"]), (self.dist.name, 1180))
		self.assertEqual(document["items"][0]["reference_name"], invoice)

	def test_two_invoices_one_in_part_and_an_advance(self):
		first, second = self.invoice(1000), self.invoice(600)
		result = self.pay(invoices=json.dumps({first: 1000, second: 250.5}), advance="300")
		self.assertEqual(self.fake.links[self.link_of(result)]["amount"], 155050)

		self.follow(self.fake.pay(self.link_of(result)))

		self.assertEqual(self.outstanding(first), 0)
		self.assertEqual(self.outstanding(second), 349.5)
		entries = self.entries_for(result["reference"])
		self.assertEqual(len(entries), 3)
		self.assertEqual(sorted(flt(e.paid_amount) for e in entries), [250.5, 300, 1000])
		[advance] = [e for e in entries if e.unallocated_amount]
		self.assertEqual(flt(advance.unallocated_amount), 300)
		self.assertFalse(frappe.get_all("Payment Entry Reference", {"parent": advance.name}))

	def test_the_same_callback_twice_records_one_payment(self):
		invoice = self.invoice(500)
		result = self.pay(invoices={invoice: 500})
		callback_url = self.fake.pay(self.link_of(result))
		before = self.entries_of_customer()
		self.follow(callback_url)
		self.follow(callback_url)
		self.follow(self.fake.pay(self.link_of(result)))  # the payer goes through Pay again
		self.assertEqual(self.entries_of_customer(), before + 1)
		self.assertEqual(self.outstanding(invoice), 0)

	def test_a_forged_callback_is_refused_logged_and_records_nothing(self):
		invoice = self.invoice(700)
		result = self.pay(invoices={invoice: 700})
		params = query(self.fake.pay(self.link_of(result)))
		before = self.entries_of_customer()
		logs = frappe.db.count("Error Log", {"method": "DMS Razorpay: bad signature"})
		for forged in (
			{**params, "razorpay_signature": "0" * 64},
			{k: v for k, v in params.items() if k != "razorpay_signature"},
			{**params, "razorpay_payment_link_reference_id": "someone-else"},
		):
			with self.subTest(forged=forged), commits_stay_in_the_test():
				with self.assertRaises(BadSignature) as caught:
					as_user("Guest", payments.callback, **forged)
				self.assertEqual(caught.exception.http_status_code, 401)
		self.assertEqual(frappe.db.count("Error Log", {"method": "DMS Razorpay: bad signature"}), logs + 3)
		self.assertEqual(self.entries_of_customer(), before)
		self.assertEqual(self.outstanding(invoice), 700)
		self.assertEqual(frappe.db.get_value("Integration Request", result["reference"], "status"), "Queued")

	def test_a_cancelled_payment_records_nothing_and_can_be_paid_again(self):
		invoice = self.invoice(900)
		before = self.entries_of_customer()
		first = self.pay(invoices={invoice: 900})
		self.follow(self.fake.cancel(self.link_of(first)))
		self.assertEqual(as_user(self.user, payments.payment_status, first["reference"])["status"], "Failed")
		self.assertEqual(
			frappe.get_all("Payment Request", {"reference_name": invoice}, pluck="docstatus"), [2]
		)
		self.assertEqual(self.entries_of_customer(), before)

		# an abandoned checkout (never called back) does not block the next one either
		abandoned = self.pay(invoices={invoice: 900})
		again = self.pay(invoices={invoice: 900})
		self.assertEqual(
			frappe.db.get_value(
				"Payment Request", {"reference_name": invoice, "docstatus": 1}, "payment_url"
			),
			again["url"],
		)
		self.follow(self.fake.pay(self.link_of(again)))
		self.assertEqual(self.outstanding(invoice), 0)
		self.assertEqual(self.entries_of_customer(), before + 1)

		# the abandoned page paid after all: the money is recorded, as an advance
		self.follow(self.fake.pay(self.link_of(abandoned)))
		[late] = self.entries_for(abandoned["reference"])
		self.assertEqual((flt(late.paid_amount), flt(late.unallocated_amount)), (900, 900))

	def test_refusals(self):
		invoice = self.invoice(400)
		other_invoice = self.invoice(400, dist=self.other)
		with self.assertRaises(frappe.PermissionError):
			self.pay(user=self.other_user, invoices={invoice: 400})
		with self.assertRaises(frappe.ValidationError) as caught:
			self.pay(invoices={other_invoice: 400})
		self.assertIn("not an invoice to this distributor", str(caught.exception))
		with self.assertRaises(frappe.ValidationError) as caught:
			self.pay(invoices={invoice: 400.01})
		self.assertIn("more than its outstanding amount", str(caught.exception))
		for bad in ({invoice: 0}, {invoice: "x"}, json.dumps([invoice]), "{not json"):
			with self.subTest(bad=bad), self.assertRaises(frappe.ValidationError):
				self.pay(invoices=bad)
		with self.assertRaises(frappe.ValidationError):
			self.pay(advance=-5)
		self.assertFalse(frappe.db.exists("Payment Request", {"reference_name": invoice}))

	def test_gateway_down_is_a_clear_error_and_leaves_nothing(self):
		invoice = self.invoice(300)
		requests_before = frappe.db.count(
			"Integration Request", {"integration_request_service": "DMS Razorpay"}
		)
		for failure in ("refused", "down"):
			with self.subTest(failure=failure):
				if failure == "refused":
					self.fake.fail_with = 503
				else:
					self.fake.stop()
					self.addCleanup(self.fake.start)
				with self.assertRaises(frappe.ValidationError) as caught:
					self.pay(invoices={invoice: 300}, advance=10)
				self.assertIn("No payment was made", str(caught.exception))
				self.assertEqual(caught.exception.http_status_code, 502)
				self.assertFalse(frappe.db.exists("Payment Request", {"reference_name": invoice}))
				self.assertEqual(
					frappe.db.count("Integration Request", {"integration_request_service": "DMS Razorpay"}),
					requests_before,
				)

	def test_not_set_up(self):
		saved = frappe.db.get_single_value("DMS Settings", "payment_gateway_account")
		frappe.db.set_single_value("DMS Settings", "payment_gateway_account", None)
		try:
			with self.assertRaises(payments.PaymentNotSetUp) as caught:
				self.pay(advance=10)
			self.assertIn("not set up", str(caught.exception))
		finally:
			frappe.db.set_single_value("DMS Settings", "payment_gateway_account", saved)
