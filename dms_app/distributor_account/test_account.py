# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The distributor account: the OEM ERP's invoices, payments and notes recorded once, the statement and
its ageing against hand-computed figures, exposure, and the credit rule on every order path."""

import threading

import frappe
from frappe.model.workflow import apply_workflow
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, getdate, today

from dms_app.api.errors import InvalidPayload, StaleVersion
from dms_app.api.oem_account import record_invoices, record_notes, record_payments
from dms_app.api.primary_orders import override_credit_limit
from dms_app.core.primary_order import APPROVED, DRAFT, pending_state
from dms_app.distributor_account import ledger
from dms_app.distributor_account.ledger import CreditLimitError
from dms_app.distributor_account.report.distributor_statement.distributor_statement import (
	execute as statement_report,
)
from dms_app.portal.catalogue import place_order
from dms_app.portal.test_portal import render
from dms_app.tests.factories import (
	act,
	approve_order,
	as_user,
	ensure_depot,
	make_distributor,
	make_item,
	make_primary_order,
	make_user,
)

ASM = "Area Sales Manager"
ITEM = "T-ACC-ITEM"  # priced at 100
D = getdate(today())


def day(offset: int) -> str:
	return str(add_days(D, offset))


class AccountCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		make_item(ITEM, price=100)
		cls.erp = make_user("t-acc-erp@dms.test", roles=("DMS Integration",))
		cls.manager = make_user("t-acc-mgr@dms.test", roles=("DMS Manager", ASM))
		cls.portal = make_user("t-acc-dist@dms.test")
		if not frappe.db.exists("DMS Approval Rule", {"level": ASM}):
			frappe.get_doc({"doctype": "DMS Approval Rule", "level": ASM}).insert()
		frappe.db.set_single_value("DMS Settings", "require_oem_confirmation", 0)

	def setUp(self):
		frappe.db.savepoint("account_test")
		self.addCleanup(frappe.db.rollback, save_point="account_test")

	def distributor(self, code: str, **fields):
		dist = make_distributor(code, portal_users=[{"user": self.portal}], **fields)
		self.assertTrue(dist.customer)
		return dist

	def approved(self, dist, qty: float) -> str:
		order = make_primary_order(dist, [(ITEM, qty)])
		apply_workflow(order, "Submit for Approval")
		return approve_order(order, self.manager).name

	def erp_call(self, fn, records):
		return as_user(self.erp, fn, records)


class TestStatement(AccountCase):
	def test_statement_ageing_and_exposure_against_hand_computed_figures(self):
		dist = self.distributor("T-ACC-1")
		o1, o2, o3 = self.approved(dist, 10), self.approved(dist, 5), self.approved(dist, 2)
		self.assertEqual(ledger.position(dist.name).unbilled, 1700)  # 1,000 + 500 + 200, none invoiced

		inv = lambda number, posted, due, amount, orders, **kw: {  # noqa: E731
			"invoice": number,
			"distributor": dist.name,
			"posting_date": day(posted),
			"due_date": day(due),
			"amount": amount,
			"orders": orders,
			"version": 1,
			**kw,
		}
		result = self.erp_call(
			record_invoices,
			[
				inv("T-ACC-INV-A", -40, -10, 1180, [o1]),
				inv("T-ACC-INV-B", -5, 25, 590, [o2]),
				inv("T-ACC-INV-C", -4, 26, 999, []),
			],
		)
		self.assertEqual([r["result"] for r in result], ["created"] * 3)
		self.assertEqual(frappe.db.get_value("Material Request", o1, "dms_oem_invoice"), "T-ACC-INV-A")
		# INV-C was raised in error: cancelled by a newer version
		self.erp_call(
			record_invoices,
			[{"invoice": "T-ACC-INV-C", "distributor": dist.name, "cancelled": 1, "version": 2}],
		)
		self.erp_call(
			record_payments,
			[
				{
					"payment": "T-ACC-PAY-1",
					"distributor": dist.name,
					"posting_date": day(-3),
					"amount": 700,
					"invoices": {"T-ACC-INV-A": 500},
					"version": 1,
				}
			],
		)
		self.erp_call(
			record_notes,
			[
				{
					"note": "T-ACC-CN-1",
					"distributor": dist.name,
					"kind": "Credit Note",
					"posting_date": day(-2),
					"amount": 100,
					"against": "T-ACC-INV-A",
					"version": 1,
				},
				{
					"note": "T-ACC-DN-1",
					"distributor": dist.name,
					"kind": "Debit Note",
					"posting_date": day(-1),
					"amount": 50,
					"version": 1,
				},
			],
		)

		st = ledger.statement(dist.name, day(-30), day(0))
		self.assertEqual(st.opening, 1180)  # INV-A, before the period
		self.assertEqual(
			[
				(line.entry.kind, line.entry.reference, line.debit, line.credit, line.balance)
				for line in st.lines
			],
			[
				("Invoice", "T-ACC-INV-B", 590, 0, 1770),
				("Payment", "T-ACC-PAY-1", 0, 700, 1070),
				("Credit Note", "T-ACC-CN-1", 0, 100, 970),
				("Debit Note", "T-ACC-DN-1", 50, 0, 1020),
			],
		)  # INV-C is gone: cancelled
		self.assertEqual(st.closing, 1020)
		# INV-A: 1,180 - 500 paid - 100 credited = 580, 10 days past due; INV-B and the debit note not due;
		# 200 of the payment on account
		self.assertEqual(
			(st.ageing.not_due, st.ageing.buckets, st.ageing.on_account, st.ageing.total),
			(640, {"0-30": 580, "31-60": 0, "61-90": 0, "90+": 0}, -200, 1020),
		)
		self.assertEqual((st.unbilled, st.exposure), (200, 1220))  # o3 is not invoiced yet
		self.assertEqual([name for name, _value in st.unbilled_orders], [o3])
		self.assertEqual(ledger.position(dist.name).exposure, 1220)

		# the desk report shows the same
		_columns, data, _message, _chart, summary = statement_report(
			{"distributor": dist.name, "from_date": day(-30), "to_date": day(0)}
		)
		self.assertEqual([flt(r.get("balance")) for r in data], [1180, 1770, 1070, 970, 1020, 1020])
		self.assertIn(1220, [s["value"] for s in summary])

	def test_a_repeat_or_an_out_of_order_message_changes_nothing(self):
		dist = self.distributor("T-ACC-2")
		order = make_primary_order(dist, [(ITEM, 3)])  # still a draft
		first = {
			"invoice": "T-ACC-INV-R",
			"distributor": dist.name,
			"posting_date": day(0),
			"due_date": day(30),
			"amount": 300,
			"orders": [order.name],
			"version": 1,
		}
		self.erp_call(record_invoices, [first])
		self.assertEqual(self.erp_call(record_invoices, [first])[0]["result"], "unchanged")
		self.assertEqual(frappe.db.count("Sales Invoice", {"customer": dist.customer, "docstatus": 1}), 1)
		# the invoice came before the order's approval: once approved, the order does not count twice
		apply_workflow(frappe.get_doc("Material Request", order.name), "Submit for Approval")
		approve_order(order, self.manager)
		self.assertEqual((ledger.position(dist.name).owed, ledger.position(dist.name).unbilled), (300, 0))

		# a newer version replaces the invoice; the older one arriving late is refused
		self.erp_call(record_invoices, [{**first, "amount": 330, "version": 3}])
		with self.assertRaises(StaleVersion):
			self.erp_call(record_invoices, [{**first, "amount": 999, "version": 2}])
		self.assertEqual(ledger.position(dist.name).owed, 330)

		# a cancellation that overtakes the invoice it cancels: the invoice is then stale
		self.erp_call(
			record_invoices,
			[{"invoice": "T-ACC-INV-X", "distributor": dist.name, "cancelled": 1, "version": 2}],
		)
		with self.assertRaises(StaleVersion):
			self.erp_call(record_invoices, [{**first, "invoice": "T-ACC-INV-X", "orders": [], "version": 1}])
		self.assertEqual(ledger.position(dist.name).owed, 330)

		# a payment twice is one payment; a payment naming an invoice the DMS has not seen is a 404
		payment = {
			"payment": "T-ACC-PAY-R",
			"distributor": dist.name,
			"posting_date": day(0),
			"amount": 100,
			"invoices": {"T-ACC-INV-R": 100},
			"version": "2026-12-01T10:00:00",
		}
		self.erp_call(record_payments, [payment])
		self.erp_call(record_payments, [payment])
		self.assertEqual(frappe.db.count("Payment Entry", {"party": dist.customer, "docstatus": 1}), 1)
		with self.assertRaises(frappe.DoesNotExistError):
			self.erp_call(record_payments, [{**payment, "payment": "T-ACC-PAY-S", "invoices": {"NOPE": 1}}])
		self.assertEqual(ledger.position(dist.name).owed, 230)

	def test_bad_records_are_refused_whole_with_every_reason(self):
		dist = self.distributor("T-ACC-3")
		other = make_distributor("T-ACC-3B")
		foreign = make_primary_order(other, [(ITEM, 1)])
		with self.assertRaises(InvalidPayload) as caught:
			self.erp_call(
				record_invoices,
				[
					{"invoice": "T-ACC-BAD-1", "distributor": dist.name, "version": 1},
					{
						"invoice": "T-ACC-BAD-2",
						"distributor": dist.name,
						"posting_date": day(0),
						"due_date": day(-1),
						"amount": 5,
						"version": 1,
					},
				],
			)
		message = str(caught.exception)
		for reason in ("posting_date is required", "amount is required", "due_date is before posting_date"):
			self.assertIn(reason, message)
		with self.assertRaisesRegex(InvalidPayload, "not an order of distributor"):
			self.erp_call(
				record_invoices,
				[
					{
						"invoice": "T-ACC-BAD-3",
						"distributor": dist.name,
						"posting_date": day(0),
						"amount": 5,
						"orders": [foreign.name],
						"version": 1,
					}
				],
			)
		with self.assertRaises(frappe.PermissionError):
			as_user(self.portal, record_invoices, [{"invoice": "X", "distributor": dist.name, "version": 1}])
		self.assertFalse(frappe.db.exists("DMS OEM Document", {"distributor": dist.name}))


class TestPortalAccount(AccountCase):
	def call(self, method: str, user: str, **params):
		from urllib.parse import urlencode

		from frappe.handler import execute_cmd
		from frappe.utils import set_request

		frappe.set_user(user)
		try:
			set_request(method="GET", path=f"/api/method/{method}", query_string=urlencode(params))
			frappe.local.form_dict = frappe._dict(params)
			frappe.local.response = frappe._dict({"docs": []})
			execute_cmd(method)
			return frappe.local.response
		finally:
			frappe.set_user("Administrator")

	def test_the_portal_shows_the_callers_own_account_and_exports_it(self):
		dist = self.distributor("T-ACC-PT", credit_limit=5000)
		other_user = make_user("t-acc-other@dms.test")
		make_distributor("T-ACC-PT2", portal_users=[{"user": other_user}])
		self.erp_call(
			record_invoices,
			[
				{
					"invoice": "T-ACC-PT-INV",
					"distributor": dist.name,
					"posting_date": day(-45),
					"due_date": day(-15),
					"amount": 1234.5,
					"version": 1,
				}
			],
		)
		status, html, _r = render("/dms/account", self.portal, distributor=dist.name)
		self.assertEqual(status, 200)
		for text in ("T-ACC-PT-INV", "1,234.50", "Opening Balance", "Closing Balance", "0-30 days overdue"):
			self.assertIn(text, html)
		status, html, _r = render("/dms/account", other_user)
		self.assertNotIn("T-ACC-PT-INV", html)
		status, html, _r = render("/dms", self.portal, distributor=dist.name)
		self.assertIn('data-credit="exposure"', html)

		csv_text = self.call(
			"dms_app.portal.account.statement_csv", self.portal, distributor=dist.name, from_date=day(-60)
		)["result"]
		self.assertIn("T-ACC-PT-INV", csv_text)
		self.assertIn("1234.5", csv_text)
		pdf = self.call("dms_app.portal.account.statement_pdf", self.portal, distributor=dist.name)
		self.assertTrue(pdf.filecontent.startswith(b"%PDF"))
		with self.assertRaises(frappe.PermissionError):
			self.call("dms_app.portal.account.statement_csv", other_user, distributor=dist.name)
		with self.assertRaisesRegex(frappe.ValidationError, "From Date is after"):
			self.call("dms_app.portal.account.statement_csv", self.portal, from_date=day(0), to_date=day(-1))


class TestCreditControl(AccountCase):
	def test_limit_overdue_and_hold_refuse_an_order_on_every_path_and_a_manager_overrides(self):
		dist = self.distributor("T-ACC-CR", credit_limit=1500)
		self.approved(dist, 10)  # 1,000 approved, not invoiced

		# the portal refuses and keeps nothing
		before = frappe.db.count("Material Request", {"distributor": dist.name})
		with self.assertRaisesRegex(CreditLimitError, "over the available credit"):
			as_user(self.portal, place_order, [{"item_code": ITEM, "qty": 6}], dist.name)
		self.assertEqual(frappe.db.count("Material Request", {"distributor": dist.name}), before)
		self.assertEqual(as_user(self.portal, ledger.summary, dist.name).available, 500)
		as_user(self.portal, place_order, [{"item_code": ITEM, "qty": 5}], dist.name)  # exactly the rest

		# the desk / API path: a draft cannot enter approval; a DMS Manager's override lets it, logged
		desk = make_primary_order(dist, [(ITEM, 1)])
		with self.assertRaisesRegex(CreditLimitError, "over the available credit"):
			act(self.manager, desk, "Submit for Approval")
		self.assertEqual(frappe.db.get_value("Material Request", desk.name, "workflow_state") or DRAFT, DRAFT)
		as_user(self.manager, override_credit_limit, desk.name, "Festive stock-up, payment promised")
		act(self.manager, desk, "Submit for Approval")
		self.assertEqual(
			frappe.db.get_value("Material Request", desk.name, "workflow_state"), pending_state(ASM)
		)
		self.assertTrue(
			frappe.db.exists(
				"Comment", {"reference_name": desk.name, "content": ["like", "%Festive stock-up%"]}
			)
		)

		# overdue invoices block when the setting says so, with what releases them
		frappe.db.set_single_value("DMS Settings", "credit_overdue_days", 15)
		self.erp_call(
			record_invoices,
			[
				{
					"invoice": "T-ACC-CR-INV",
					"distributor": dist.name,
					"posting_date": day(-60),
					"due_date": day(-30),
					"amount": 10,
					"version": 1,
				}
			],
		)
		dist.db_set("credit_limit", 0)
		with self.assertRaisesRegex(CreditLimitError, "overdue"):
			as_user(self.portal, place_order, [{"item_code": ITEM, "qty": 1}], dist.name)
		frappe.db.set_single_value("DMS Settings", "credit_overdue_days", 0)
		as_user(self.portal, place_order, [{"item_code": ITEM, "qty": 1}], dist.name)

		# a hold blocks until released
		frappe.db.set_value("Distributor", dist.name, {"credit_hold": 1, "credit_hold_reason": "KYC renewal"})
		with self.assertRaisesRegex(CreditLimitError, "KYC renewal"):
			as_user(self.portal, place_order, [{"item_code": ITEM, "qty": 1}], dist.name)
		self.assertTrue(as_user(self.portal, ledger.summary, dist.name).hold)

	def test_approval_checks_the_account_as_it_is_then(self):
		dist = self.distributor("T-ACC-AP", credit_limit=1000)
		order = make_primary_order(dist, [(ITEM, 8)])
		act(self.portal, order, "Submit for Approval")
		self.erp_call(
			record_invoices,
			[
				{
					"invoice": "T-ACC-AP-INV",
					"distributor": dist.name,
					"posting_date": day(0),
					"amount": 500,
					"version": 1,
				}
			],
		)
		with self.assertRaisesRegex(CreditLimitError, "over the available credit"):
			act(self.manager, order, "Approve")
		self.erp_call(
			record_payments,
			[
				{
					"payment": "T-ACC-AP-PAY",
					"distributor": dist.name,
					"posting_date": day(0),
					"amount": 500,
					"invoices": {"T-ACC-AP-INV": 500},
					"version": 1,
				}
			],
		)
		act(self.manager, order, "Approve")
		self.assertEqual(frappe.db.get_value("Material Request", order.name, "workflow_state"), APPROVED)


class TestConcurrentPlacing(FrappeTestCase):
	"""Two orders placed at once, each in its own request and connection: each fits the limit alone, not
	together, so exactly one enters approval."""

	def test_two_orders_placed_at_once_cannot_together_pass_the_limit(self):
		ensure_depot()
		make_item(ITEM, price=100)
		if not frappe.db.exists("DMS Approval Rule", {"level": ASM}):
			frappe.get_doc({"doctype": "DMS Approval Rule", "level": ASM}).insert()
		portal = make_user("t-acc-race@dms.test")
		dist = make_distributor("T-ACC-RACE", credit_limit=1000, portal_users=[{"user": portal}])
		frappe.db.commit()
		self.addCleanup(self._delete, dist.name)

		site, sites_path = frappe.local.site, frappe.local.sites_path
		start = threading.Barrier(2)
		results = []

		def place():
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			frappe.set_user(portal)
			try:
				start.wait(timeout=10)
				place_order([{"item_code": ITEM, "qty": 6}], dist.name)
				frappe.db.commit()
				results.append("placed")
			except Exception as e:
				frappe.db.rollback()
				results.append(type(e).__name__)
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=place) for _ in range(2)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=60)
		self.assertEqual(sorted(results), ["CreditLimitError", "placed"], results)

	@staticmethod
	def _delete(distributor):
		for name in frappe.get_all("Material Request", filters={"distributor": distributor}, pluck="name"):
			frappe.delete_doc("Material Request", name, force=True, ignore_permissions=True)
		frappe.db.commit()
