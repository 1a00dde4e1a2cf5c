"""ERPNext's own pricing, driven by the Promotional Schemes that mirror DMS Schemes, prices a set of carts
as the DMS engine does: discount per line, free items and the bill discount.

ERPNext is asked twice for each cart, as its users reach it: the desk and POS call
``apply_pricing_rule`` with the whole document (then put the discounts and free items on the rows), and
saving a Sales Invoice runs the rules again on the server (``set_missing_values``, then the transaction
rule). Neither has a distributor, so the DMS engine itself is not involved in either.
"""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, nowdate

from dms_app.core import schemes as core
from dms_app.distribution import gst
from dms_app.schemes.pricing import price_as_the_desk_does
from dms_app.tests.factories import TEST_HSN, company

PREFIX = "DMS PR"
PRICES = {"DMS-PR-I1": 100, "DMS-PR-I2": 250, "DMS-PR-I3": 40, "DMS-PR-I4": 80, "DMS-PR-I5": 10}


class TestSchemePricingMirror(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.company = company()
		cls.price_list = _price_list()
		group_a = _tree("Item Group", f"{PREFIX} Group A")
		group_a1 = _tree("Item Group", f"{PREFIX} Group A1", group_a)
		group_b = _tree("Item Group", f"{PREFIX} Group B")
		brand = _brand(f"{PREFIX} Brand")
		groups = {"DMS-PR-I1": group_a1, "DMS-PR-I2": group_a, "DMS-PR-I3": group_b, "DMS-PR-I4": group_b}
		for code, price in PRICES.items():
			_item(
				code, price, cls.price_list, groups.get(code, group_b), brand if code == "DMS-PR-I4" else None
			)
		north = _tree("Territory", f"{PREFIX} North", is_group=1)
		city = _tree("Territory", f"{PREFIX} North City", north, is_group=0)
		south = _tree("Territory", f"{PREFIX} South", is_group=0)
		cls.north_buyer = _customer(f"{PREFIX} North Retailer", city)
		cls.south_buyer = _customer(f"{PREFIX} South Retailer", south)

		cls.mirrored = [
			_scheme(
				"Group slab, nested groups listed",
				"Slab Discount",
				items=[("Item Group", group_a), ("Item Group", group_a1)],
				slabs=[(10, 19, "Percentage", 5), (20, 0, "Percentage", 10)],
			),
			_scheme(
				"Value slab in the north",
				"Slab Discount",
				basis="Value",
				items=[("Item", "DMS-PR-I3")],
				buyers=[("Territory", north)],
				slabs=[(400, 799.99, "Amount", 2), (800, 0, "Amount", 4)],
			),
			_scheme(
				"Mixed I3 and I4",
				"Mixed SKU Slab",
				items=[("Item", "DMS-PR-I3"), ("Item", "DMS-PR-I4")],
				slabs=[(10, 0, "Percentage", 3)],
			),
			_scheme(
				"Brand amount off",
				"Slab Discount",
				items=[("Brand", brand)],
				slabs=[(1, 0, "Amount", 1)],
			),
			_scheme("Buy 6 get 2", "Free Goods", items=[("Item Group", group_a1)], buy_qty=6, free_qty=2),
			_scheme(
				"Buy 5 I4 get 1 I5",
				"Free Goods",
				items=[("Item", "DMS-PR-I4")],
				buy_qty=5,
				free_qty=1,
				free_item="DMS-PR-I5",
			),
			_scheme(
				"Bill value",
				"Bill Value",
				basis="Value",
				slabs=[(2000, 4999.99, "Percentage", 2), (5000, 0, "Amount", 300)],
			),
		]
		cls.not_mirrored = {
			"mixed": _scheme(
				"Mixed by group",
				"Mixed SKU Slab",
				items=[("Item Group", group_b)],
				slabs=[(1, 0, "Percentage", 50)],
			),
			"terms": _scheme(
				"Exclusive, coupon and budget",
				"Slab Discount",
				items=[("Item", "DMS-PR-I2")],
				buyers=[("Territory", north), ("Customer", cls.north_buyer)],
				slabs=[(1, 0, "Percentage", 50)],
				exclusive=1,
				coupon_code="DMSPR50",
				budget_type="Value",
				budget=100000,
			),
			"primary": _scheme(
				"Primary", "Slab Discount", channel="Primary", slabs=[(1, 0, "Percentage", 50)]
			),
		}
		cls.schemes = [core_scheme(doc) for doc in cls.mirrored]

	def test_mirrors_are_made_for_expressible_schemes(self):
		for doc in self.mirrored:
			doc.reload()
			self.assertEqual(doc.promotional_scheme, doc.name, doc.scheme_name)
			self.assertTrue(doc.pricing_note.startswith("Mirrored"), doc.pricing_note)
			rules = frappe.get_all(
				"Pricing Rule",
				filters={"promotional_scheme": doc.name},
				fields=["selling", "apply_multiple_pricing_rules", "disable", "company"],
			)
			self.assertTrue(rules)
			for rule in rules:
				self.assertEqual((rule.selling, rule.apply_multiple_pricing_rules, rule.disable), (1, 1, 0))
				self.assertEqual(rule.company, self.company)

		group_slab = frappe.get_doc("Promotional Scheme", self.mirrored[0].name)
		self.assertEqual([row.item_group for row in group_slab.item_groups], [f"{PREFIX} Group A"])
		north = frappe.get_all(
			"Pricing Rule", filters={"promotional_scheme": self.mirrored[1].name}, pluck="territory"
		)
		self.assertEqual(set(north), {f"{PREFIX} North"})
		bill = frappe.get_all(
			"Pricing Rule",
			filters={"promotional_scheme": self.mirrored[-1].name},
			fields=["apply_on", "apply_discount_on"],
		)
		self.assertEqual(
			{(rule.apply_on, rule.apply_discount_on) for rule in bill}, {("Transaction", "Net Total")}
		)

	def test_schemes_erpnext_cannot_express_say_why(self):
		for key, expected in (
			("mixed", ["item code"]),
			("terms", ["Customer, Territory", "budget", "coupon", "exclusive"]),
			("primary", ["Material Requests"]),
		):
			doc = self.not_mirrored[key]
			doc.reload()
			self.assertFalse(doc.promotional_scheme)
			self.assertFalse(frappe.db.exists("Promotional Scheme", doc.name))
			for phrase in expected:
				self.assertIn(phrase, doc.pricing_note, key)

	def test_erpnext_pricing_agrees_with_the_engine(self):
		# (buyer, lines, whether a row earns both a percentage and an amount off: see the last test)
		carts = {
			"north, every slab": (
				self.north_buyer,
				[("DMS-PR-I1", 12), ("DMS-PR-I2", 25), ("DMS-PR-I3", 15), ("DMS-PR-I4", 7)],
				True,
			),
			"south, no territory slab": (
				self.south_buyer,
				[("DMS-PR-I1", 12), ("DMS-PR-I2", 25), ("DMS-PR-I3", 15), ("DMS-PR-I4", 7)],
				True,
			),
			"north, just below and at boundaries": (
				self.north_buyer,
				[("DMS-PR-I1", 9), ("DMS-PR-I2", 10), ("DMS-PR-I3", 20), ("DMS-PR-I4", 4)],
				True,
			),
			"south, below every threshold": (self.south_buyer, [("DMS-PR-I1", 5), ("DMS-PR-I3", 3)], False),
			"north, pool and free boundaries": (
				self.north_buyer,
				[("DMS-PR-I2", 20), ("DMS-PR-I4", 10)],
				True,
			),
			"south, groups and free goods": (
				self.south_buyer,
				[("DMS-PR-I1", 20), ("DMS-PR-I2", 19), ("DMS-PR-I3", 30)],
				False,
			),
			"north, no line scheme and a bill": (self.north_buyer, [("DMS-PR-I5", 300)], False),
		}
		earned = set()
		for label, (customer, lines, stacked) in carts.items():
			with self.subTest(cart=label):
				ours = self.engine(customer, lines)
				earned |= {key for key, value in ours.items() if value}
				desk = self.erpnext_desk(customer, lines)
				self.assertEqual(self.result(desk), ours, f"desk, apply_pricing_rule: {label}")
				desk.insert()
				self.assertEqual(self.result(desk), ours, f"the desk's invoice, saved: {label}")
				if not stacked:
					self.assertEqual(
						self.erpnext_api(customer, lines), ours, f"invoice saved by API: {label}"
					)
		self.assertEqual(earned, {"lines", "free", "bill"})

	def test_new_invoice_without_prices_keeps_only_the_percentage_of_a_stacked_row(self):
		"""An ERPNext limitation, not the mirror's: a new document saved with item codes and quantities
		only (an API client, an import) is priced before its rows have a price list rate, and ERPNext then
		keeps the discount percentage alone when a row earns a percentage and an amount off
		(pricing_rule.apply_price_discount_rule; taxes_and_totals.calculate_item_values). The desk asks
		with the prices and adds both, as the DMS engine does."""
		lines = [("DMS-PR-I3", 15)]  # 2.00 a unit off (value slab) + 3 % (mixed slab, 15 >= 10)
		ours = self.engine(self.north_buyer, lines)
		self.assertEqual(ours["lines"], {"L0": 48.0})
		self.assertEqual(self.result(self.erpnext_desk(self.north_buyer, lines))["lines"], {"L0": 48.0})
		self.assertEqual(self.erpnext_api(self.north_buyer, lines)["lines"], {"L0": 18.0})

	def test_update_after_submit_and_cancel_follow(self):
		doc = _scheme(
			"Follows its scheme", "Slab Discount", items=[("Item", "DMS-PR-I5")], slabs=[(1, 0, "Amount", 1)]
		)
		doc.reload()
		self.assertEqual(doc.promotional_scheme, doc.name)
		upto = add_days(nowdate(), 30)
		doc.valid_upto = upto
		doc.disabled = 1
		doc.save()
		scheme = frappe.get_doc("Promotional Scheme", doc.name)
		self.assertEqual((str(scheme.valid_upto), scheme.disable), (upto, 1))
		rules = frappe.get_all(
			"Pricing Rule", filters={"promotional_scheme": doc.name}, fields=["name", "valid_upto", "disable"]
		)
		self.assertEqual({(str(rule.valid_upto), rule.disable) for rule in rules}, {(upto, 1)})

		doc.reload()
		doc.disabled = 0
		doc.save()
		self.assertEqual(frappe.db.get_value("Promotional Scheme", doc.name, "disable"), 0)
		self.assertEqual(frappe.db.get_value("Pricing Rule", rules[0].name, "disable"), 0)

		doc.reload()
		doc.cancel()
		doc.reload()
		self.assertFalse(doc.promotional_scheme)
		self.assertFalse(frappe.db.exists("Promotional Scheme", doc.name))
		self.assertFalse(frappe.db.exists("Pricing Rule", rules[0].name))
		self.assertIn("deleted", doc.pricing_note)

	# -- the three ways to price a cart -----------------------------------------------------------

	def engine(self, customer: str, lines: list[tuple[str, float]]) -> dict:
		territory, customer_group = frappe.db.get_value("Customer", customer, ["territory", "customer_group"])
		cart = core.Cart(
			channel=core.SECONDARY,
			date=nowdate(),
			buyer=core.Buyer(
				company=self.company,
				retailer=customer,
				territories=_lineage("Territory", territory),
				customer_groups=_lineage("Customer Group", customer_group),
			),
			lines=tuple(
				core.Line(
					key=f"L{index}",
					item_code=code,
					qty=qty,
					rate=PRICES[code],
					item_groups=_lineage("Item Group", frappe.db.get_value("Item", code, "item_group")),
					brand=frappe.db.get_value("Item", code, "brand"),
				)
				for index, (code, qty) in enumerate(lines)
			),
			prices=dict(PRICES),
		)
		outcome = core.evaluate(cart, self.schemes)
		free: dict[str, float] = {}
		for _scheme_name, item, qty in outcome.free_lines():
			free[item] = free.get(item, 0) + qty
		return {
			"lines": {f"L{index}": outcome.line_discount(f"L{index}") for index in range(len(lines))},
			"free": free,
			"bill": outcome.bill_discount,
		}

	def erpnext_desk(self, customer: str, lines: list[tuple[str, float]]):
		"""What the desk and POS do (see pricing.price_as_the_desk_does). Returns the unsaved invoice."""
		return price_as_the_desk_does(self.invoice_dict(customer, lines), self.price_list)

	def erpnext_api(self, customer: str, lines: list[tuple[str, float]]) -> dict:
		"""What saving a new Sales Invoice of item codes and quantities does (an API client, an import)."""
		invoice = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": self.company,
				"customer": customer,
				"posting_date": nowdate(),
				"due_date": nowdate(),
				"selling_price_list": self.price_list,
				"items": [{"item_code": code, "qty": qty} for code, qty in lines],
			}
		)
		invoice.insert()
		return self.result(invoice)

	def invoice_dict(self, customer: str, lines: list[tuple[str, float]]) -> dict:
		territory, customer_group = frappe.db.get_value("Customer", customer, ["territory", "customer_group"])
		currency = frappe.get_cached_value("Company", self.company, "default_currency")
		return {
			"doctype": "Sales Invoice",
			"name": "new-sales-invoice-dms-pr",
			"company": self.company,
			"customer": customer,
			"customer_group": customer_group,
			"territory": territory,
			"posting_date": nowdate(),
			"currency": currency,
			"conversion_rate": 1,
			"selling_price_list": self.price_list,
			"price_list_currency": currency,
			"plc_conversion_rate": 1,
			"items": [
				{
					"doctype": "Sales Invoice Item",
					"name": f"new-sales-invoice-item-{index}",
					"item_code": code,
					"item_group": frappe.db.get_value("Item", code, "item_group"),
					"brand": frappe.db.get_value("Item", code, "brand"),
					"qty": qty,
					"stock_qty": qty,
					"uom": "Nos",
					"stock_uom": "Nos",
					"conversion_factor": 1,
					"price_list_rate": PRICES[code],
					"rate": PRICES[code],
					"pricing_rules": "",
				}
				for index, (code, qty) in enumerate(lines)
			],
		}

	@staticmethod
	def result(doc) -> dict:
		paid = [row for row in doc.items if not row.is_free_item]
		free: dict[str, float] = {}
		for row in doc.items:
			if row.is_free_item:
				free[row.item_code] = free.get(row.item_code, 0) + flt(row.qty)
		return {
			"lines": {
				f"L{index}": flt((flt(row.price_list_rate) - flt(row.rate)) * flt(row.qty), 2)
				for index, row in enumerate(paid)
			},
			"free": free,
			"bill": flt(doc.discount_amount, 2),
		}


def core_scheme(doc) -> core.Scheme:
	from dms_app.schemes.engine import to_core

	return to_core(frappe.get_doc("DMS Scheme", doc.name))


# -- records --------------------------------------------------------------------------------------


def _scheme(title: str, scheme_type: str, **fields):
	doc = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"scheme_name": f"{PREFIX} {title}",
			"scheme_type": scheme_type,
			"channel": fields.pop("channel", "Secondary"),
			"company": company(),
			"valid_from": nowdate(),
			"basis": fields.pop("basis", "Quantity"),
			"slabs": [
				{"from_value": low, "to_value": high, "discount_type": kind, "discount": off}
				for low, high, kind, off in fields.pop("slabs", [])
			],
			"items": [{"applies_to": kind, "value": value} for kind, value in fields.pop("items", [])],
			"buyers": [{"buyer_type": kind, "value": value} for kind, value in fields.pop("buyers", [])],
			**fields,
		}
	)
	doc.insert()
	doc.submit()
	return doc


def _price_list() -> str:
	name = f"{PREFIX} Selling"
	if not frappe.db.exists("Price List", name):
		frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": name,
				"selling": 1,
				"currency": frappe.get_cached_value("Company", company(), "default_currency"),
			}
		).insert()
	return name


def _tree(doctype: str, name: str, parent: str | None = None, is_group: int = 1) -> str:
	if not frappe.db.exists(doctype, name):
		field = frappe.scrub(doctype)
		frappe.get_doc(
			{
				"doctype": doctype,
				f"{field}_name": name,
				f"parent_{field}": parent or frappe.utils.nestedset.get_root_of(doctype),
				"is_group": is_group,
			}
		).insert()
	return name


def _brand(name: str) -> str:
	if not frappe.db.exists("Brand", name):
		frappe.get_doc({"doctype": "Brand", "brand": name}).insert()
	return name


def _item(code: str, price: float, price_list: str, item_group: str, brand: str | None) -> None:
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": item_group,
				"brand": brand,
				"stock_uom": "Nos",
				"is_stock_item": 1,
				**({"gst_hsn_code": TEST_HSN} if gst.applies() else {}),
			}
		).insert()
	filters = {"item_code": code, "price_list": price_list}
	if not frappe.db.exists("Item Price", filters):
		frappe.get_doc({"doctype": "Item Price", **filters, "price_list_rate": price}).insert()


def _customer(name: str, territory: str) -> str:
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_type": "Company",
				"customer_group": _tree("Customer Group", f"{PREFIX} Retail", is_group=0),
				"territory": territory,
			}
		).insert()
	return name


def _lineage(doctype: str, name: str | None) -> frozenset[str]:
	if not name:
		return frozenset()
	lft, rgt = frappe.db.get_value(doctype, name, ["lft", "rgt"])
	return frozenset(frappe.get_all(doctype, filters={"lft": ["<=", lft], "rgt": [">=", rgt]}, pluck="name"))
