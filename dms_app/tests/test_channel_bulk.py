# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The bulk writer of the channel dataset writes what ERPNext posts.

Two distributors with the same items, stock and retailers receive the same plan of documents: a transfer
from the depot, sales with lines a 10% brand scheme discounts and lines it does not, to retailers of two
territories, a credit note against one of them, on three days. BLK-B's are posted by ERPNext, BLK-A's by
the bulk writer. Every column of every row of the documents (invoice, lines, payment schedule, stock
entry and its lines), the stock ledger, GL, payment ledger, scheme ledger and Bins must be equal, once
each side's own names (documents, rows, warehouses, retailers, distributor) are read as the other's."""

import json
from datetime import date

import frappe
from frappe.tests.utils import FrappeTestCase

from dms_app.primary_sales.dispatch import transit_warehouse
from dms_app.tests.channel_bulk import BulkError, BulkWriter, capture, place_order
from dms_app.tests.factories import (
	company,
	ensure_fiscal_year,
	make_distributor,
	make_item,
	make_retailer,
	make_tree_node,
	make_warehouse,
	receive_stock,
	sale_on,
	transfer_on,
)

CHILDREN = {
	"Sales Invoice": ("Sales Invoice Item",),
	"Stock Entry": ("Stock Entry Detail",),
	"Material Request": ("Material Request Item", "DMS Approval Log"),
}


def doctype_of(name: str) -> str:
	return (
		"Stock Entry"
		if name.startswith("MAT-STE")
		else "Material Request"
		if name.startswith("MAT-MR")
		else "Sales Invoice"
	)


# columns that name the row itself or when it was written: never the same on two sides
OWN = {"name", "creation", "modified", "posting_time", "posting_datetime", "_seen", "naming_series"}
OWN |= {"at", "dms_state_since"}  # when each approval step was taken
PRICES = (20, 50, 120)
DAYS = (date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 20))


class TestChannelBulk(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_fiscal_year(2026)
		root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]})
		territories = [make_tree_node("Territory", f"BLK Area {n}", root) for n in (1, 2)]
		brand = "BLK Brand"
		if not frappe.db.exists("Brand", brand):
			frappe.get_doc({"doctype": "Brand", "brand": brand}).insert(ignore_permissions=True)
		cls.items = [
			make_item("BLK-SOAP", price=20, valuation_method="Moving Average", brand=brand),
			make_item("BLK-TEA", price=50, valuation_method="Moving Average"),
			make_item("BLK-OIL", price=120, valuation_method="Moving Average", brand=brand),
		]
		cls.sides = {}
		# every warehouse before the first stock posting (ERPNext keeps a request's warehouse accounts
		# from its first posting on); each side its own depot: one side's postings must not be back-dated
		# behind the other's
		for side in ("A", "B"):
			depot = make_warehouse(f"BLK Depot {side}")
			dist = make_distributor(f"BLK-{side}", territory=territories[0])
			transit_warehouse(dist.name)
			retailers = [
				make_retailer(f"BLK {side} Retailer {n}", dist, territory=territories[n - 1]) for n in (1, 2)
			]
			cls.sides[side] = (dist, retailers, depot)
		for _dist, _retailers, depot in cls.sides.values():
			for code, cost in zip(cls.items, (14, 35, 84), strict=True):
				receive_stock(code, depot, 1000, rate=cost, posting_date="2026-10-01")
		scheme = frappe.get_doc(
			{
				"doctype": "DMS Scheme",
				"scheme_name": "BLK Brand Ten Percent",
				"scheme_type": "Slab Discount",
				"channel": "Secondary",
				"company": company(),
				"valid_from": "2026-10-01",
				"valid_upto": "2026-10-31",
				"slabs": [{"from_value": 1, "to_value": 0, "discount_type": "Percentage", "discount": 10}],
				"items": [{"applies_to": "Brand", "value": brand}],
			}
		).insert(ignore_permissions=True)
		scheme.submit()

	def plan(self):
		soap, tea, oil = self.items
		return [
			("transfer", DAYS[0], [(soap, 40), (tea, 30), (oil, 20)]),
			("sale", DAYS[0], 0, [(soap, 5, 20), (tea, 3, 50)]),
			("sale", DAYS[1], 1, [(oil, 4, 120), (soap, 10, 20), (tea, 2, 50)]),
			("return", DAYS[1], 0, 1, [(soap, -2, 20)]),  # against the first sale
			("transfer", DAYS[2], [(soap, 7)]),
			("sale", DAYS[2], 1, [(tea, 7, 50)]),
			("order", None, [(soap, 6, 20), (oil, 3, 120)]),  # the flow dates it today
		]

	def post(self, side: str, writer: BulkWriter | None) -> list[str]:
		dist, retailers, depot = self.sides[side]
		names, sales = [], []
		for step in self.plan():
			kind, day = step[0], step[1]
			if kind == "order":
				if writer:
					transit = transit_warehouse(dist.name)
					names += writer.order(dist, depot, transit, frappe.utils.getdate(), step[2])
				else:
					names += place_order(dist, depot, [(code, qty) for code, qty, _rate in step[2]])
				continue
			if kind == "transfer":
				if writer:
					names.append(writer.transfer(dist.name, depot, dist.warehouse, day, step[2]))
				else:
					names.append(transfer_on(dist, depot, step[2], day).name)
				continue
			retailer = retailers[step[2]]
			against = sales[step[3] - 1] if kind == "return" else None
			lines = step[-1]
			if writer:
				name = writer.sale(dist, retailer, day, lines, return_against=against)
			else:
				fields = {"is_return": 1, "return_against": against} if against else {}
				name = sale_on(dist, retailer, lines, day, **fields).name
			names.append(name)
			if kind == "sale":
				sales.append(name)
		if writer:
			writer.finish()
		return names

	def test_bulk_rows_equal_erpnexts(self):
		dist_a, retailers_a, depot_a = self.sides["A"]
		templates = capture(
			depot_a, dist_a, retailers_a[0], list(zip(self.items, PRICES, strict=True)), DAYS[0]
		)
		writer = BulkWriter(templates, company())
		bulk = self.post("A", writer)
		posted = self.post("B", None)
		self.assertEqual(len(bulk), len(posted))

		# A's names as B's: documents, their rows, warehouses, retailers, the distributor
		as_b = {}
		for a, b in zip(bulk, posted, strict=True):
			as_b[a] = b
			for child in CHILDREN[doctype_of(a)]:
				rows_a = frappe.get_all(child, filters={"parent": a}, pluck="name", order_by="idx")
				rows_b = frappe.get_all(child, filters={"parent": b}, pluck="name", order_by="idx")
				as_b.update(zip(rows_a, rows_b, strict=True))
		dist_b, retailers_b, depot_b = self.sides["B"]
		as_b.update({dist_a.name: dist_b.name, dist_a.warehouse: dist_b.warehouse, depot_a: depot_b})
		as_b[transit_warehouse(dist_a.name)] = transit_warehouse(dist_b.name)
		as_b.update(zip(retailers_a, retailers_b, strict=True))
		for a_name, b_name in zip(retailers_a, retailers_b, strict=True):
			as_b[frappe.db.get_value("Customer", a_name, "customer_name")] = frappe.db.get_value(
				"Customer", b_name, "customer_name"
			)

		def seen_as_b(key, value):
			if key == "dms_scheme_benefits" and value:
				# a list the engine orders by its lines' names, which ERPNext draws at random
				benefits = [{**b, "line": as_b.get(b["line"], b["line"])} for b in json.loads(value)]
				return sorted(benefits, key=lambda b: json.dumps(b, sort_keys=True))
			return as_b.get(value, value) if isinstance(value, str) else value

		def rows(table, **filters):
			found = frappe.get_all(table, filters=filters, fields=["*"])
			out = [{k: seen_as_b(k, v) for k, v in r.items() if k not in OWN} for r in found]
			return sorted(out, key=lambda r: json.dumps(r, sort_keys=True, default=str))

		for a, b in zip(bulk, posted, strict=True):
			doctype = doctype_of(a)
			for table, field in (
				(doctype, "name"),
				*((child, "parent") for child in CHILDREN[doctype]),
				("Payment Schedule", "parent"),
				("Stock Ledger Entry", "voucher_no"),
				("GL Entry", "voucher_no"),
				("Payment Ledger Entry", "voucher_no"),
				("DMS Scheme Ledger Entry", "voucher_no"),
			):
				with self.subTest(document=b, table=table):
					expected = rows(table, **{field: b})
					if (
						table == doctype
						or table in CHILDREN[doctype]
						or (table == "Stock Ledger Entry" and doctype != "Material Request")
					):
						self.assertTrue(expected)
					self.assertEqual(rows(table, **{field: a}), expected)
		fields = ["actual_qty", "projected_qty", "indented_qty", "valuation_rate", "stock_value", "stock_uom"]
		for code in self.items:
			for warehouse_a, warehouse_b in (
				(dist_a.warehouse, dist_b.warehouse),
				(depot_a, depot_b),
				(transit_warehouse(dist_a.name), transit_warehouse(dist_b.name)),
			):
				with self.subTest(bin=(code, warehouse_b)):
					self.assertEqual(
						frappe.db.get_value("Bin", {"item_code": code, "warehouse": warehouse_a}, fields),
						frappe.db.get_value("Bin", {"item_code": code, "warehouse": warehouse_b}, fields),
					)
		# the plan earns the scheme, so its ledger rows were compared above
		self.assertTrue(frappe.db.count("DMS Scheme Ledger Entry", {"distributor": dist_b.name}))

	def test_what_it_cannot_write_is_refused(self):
		dist_a, retailers_a, depot_a = self.sides["A"]
		templates = capture(
			depot_a, dist_a, retailers_a[0], list(zip(self.items, PRICES, strict=True)), DAYS[0]
		)
		writer = BulkWriter(templates, company())
		with self.assertRaisesRegex(BulkError, "after"):  # more than it holds
			writer.sale(dist_a, retailers_a[0], DAYS[2], [(self.items[1], 100000, 50)])
		with self.assertRaisesRegex(BulkError, "rounded"):  # a total ERPNext would round
			writer.transfer(dist_a.name, depot_a, dist_a.warehouse, DAYS[2], [(self.items[1], 1)])
			writer.sale(dist_a, retailers_a[0], DAYS[2], [(self.items[1], 1, 50.5)])
