# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Every portal page shows what users, integrations and URLs typed as text, never as markup.

Frappe renders www pages with a Jinja environment that does not escape, so each portal template wraps
its output in ``{% autoescape true %}`` (templates/dms/base.html and the block dms_content of every page
under www/dms; see test_every_template_escapes). Distributor A's records here carry markup in every
text a page shows: the distributor's name, a retailer's name, code and beat, an item's name, a scheme's
name and description, an invoice's reference, a claim's remarks, an order's rejection reason, an upload's
row errors; and the query string carries markup too. Every page is rendered as A's user (and the
distributor choice as OEM staff) and must never contain the markup, only its escaped text.

Frappe itself cleans markup out of most fields when a document is saved (BaseDocument._sanitize_content),
so the markup is written with frappe.db.set_value, as an import, a patch or an older record may have it.
"""

import csv
import io
import os

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import today
from jinja2 import nodes
from markupsafe import escape

from dms_app.portal import sales
from dms_app.portal.test_portal import render
from dms_app.portal.test_retailers import call
from dms_app.portal.test_schemes_portal import FILE, make_scheme
from dms_app.schemes import engine
from dms_app.tests.factories import as_user, make_portal_dataset, make_secondary_sale

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# what must never reach a page: the start of each piece of markup, in any of the values
RAW = ("<script>alert(1)", "<img src=x onerror")


def hostile(text: str) -> str:
	return f"{text} {SCRIPT}{IMG}"


class TestPortalEscaping(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		d = cls.d = make_portal_dataset("T-ESC")
		soap = d.item_codes[0]
		cls.scheme = make_scheme("T-ESC Two Off", d.a.company, items=[{"applies_to": "Item", "value": soap}])
		engine.clear_cache()
		cls.shop = frappe.db.get_value("Customer", {"distributor": d.a.name})
		cls.invoice = make_secondary_sale(d.a, cls.shop, [(soap, 5)])  # 10 off under the scheme
		[made] = call(d.a_user, FILE)
		cls.claim = made["name"]
		cls.upload = cls.make_upload(soap)

		cls.v = frappe._dict(
			distributor=hostile("T-ESC Dist"),
			retailer=hostile("T-ESC Shop"),
			code=hostile("RC"),
			beat=hostile("Beat"),
			item=hostile("T-ESC Soap"),
			scheme=hostile("T-ESC Scheme"),
			description=hostile("Terms"),
			ref=hostile("REF"),
			remarks=hostile("Claim note"),
			reason=hostile("Too dear"),
		)
		v = cls.v
		frappe.db.set_value("Distributor", d.a.name, "distributor_name", v.distributor)
		frappe.db.set_value(
			"Customer", cls.shop, {"customer_name": v.retailer, "retailer_code": v.code, "beat": v.beat}
		)
		frappe.db.set_value("Item", soap, "item_name", v.item)
		for doctype in ("Sales Invoice Item", "Material Request Item", "Stock Entry Detail"):
			frappe.db.set_value(doctype, {"item_code": soap}, "item_name", v.item)
		frappe.db.set_value("Sales Invoice", {"customer": cls.shop}, "customer_name", v.retailer)
		frappe.db.set_value("Sales Invoice", cls.invoice, "dms_external_ref", v.ref)
		frappe.db.set_value("DMS Scheme", cls.scheme, {"scheme_name": v.scheme, "description": v.description})
		frappe.db.set_value("DMS Scheme Claim", cls.claim, "remarks", v.remarks)
		frappe.db.set_value("Material Request", d.a_draft, "dms_rejection_reason", v.reason)

	@classmethod
	def make_upload(cls, soap: str) -> str:
		"""An upload of A with one rejected invoice, whose row errors quote what the file said."""
		out = io.StringIO()
		writer = csv.writer(out, lineterminator="\n")
		writer.writerow(["external_ref", "posting_date", "retailer_name", "item_code", "qty"])
		writer.writerow([hostile("UP-1"), today(), hostile("New Shop"), hostile("NOITEM"), "1"])
		answer = as_user(cls.d.a_user, sales.upload, format="csv", data=out.getvalue())
		assert answer["results"][0]["status"] == "rejected", answer
		return answer["upload"]

	def page(
		self, path: str, user: str | None = None, expect: tuple[str, ...] = (), status: int = 200, **params
	):
		"""Render ``path`` and check that no markup got through and each of ``expect`` shows, escaped."""
		got, html, _r = render(path, user or self.d.a_user, **params)
		self.assertEqual(got, status, (path, params))
		for raw in RAW:
			self.assertNotIn(raw, html, (path, params))
		for text in expect:
			self.assertIn(str(escape(text)), html, (path, params, text))
		return html

	# -- what the database says -------------------------------------------------------------------------

	def test_records_with_markup_are_shown_as_text(self):
		d, v = self.d, self.v
		everywhere = (v.distributor,)
		self.page("/dms", expect=(*everywhere, v.item))
		self.page("/dms/inventory", expect=(*everywhere, v.item))
		self.page("/dms/orders", expect=everywhere)
		self.page("/dms/orders/view", expect=(*everywhere, v.item), name=d.a_approved)
		self.page("/dms/orders/view", expect=(*everywhere, v.reason), name=d.a_draft)
		self.page("/dms/orders/new", expect=everywhere)
		self.page("/dms/sales", expect=(*everywhere, v.retailer, v.ref))
		self.page(
			"/dms/sales/view", expect=(*everywhere, v.retailer, v.ref, v.item, v.scheme), name=self.invoice
		)
		self.page("/dms/sales/new", expect=(*everywhere, v.retailer))
		self.page("/dms/sales/upload", expect=everywhere, upload=self.upload)
		self.page("/dms/retailers", expect=(*everywhere, v.retailer, v.code, v.beat))
		self.page("/dms/retailers/edit", expect=(*everywhere, v.retailer, v.code, v.beat), name=self.shop)
		self.page("/dms/schemes", expect=(*everywhere, v.scheme, v.description))
		self.page("/dms/claims", expect=(*everywhere,))
		self.page("/dms/claims/view", expect=(*everywhere, v.scheme, v.remarks, v.retailer), name=self.claim)

	def test_the_page_title_is_text(self):
		html = self.page("/dms/retailers/edit", name=self.shop)
		title = html.split("<title>", 1)[1].split("</title>", 1)[0]
		# escaped once: the retailer's name reads as typed, not as &amp;lt;...
		self.assertIn(str(escape(self.v.retailer)), title)
		self.assertNotIn("&amp;lt;", title)

	def test_oem_staff_choosing_a_distributor_see_names_as_text(self):
		# the choice lists the first 200 distributors by name: A among them unless the site has many
		listed = self.d.a.name in frappe.get_all("Distributor", order_by="name", limit=200, pluck="name")
		self.page("/dms/inventory", self.d.approver, expect=(self.v.distributor,) if listed else ())
		self.page("/dms/inventory", self.d.approver, expect=(self.v.distributor,), distributor=self.d.a.name)

	def test_upload_errors_reach_the_script_as_json_not_markup(self):
		html = self.page("/dms/sales/upload", upload=self.upload)
		shown = html.split('id="dms-upload-shown">', 1)[1].split("</script>", 1)[0]
		self.assertIn("UP-1", shown)
		self.assertNotIn("<", shown)
		self.assertEqual(frappe.parse_json(shown)["upload"], self.upload)

	# -- what the URL says ------------------------------------------------------------------------------

	def test_the_query_string_is_shown_as_text(self):
		evil = hostile("q")
		for path, params, status in (
			("/dms/retailers", {"q": evil}, 200),
			("/dms/retailers", {"saved": evil}, 200),
			("/dms/retailers/edit", {"name": evil}, 404),
			("/dms/sales", {"retailer": evil}, 200),
			("/dms/sales/new", {"retailer": evil}, 200),
			("/dms/sales/view", {"name": evil}, 404),
			("/dms/sales/upload", {"upload": evil}, 404),
			("/dms/claims", {"filed": evil, "scheme": evil}, 200),
			("/dms/claims/view", {"name": evil}, 404),
			("/dms/orders/view", {"name": evil}, 404),
		):
			self.page(path, status=status, **params)
		self.page("/dms/retailers", expect=(evil,), q=evil)
		self.page("/dms/retailers", expect=(evil,), saved=evil)
		self.page("/dms/claims", expect=(evil,), filed=evil)
		self.page("/dms/sales/view", expect=(evil,), status=404, name=evil)
		# a distributor named in the URL that does not exist, as OEM staff
		self.page("/dms/inventory", self.d.approver, expect=(evil,), status=403, distributor=evil)

	# -- the mechanism ----------------------------------------------------------------------------------

	def test_every_template_escapes(self):
		"""base.html escapes its own output; every page's block dms_content is one autoescape block (a
		block is compiled in the page's template, so base.html's autoescape does not reach it), and no
		macro is defined outside it (a macro escapes as the place it is defined)."""
		env = frappe.get_jenv()
		root = frappe.get_app_path("dms_app")

		def parse(path):
			with open(path, encoding="utf-8") as f:
				return env.parse(f.read())

		def escaped(block) -> bool:
			body = [n for n in block.body if not (isinstance(n, nodes.Output) and _blank(n))]
			# {% autoescape %} parses as a Scope holding the modifier
			while len(body) == 1 and isinstance(body[0], nodes.Scope):
				body = body[0].body
			return (
				len(body) == 1
				and isinstance(body[0], nodes.ScopedEvalContextModifier)
				and any(
					o.key == "autoescape" and isinstance(o.value, nodes.Const) and o.value.value is True
					for o in body[0].options
				)
			)

		base = parse(os.path.join(root, "templates", "dms", "base.html"))
		blocks = {b.name: b for b in base.find_all(nodes.Block)}
		for name in ("title", "page_content"):
			self.assertTrue(escaped(blocks[name]), f"base.html block {name}")

		pages = []
		for folder, _dirs, files in os.walk(os.path.join(root, "www", "dms")):
			pages += [os.path.join(folder, f) for f in files if f.endswith(".html")]
		self.assertGreaterEqual(len(pages), 14)
		for path in pages:
			tree = parse(path)
			blocks = [b for b in tree.body if isinstance(b, nodes.Block)]
			self.assertEqual([b.name for b in blocks], ["dms_content"], path)
			self.assertTrue(escaped(blocks[0]), path)
			self.assertFalse([n for n in tree.body if isinstance(n, nodes.Macro)], path)


def _blank(output: nodes.Output) -> bool:
	return all(isinstance(n, nodes.TemplateData) and not n.data.strip() for n in output.nodes)
