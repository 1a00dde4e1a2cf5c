# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The portal's schemes and claims, with two distributors A and B (dms_app.tests.factories.make_portal_dataset).

A scheme open to every retailer gives 2 per unit; a second one is for B alone. A and B each sell under
the first. A's schemes page shows the open scheme (not B's) and A's utilization only; file_claim makes
a pending claim of A's unclaimed benefits only and refuses when nothing is left; A cannot see B's claim
or file for B; a Guest is sent to log in and a user of no distributor gets 403.
"""

from unittest.mock import patch
from urllib.parse import unquote

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, get_first_day, today

from dms_app.portal import schemes as portal_schemes
from dms_app.portal.test_portal import render
from dms_app.portal.test_retailers import call, give_points, loyalty_program
from dms_app.schemes import engine
from dms_app.tests.factories import act, make_portal_dataset, make_secondary_sale, make_user

FILE = "dms_app.portal.schemes.file_claim"
SEND = "dms_app.portal.schemes.send_claim"


def make_scheme(name: str, company: str, buyers=(), **fields) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"scheme_name": name,
			"scheme_type": "Slab Discount",
			"channel": "Secondary",
			"company": company,
			"valid_from": get_first_day(today()),
			"slabs": [{"from_value": 1, "to_value": 0, "discount_type": "Amount", "discount": 2}],
			"buyers": [{"buyer_type": kind, "value": value} for kind, value in buyers],
			**fields,
		}
	)
	doc.insert()
	doc.submit()
	return doc.name


def ledger(distributor: str, scheme: str) -> list[dict]:
	return frappe.get_all(
		"DMS Scheme Ledger Entry",
		filters={"distributor": distributor, "scheme": scheme, "is_cancelled": 0},
		fields=["name", "value", "claim"],
	)


class TestPortalSchemesAndClaims(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		d = cls.d = make_portal_dataset("T-SCP")
		soap, _tea, oil = d.item_codes
		cls.open = make_scheme("T-SCP Two Off", d.a.company, items=[{"applies_to": "Item", "value": soap}])
		cls.b_only = make_scheme(
			"T-SCP B Special",
			d.a.company,
			buyers=[("Distributor", d.b.name)],
			items=[{"applies_to": "Item", "value": oil}],
			scheme_type="Free Goods",
			slabs=[],
			buy_qty=2,
			free_qty=1,
		)
		cls.open_for_oil = make_scheme(
			"T-SCP Oil Two Off", d.a.company, items=[{"applies_to": "Item", "value": oil}]
		)
		engine.clear_cache()
		a_shop = frappe.db.get_value("Customer", {"distributor": d.a.name})
		b_shop = frappe.db.get_value("Customer", {"distributor": d.b.name})
		make_secondary_sale(d.a, a_shop, [(soap, 5)])  # 10 off under the open scheme
		make_secondary_sale(d.b, b_shop, [(oil, 2)])  # B's: 4 off, and 1 free oil
		cls.manager = make_user("t-scp-manager@dms.test", roles=("DMS Manager", "Accounts User"))

	def test_schemes_page_shows_what_applies_to_a_and_as_utilization(self):
		d = self.d
		self.assertEqual(sum(e.value for e in ledger(d.a.name, self.open)), 10)
		status, html, _r = render("/dms/schemes", d.a_user)
		self.assertEqual(status, 200)
		self.assertIn(f'data-scheme="{self.open}"', html)
		self.assertIn(f'data-scheme="{self.open_for_oil}"', html)  # open to every retailer
		self.assertNotIn(f'data-scheme="{self.b_only}"', html)
		self.assertNotIn("T-SCP B Special", html)
		self.assertIn("off per unit", html)
		self.assertIn(f'data-utilization="{self.open}"', html)
		self.assertNotIn(f'data-utilization="{self.open_for_oil}"', html)  # B's sale, not A's
		[row] = [u for u in portal_schemes.utilization(d.a.name) if u["scheme"] == self.open]
		# (another test may have claimed it already)
		self.assertEqual(row["given"], 10)
		self.assertEqual(row["claimed"] + row["pending"] + row["unclaimed"], 10)

		status, html, _r = render("/dms/schemes", d.b_user)
		self.assertIn(f'data-scheme="{self.b_only}"', html)
		self.assertIn("1 free of", html)

		status, _html, _r = render("/dms/schemes", d.a_user, distributor=d.b.name)
		self.assertEqual(status, 403)

	def test_file_claim_takes_a_s_unclaimed_benefits_only_and_then_refuses(self):
		d = self.d
		b_before = ledger(d.b.name, self.open_for_oil)
		[made] = call(d.a_user, FILE)
		claim = frappe.get_doc("DMS Scheme Claim", made["name"])
		self.assertEqual(
			(claim.distributor, claim.scheme, claim.workflow_state, flt(claim.total_amount)),
			(d.a.name, self.open, "Pending Approval", 10),
		)
		self.assertEqual(
			{line.ledger_entry for line in claim.lines}, {e.name for e in ledger(d.a.name, self.open)}
		)
		self.assertEqual(ledger(d.b.name, self.open_for_oil), b_before)

		# a free good without a price is worth nothing: alone it is nothing to claim
		worthless = frappe.get_doc(
			{
				"doctype": "DMS Scheme Ledger Entry",
				"scheme": self.open_for_oil,
				"channel": "Secondary",
				"company": d.a.company,
				"posting_date": today(),
				"distributor": d.a.name,
				"free_qty": 1,
				"value": 0,
			}
		).insert(ignore_permissions=True)
		claims = frappe.db.count("DMS Scheme Claim", {"distributor": d.a.name})
		for params in ({}, {"scheme": self.open}, {"scheme": self.open_for_oil}, {"scheme": self.b_only}):
			with self.assertRaisesRegex(portal_schemes.NothingToClaim, "nothing to claim"):
				call(d.a_user, FILE, **params)
		self.assertEqual(frappe.db.count("DMS Scheme Claim", {"distributor": d.a.name}), claims)
		frappe.db.delete("DMS Scheme Ledger Entry", worthless.name)

		# the lists and the claim's page
		status, html, _r = render("/dms/claims", d.a_user)
		self.assertEqual(status, 200)
		self.assertIn(f'data-claim="{claim.name}"', html)
		self.assertIn("data-dms-nothing-to-claim", html)
		status, html, _r = render("/dms/claims/view", d.a_user, name=claim.name)
		self.assertEqual(status, 200)
		self.assertIn('data-dms-claim-state="Pending Approval"', html)
		self.assertEqual(html.count("data-line-voucher="), len(claim.lines))
		[row] = [u for u in portal_schemes.utilization(d.a.name) if u["scheme"] == self.open]
		self.assertEqual((row["pending"], row["unclaimed"]), (10, 0))

		# rejected, sent again, approved: the page names the settlement
		act(self.manager, claim, "Reject")
		status, html, _r = render("/dms/claims/view", d.a_user, name=claim.name)
		self.assertIn("data-dms-send-claim", html)
		self.assertEqual(call(d.a_user, SEND, name=claim.name)["workflow_state"], "Pending Approval")
		with self.assertRaisesRegex(frappe.ValidationError, "only a draft or rejected claim"):
			call(d.a_user, SEND, name=claim.name)
		with patch("dms_app.schemes.doctype.dms_scheme_claim.dms_scheme_claim.send_document"):
			act(self.manager, frappe.get_doc("DMS Scheme Claim", claim.name), "Approve")
		claim.reload()
		status, html, _r = render("/dms/claims/view", d.a_user, name=claim.name)
		self.assertIn(claim.credit_note or claim.journal_entry, html)
		self.assertIn('data-dms-claim-state="Approved"', html)

	def test_a_cannot_see_or_file_b_s_claims(self):
		d = self.d
		[made] = call(d.b_user, FILE, scheme=self.open_for_oil)
		b_claim = made["name"]
		status, html, _r = render("/dms/claims/view", d.a_user, name=b_claim)
		self.assertEqual(status, 404)
		self.assertIn("Claim Not Found", html)
		self.assertNotIn(self.open_for_oil, html)
		status, html, _r = render("/dms/claims", d.a_user)
		self.assertNotIn(b_claim, html)
		status, _html, _r = render("/dms/claims/view", d.a_user, name=b_claim, distributor=d.b.name)
		self.assertEqual(status, 403)
		claims = frappe.db.count("DMS Scheme Claim")
		with self.assertRaises(frappe.PermissionError):
			call(d.a_user, FILE, distributor=d.b.name)
		with self.assertRaises(frappe.PermissionError):
			call(d.a_user, SEND, name=b_claim)
		self.assertEqual(frappe.db.count("DMS Scheme Claim"), claims)
		status, html, _r = render("/dms/claims/view", d.b_user, name=b_claim)
		self.assertEqual(status, 200)

	def test_guest_and_users_of_no_distributor(self):
		for path in ("/dms/schemes", "/dms/claims", "/dms/claims/view"):
			status, _html, response = render(path, "Guest")
			self.assertEqual(status, 302, path)
			self.assertEqual(unquote(response.headers["Location"]), f"/login?redirect-to={path}")
		plain = make_user("t-scp-nobody@dms.test", roles=("Distributor",))
		for path in ("/dms/schemes", "/dms/claims", "/dms/claims/view"):
			status, html, _r = render(path, plain)
			self.assertEqual(status, 403, path)
			self.assertIn("Your user is not linked to a distributor.", html)
		claims = frappe.db.count("DMS Scheme Claim")
		for user in ("Guest", plain):
			with self.assertRaises(frappe.PermissionError):
				call(user, FILE)
		self.assertEqual(frappe.db.count("DMS Scheme Claim"), claims)

	def test_loyalty_summary_counts_own_retailers_only(self):
		d = self.d
		program = loyalty_program(d.a.company, "T-SCP Points")
		frappe.db.set_single_value("DMS Settings", "retailer_loyalty_program", program)
		for distributor, points in ((d.a, 42), (d.b, 77)):
			shop = frappe.db.get_value("Customer", {"distributor": distributor.name})
			frappe.db.set_value("Customer", shop, "loyalty_program", program)
			give_points(shop, program, d.a.company, points)
		summary = portal_schemes.loyalty_summary(d.a.name)
		self.assertEqual((summary["enrolled"], summary["total"], summary["with_points"]), (1, 42, 1))
		status, html, _r = render("/dms/schemes", d.a_user)
		self.assertEqual(status, 200)
		self.assertIn("data-dms-loyalty", html)
		self.assertIn("T-SCP A Corner Store", html)
		self.assertNotIn("T-SCP B Corner Store", html)

	def test_what_the_url_says_is_shown_escaped(self):
		evil = '<img src=x onerror="alert(1)">'
		for path, params in (("/dms/claims/view", {"name": evil}), ("/dms/claims", {"filed": evil})):
			_status, html, _r = render(path, self.d.a_user, **params)
			self.assertNotIn(evil, html, path)
			self.assertIn("&lt;img", html, path)
