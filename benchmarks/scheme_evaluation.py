"""Scheme evaluation: a 200-line cart against 500 active schemes, the DMS engine versus ERPNext's own
pricing rules (the Promotional Schemes that mirror the same DMS Schemes), in one run.

  (a) the DMS engine: load the active schemes (dms_app.schemes.engine.active_schemes, cold), read the
      cart's items and trees, and dms_app.core.schemes.evaluate; evaluate alone is reported as well;
  (b) ERPNext as the desk and POS price a full cart: one apply_pricing_rule call with all 200 items and
      the document, then the transaction (bill) rule on the document;
  (c) ERPNext as saving a Sales Invoice prices it: an unsaved invoice (rows with their list prices)
      through set_missing_values (every row's item details, pricing rules included), totals, the
      transaction rule and the totals again.

Per-request caches are cleared before every repetition for both sides (the DMS engine's scheme terms
and tree lineage, ERPNext's tree conditions); Redis-backed document caches stay warm, as in a running
site. Results are compared line by line (discount, free items) and on the bill discount.

The 500 schemes are DMS Schemes named "BENCH-SCH ..." (Slab Discount by item, item group and brand,
Mixed SKU Slab, Free Goods, Bill Value; some for the cart's territory, some for another), each
submitted with its Promotional Scheme; 200 items BENCH-SCH-ITEM-000..199. Reruns reuse them. They
are enabled for the run and disabled again at its end (unless --keep), so that the demo site's own
invoices are not priced against them.
Run it with the bench's Python as the bench owner, from the bench's sites folder:

	cd /opt/dms-bench/sites && ../env/bin/python /path/to/benchmarks/scheme_evaluation.py --site dms.localhost

Figures go to stdout and to <--out>/scheme_evaluation.json (default benchmarks/out/).
"""

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import frappe
from frappe.utils import flt, nowdate

HERE = Path(__file__).resolve().parent
TAG = "BENCH-SCH"
N_ITEMS, N_SCHEMES, N_GROUPS, N_BRANDS = 200, 500, 10, 5


# -- records --------------------------------------------------------------------------------------


def setup() -> dict:
	from frappe.utils.nestedset import get_root_of

	from dms_app.tests.factories import company, complete_setup_wizard

	complete_setup_wizard()
	company_name = company()
	price_list = frappe.db.get_single_value("DMS Settings", "default_price_list") or "Standard Selling"

	def tree(doctype: str, name: str, is_group: int) -> str:
		if not frappe.db.exists(doctype, name):
			field = frappe.scrub(doctype)
			frappe.get_doc(
				{
					"doctype": doctype,
					f"{field}_name": name,
					f"parent_{field}": get_root_of(doctype),
					"is_group": is_group,
				}
			).insert()
		return name

	groups = [tree("Item Group", f"{TAG} Group {g:02d}", 0) for g in range(N_GROUPS)]
	brands = []
	for b in range(N_BRANDS):
		name = f"{TAG} Brand {b}"
		if not frappe.db.exists("Brand", name):
			frappe.get_doc({"doctype": "Brand", "brand": name}).insert()
		brands.append(name)
	items = {}
	for i in range(N_ITEMS):
		code = f"{TAG}-ITEM-{i:03d}"
		price = 10 + (i % 50) * 5
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": code,
					"item_group": groups[i % N_GROUPS],
					"brand": brands[i % N_BRANDS],
					"stock_uom": "Nos",
					"is_stock_item": 1,
				}
			).insert()
		filters = {"item_code": code, "price_list": price_list}
		if not frappe.db.exists("Item Price", filters):
			frappe.get_doc({"doctype": "Item Price", **filters, "price_list_rate": price}).insert()
		items[code] = price
	home = tree("Territory", f"{TAG} Home", 0)
	away = tree("Territory", f"{TAG} Away", 0)
	customer = f"{TAG} Retailer"
	if not frappe.db.exists("Customer", customer):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": customer,
				"customer_type": "Company",
				"customer_group": tree("Customer Group", f"{TAG} Retail", 0),
				"territory": home,
			}
		).insert()
	frappe.db.commit()
	park(0)

	existing = set(
		frappe.get_all(
			"DMS Scheme", filters={"scheme_name": ["like", f"{TAG} %"], "docstatus": 1}, pluck="scheme_name"
		)
	)
	rng = random.Random(500)
	codes = list(items)
	made = 0
	for n in range(N_SCHEMES):
		terms = scheme_terms(n, rng, codes, groups, brands, home, away)
		if terms["scheme_name"] in existing:
			continue
		doc = frappe.get_doc(
			{"doctype": "DMS Scheme", "company": company_name, "valid_from": "2026-01-01", **terms}
		)
		doc.insert()
		doc.submit()
		made += 1
		if made % 25 == 0:
			frappe.db.commit()
			print(f"  {len(existing) + made} schemes", flush=True)
	frappe.db.commit()
	return {"company": company_name, "price_list": price_list, "items": items, "customer": customer}


def park(disabled: int) -> None:
	"""Disable (1) or enable again (0) the benchmark's schemes and their mirrors, so that between runs the
	demo site's invoices are not priced against 500 extra schemes. A direct update of all three
	doctypes: what pricing.sync would do for a change of Disabled, without 500 saves."""
	names = frappe.get_all(
		"DMS Scheme", filters={"scheme_name": ["like", f"{TAG} %"], "docstatus": 1}, pluck="name"
	)
	if not names:
		return
	frappe.db.set_value("DMS Scheme", {"name": ["in", names]}, "disabled", disabled, update_modified=False)
	frappe.db.set_value(
		"Promotional Scheme", {"name": ["in", names]}, "disable", disabled, update_modified=False
	)
	frappe.db.set_value(
		"Pricing Rule", {"promotional_scheme": ["in", names]}, "disable", disabled, update_modified=False
	)
	frappe.db.commit()


def scheme_terms(n: int, rng: random.Random, codes, groups, brands, home: str, away: str) -> dict:
	"""The n-th benchmark scheme. The random draws happen for every n, so terms do not depend on which
	schemes exist already. Discounts are small, so that stacked schemes never reach a line's value."""
	kind = n % 10
	picked = rng.sample(codes, 4)
	group, brand = rng.choice(groups), rng.choice(brands)
	buy, low = rng.randint(3, 8), rng.randint(2, 10)
	pct, amount = rng.choice((1, 2, 3)), rng.choice((0.5, 1, 2))
	buyers = []
	if n % 7 == 0:
		buyers = [{"buyer_type": "Territory", "value": home if n % 14 == 0 else away}]
	terms = {"scheme_name": f"{TAG} {n:03d}", "buyers": buyers, "basis": "Quantity"}
	if kind <= 3:  # per-item slabs
		terms.update(
			scheme_type="Slab Discount",
			items=[{"applies_to": "Item", "value": code} for code in picked[:2]],
			slabs=[
				{"from_value": low, "to_value": low + 9, "discount_type": "Percentage", "discount": pct},
				{"from_value": low + 10, "to_value": 0, "discount_type": "Amount", "discount": amount},
			],
		)
	elif kind == 4:
		terms.update(
			scheme_type="Slab Discount",
			basis="Value",
			items=[{"applies_to": "Item Group", "value": group}],
			slabs=[{"from_value": 200, "to_value": 0, "discount_type": "Percentage", "discount": 1}],
		)
	elif kind == 5:
		terms.update(
			scheme_type="Slab Discount",
			items=[{"applies_to": "Brand", "value": brand}],
			slabs=[{"from_value": low, "to_value": 0, "discount_type": "Amount", "discount": 0.5}],
		)
	elif kind == 6:
		terms.update(
			scheme_type="Mixed SKU Slab",
			items=[{"applies_to": "Item", "value": code} for code in picked],
			slabs=[{"from_value": 20, "to_value": 0, "discount_type": "Percentage", "discount": 1}],
		)
	elif kind in (7, 8):
		terms.update(
			scheme_type="Free Goods",
			items=[{"applies_to": "Item", "value": picked[0]}],
			buy_qty=buy,
			free_qty=1 + n % 2,
			free_item=picked[1] if kind == 8 else None,
		)
	else:  # bill value: only one applies to the cart (ERPNext keeps one transaction discount)
		terms.update(
			scheme_type="Bill Value",
			basis="Value",
			buyers=[{"buyer_type": "Territory", "value": home if n == 9 else away}],
			slabs=[
				{"from_value": 1000, "to_value": 49999.99, "discount_type": "Percentage", "discount": 1},
				{"from_value": 50000, "to_value": 0, "discount_type": "Amount", "discount": 250},
			],
		)
	return terms


def cart_lines(items: dict) -> list[tuple[str, float]]:
	return [(code, 1 + (i * 7) % 30) for i, code in enumerate(items)]


# -- the three ways -------------------------------------------------------------------------------


def dms_engine(ctx: dict, lines, only: set | None = None) -> tuple[dict, dict]:
	from dms_app.core import schemes as core
	from dms_app.schemes import engine

	timings = {}
	start = time.perf_counter()
	engine.clear_cache()
	schemes = engine.active_schemes(core.SECONDARY, ctx["company"])
	timings["load"] = time.perf_counter() - start
	item_rows = {
		row.name: row
		for row in frappe.get_all(
			"Item",
			filters={"name": ["in", [code for code, _qty in lines]]},
			fields=["name", "item_group", "brand"],
		)
	}
	territory, customer_group = frappe.db.get_value(
		"Customer", ctx["customer"], ["territory", "customer_group"]
	)
	cart = core.Cart(
		channel=core.SECONDARY,
		date=nowdate(),
		buyer=core.Buyer(
			company=ctx["company"],
			retailer=ctx["customer"],
			territories=engine.lineage("Territory", territory),
			customer_groups=engine.lineage("Customer Group", customer_group),
		),
		lines=tuple(
			core.Line(
				key=f"L{index:03d}",
				item_code=code,
				qty=qty,
				rate=ctx["items"][code],
				item_groups=engine.lineage("Item Group", item_rows[code].item_group),
				brand=item_rows[code].brand,
			)
			for index, (code, qty) in enumerate(lines)
		),
		prices=ctx["items"],
	)
	if only is not None:
		schemes = [scheme for scheme in schemes if scheme.name in only]
	start_eval = time.perf_counter()
	outcome = core.evaluate(cart, schemes)
	end = time.perf_counter()
	timings["evaluate"] = end - start_eval
	timings["total"] = end - start
	free: dict[str, float] = {}
	for _name, item, qty in outcome.free_lines():
		free[item] = free.get(item, 0) + qty
	result = {
		"lines": {f"L{i:03d}": outcome.line_discount(f"L{i:03d}") for i in range(len(lines))},
		"free": free,
		"bill": outcome.bill_discount,
	}
	return timings, result


def invoice_dict(ctx: dict, lines, item_rows: dict) -> dict:
	territory, customer_group = frappe.db.get_value(
		"Customer", ctx["customer"], ["territory", "customer_group"]
	)
	currency = frappe.get_cached_value("Company", ctx["company"], "default_currency")
	return {
		"doctype": "Sales Invoice",
		"name": "new-sales-invoice-bench",
		"company": ctx["company"],
		"customer": ctx["customer"],
		"customer_group": customer_group,
		"territory": territory,
		"posting_date": nowdate(),
		"currency": currency,
		"conversion_rate": 1,
		"selling_price_list": ctx["price_list"],
		"price_list_currency": currency,
		"plc_conversion_rate": 1,
		"items": [
			{
				"doctype": "Sales Invoice Item",
				"name": f"new-sales-invoice-item-{index}",
				"item_code": code,
				"item_group": item_rows[code].item_group,
				"brand": item_rows[code].brand,
				"qty": qty,
				"stock_qty": qty,
				"uom": "Nos",
				"stock_uom": "Nos",
				"conversion_factor": 1,
				"price_list_rate": ctx["items"][code],
				"rate": ctx["items"][code],
				"pricing_rules": "",
			}
			for index, (code, qty) in enumerate(lines)
		],
	}


def erpnext_desk(ctx: dict, lines) -> tuple[dict, dict]:
	"""apply_pricing_rule with all items and the document, as the desk / POS call it on a full cart."""
	from dms_app.schemes.pricing import price_as_the_desk_does

	frappe.flags.tree_conditions = None
	start = time.perf_counter()
	item_rows = {
		row.name: row
		for row in frappe.get_all(
			"Item",
			filters={"name": ["in", [code for code, _qty in lines]]},
			fields=["name", "item_group", "brand"],
		)
	}
	marks = []
	doc = price_as_the_desk_does(
		invoice_dict(ctx, lines, item_rows), ctx["price_list"], lambda: marks.append(time.perf_counter())
	)
	end = time.perf_counter()
	return {"apply_pricing_rule": marks[0] - start, "total": end - start}, result(doc)


def erpnext_invoice(ctx: dict, lines) -> tuple[dict, dict]:
	"""An unsaved Sales Invoice priced as saving it would: set_missing_values, transaction rule, totals."""
	from erpnext.accounts.doctype.pricing_rule.utils import apply_pricing_rule_on_transaction

	frappe.flags.tree_conditions = None
	start = time.perf_counter()
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": ctx["company"],
			"customer": ctx["customer"],
			"posting_date": nowdate(),
			"due_date": nowdate(),
			"selling_price_list": ctx["price_list"],
			# rows with list price and stock quantity, as the desk sends them. Without them ERPNext keeps
			# only the percentage of a row that also earns an amount off, and counts every row of a mixed
			# slab at the quantity of the row being priced (see dms_app/schemes/test_pricing.py).
			"items": [
				{
					"item_code": code,
					"qty": qty,
					"stock_qty": qty,
					"conversion_factor": 1,
					"price_list_rate": ctx["items"][code],
				}
				for code, qty in lines
			],
		}
	)
	doc.set_missing_values()
	doc.calculate_taxes_and_totals()
	apply_pricing_rule_on_transaction(doc)
	doc.calculate_taxes_and_totals()
	return {"total": time.perf_counter() - start}, result(doc)


def result(doc) -> dict:
	paid = [row for row in doc.items if not row.is_free_item]
	free: dict[str, float] = {}
	for row in doc.items:
		if row.is_free_item:
			free[row.item_code] = free.get(row.item_code, 0) + flt(row.qty)
	return {
		"lines": {
			f"L{index:03d}": flt((flt(row.price_list_rate) - flt(row.rate)) * flt(row.qty), 2)
			for index, row in enumerate(paid)
		},
		"free": free,
		"bill": flt(doc.discount_amount, 2),
	}


def compare(ours: dict, theirs: dict) -> dict:
	lines = [key for key in ours["lines"] if abs(ours["lines"][key] - theirs["lines"].get(key, 0)) > 0.005]
	items = set(ours["free"]) | set(theirs["free"])
	free = sorted(item for item in items if ours["free"].get(item, 0) != theirs["free"].get(item, 0))
	return {
		"lines_differing": lines,
		"free_items_differing": free,
		"bill": [ours["bill"], theirs["bill"]],
		"identical": not lines and not free and abs(ours["bill"] - theirs["bill"]) < 0.005,
	}


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--site", default="dms.localhost")
	parser.add_argument("--repeat", type=int, default=7)
	parser.add_argument("--out", default=str(HERE / "out"))
	parser.add_argument(
		"--keep", action="store_true", help="leave the benchmark's schemes enabled after the run"
	)
	opts = parser.parse_args()

	frappe.init(site=opts.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		print("setting up (reuses what an earlier run made) ...", flush=True)
		ctx = setup()
		lines = cart_lines(ctx["items"])
		mirrored = set(
			frappe.get_all(
				"DMS Scheme",
				filters={
					"scheme_name": ["like", f"{TAG} %"],
					"docstatus": 1,
					"promotional_scheme": ["is", "set"],
				},
				pluck="name",
			)
		)
		rules = frappe.db.count("Pricing Rule", {"promotional_scheme": ["in", list(mirrored)], "disable": 0})
		active = len(
			frappe.get_all("DMS Scheme", filters={"docstatus": 1, "disabled": 0, "channel": "Secondary"})
		)
		print(f"{active} active secondary schemes, {len(mirrored)} mirrored by {rules} pricing rules")

		runs = {"engine": [], "evaluate": [], "load": [], "desk": [], "desk_items": [], "invoice": []}
		checks = {}
		for rep in range(opts.repeat + 1):  # the first round warms caches and is not counted
			t_ours, ours = dms_engine(ctx, lines)
			t_desk, desk = erpnext_desk(ctx, lines)
			t_invoice, invoice = erpnext_invoice(ctx, lines)
			frappe.db.rollback()
			if rep == 0:
				_timing, ours_mirrored = dms_engine(ctx, lines, only=mirrored)
				checks = {"desk": compare(ours_mirrored, desk), "invoice": compare(ours_mirrored, invoice)}
				checks["engine_all_vs_mirrored_identical"] = ours == ours_mirrored
				checks["lines_with_a_discount"] = sum(1 for value in ours["lines"].values() if value)
				checks["free_items"] = len(ours["free"])
				checks["bill_discount"] = ours["bill"]
				continue
			runs["engine"].append(t_ours["total"])
			runs["evaluate"].append(t_ours["evaluate"])
			runs["load"].append(t_ours["load"])
			runs["desk"].append(t_desk["total"])
			runs["desk_items"].append(t_desk["apply_pricing_rule"])
			runs["invoice"].append(t_invoice["total"])
		median = {key: statistics.median(values) for key, values in runs.items()}
	finally:
		frappe.db.rollback()
		if not opts.keep:
			park(1)
		frappe.destroy()

	rows = [
		("DMS engine: load schemes + cart + evaluate", median["engine"]),
		("DMS engine: evaluate alone", median["evaluate"]),
		("ERPNext desk: apply_pricing_rule (200 items) + bill rule", median["desk"]),
		("ERPNext: unsaved Sales Invoice set_missing_values + bill rule", median["invoice"]),
	]
	print()
	print(f"200-line cart, {active} active schemes, median of {opts.repeat} runs")
	print(f"{'path':64} {'ms':>9} {'x engine':>9}")
	for label, seconds in rows:
		print(f"{label:64} {seconds * 1000:9.1f} {seconds / median['engine']:9.1f}")
	print(f"{'(engine: loading the schemes alone)':64} {median['load'] * 1000:9.1f}")
	print(f"{'(desk: apply_pricing_rule alone)':64} {median['desk_items'] * 1000:9.1f}")
	print()
	print(
		f"ERPNext desk / our engine:  {median['desk'] / median['engine']:.1f}x "
		f"(vs evaluate alone {median['desk'] / median['evaluate']:.0f}x)"
	)
	print(f"ERPNext invoice / our engine: {median['invoice'] / median['engine']:.1f}x")
	print("results:", json.dumps(checks, indent=1))

	out = Path(opts.out)
	out.mkdir(parents=True, exist_ok=True)
	(out / "scheme_evaluation.json").write_text(
		json.dumps(
			{
				"active_schemes": active,
				"mirrored": len(mirrored),
				"pricing_rules": rules,
				"lines": len(lines),
				"repeat": opts.repeat,
				"median_seconds": median,
				"runs": runs,
				"checks": checks,
			},
			indent=1,
		)
	)


if __name__ == "__main__":
	main()
