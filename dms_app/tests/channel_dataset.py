"""A channel to look at the analytics with: deterministic for a seed, every document posted by ERPNext.

	bench --site <site> execute dms_app.tests.channel_dataset.build
	bench --site <site> execute dms_app.tests.channel_dataset.build --kwargs "{'seed': 7}"

Everything is named "CH-..." (or "CH ..."). It makes, in posting order so that nothing is back-dated
behind a later posting:

- a territory tree of 2 zones, 2 regions each and 2 areas each, one distributor per area (8), each
  with its warehouse, a portal user and 6 retailers (outlet type, class and beat);
- 24 SKUs in 4 item groups under 2 categories and 3 brands, with prices; an OEM depot stocked for the year;
- 12 months ending with the current one: on the 1st of each month every distributor is replenished
  from the depot (a stock transfer, what a received primary order posts) up to a par level from what
  it sold the month before, and it invoices its retailers about weekly, 3 lines each from its
  assortment of 12 SKUs, with a festive season (October, November) and growth that differs by region;
  about one invoice in fifteen is partly returned;
- a 10% discount scheme on one brand for two months of the year (the scheme engine applies it to the
  invoices, writing its ledger) and a claim of it sent for approval;
- this month, a primary order per distributor through the real workflow: placed by the portal user,
  approved level by level, dispatched (in transit to the distributor); earlier months have the
  transfers only, so sell-in counted from approved orders (cards, scorecard) shows this month only;
- planted anomalies, which the alert rules then find (dms_app.channel_analytics.alerts.run): the same
  invoice under two references (CH-D1), stock never sold (CH-D2), a spike in last week's sell-out
  (CH-D3), sell-out of stock it was never supplied, after a stock reconciliation (CH-D4), and a
  distributor silent for the last three weeks (CH-D8).

The postings are one transaction, committed at the end: a build that fails leaves none of them, and a
second run finds them there and makes nothing twice. Sizes beyond this one (the issue's medium
and large) need a bulk writer, which this is not: ERPNext posts about 18 invoice lines a second.
``commit=False`` (the integration test) leaves the transaction to the caller.
"""

import random
import time
from datetime import date, timedelta

import frappe
from frappe.utils import add_months, getdate, nowdate
from frappe.utils.password import update_password

from dms_app.core import portal
from dms_app.primary_sales.dispatch import transit_warehouse
from dms_app.tests import require_test_site
from dms_app.tests.factories import (
	act,
	as_user,
	company,
	complete_setup_wizard,
	ensure_depot,
	ensure_fiscal_year,
	make_distributor,
	make_item,
	make_primary_order,
	make_retailer,
	make_tree_node,
	make_user,
	receive_stock,
	sale_on,
	transfer_on,
)

PREFIX = "CH"
PASSWORD = "Channel-Demo-2026"
MANAGER = "ch-manager@channel.example"
ZONES, REGIONS, AREAS = ("North", "South"), (1, 2), ("a", "b")
CATEGORIES = {"CH Personal Care": ("CH Soaps", "CH Shampoos"), "CH Foods": ("CH Tea", "CH Oils")}
BRANDS = ("CH Aruna", "CH Bharat", "CH Chandra")
SKUS, ASSORTMENT, RETAILERS, INVOICES_PER_MONTH, LINES = 24, 12, 6, 4, 3
OUTLETS = ("General Trade", "General Trade", "Modern Trade", "Pharmacy", "Wholesale")
SEASON = {10: 1.4, 11: 1.6, 12: 1.1, 1: 0.9, 2: 0.85, 3: 0.9}  # festive peak; other months 1.0
RETURN_EVERY = 15


def sku(i: int) -> str:
	return f"{PREFIX}-SKU-{i:02d}"


def build(seed: int = 1, commit: bool = True) -> dict:
	require_test_site()
	started = time.monotonic()
	rng = random.Random(int(seed))
	today = getdate(nowdate())
	first_month = getdate(add_months(today.replace(day=1), -11))
	complete_setup_wizard()
	from dms_app.install import sync

	sync()  # DMS Settings' company-dependent defaults, on a site whose wizard has just run
	for year in range((first_month - timedelta(days=1)).year, today.year + 1):
		ensure_fiscal_year(year)
	frappe.flags.mute_emails = True
	depot = ensure_depot()
	areas = _territories()
	items = _catalogue(rng)
	dists = [_distributor(n, area, rng) for n, area in enumerate(areas, start=1)]
	# every warehouse before the first stock posting (the In Transit ones too): ERPNext keeps a request's
	# warehouse accounts in frappe.flags from its first posting on, and would miss a later warehouse
	for dist, _retailers in dists:
		transit_warehouse(dist.name)
	_save(commit)
	if frappe.db.exists("Sales Invoice", {"distributor": dists[0][0].name, "docstatus": 1}):
		return {"made": False, "distributors": [d.name for d, _r in dists]}

	receive_stock_many(depot, items, first_month - timedelta(days=1))
	scheme = _scheme(first_month)
	posted = _history(dists, items, first_month, today, rng)
	_this_months_orders(dists, items, rng)
	_claim(scheme, dists[0][0])
	from dms_app.channel_analytics import alerts

	found = alerts.run(today)
	_save(commit)
	return {
		"made": True,
		"distributors": [d.name for d, _r in dists],
		"invoices": posted,
		"alerts": found,
		"manager": MANAGER,
		"password": PASSWORD,
		"seconds": round(time.monotonic() - started, 1),
	}


def _save(commit: bool) -> None:
	if commit:
		frappe.db.commit()


def _territories() -> list[str]:
	root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]})
	make_tree_node("Territory", f"{PREFIX} India", root, is_group=1)
	areas = []
	for zone in ZONES:
		z = make_tree_node("Territory", f"{PREFIX} {zone}", f"{PREFIX} India", is_group=1)
		for region in REGIONS:
			r = make_tree_node("Territory", f"{PREFIX} {zone} {region}", z, is_group=1)
			areas += [make_tree_node("Territory", f"{PREFIX} {zone} {region}{area}", r) for area in AREAS]
	return areas


def _catalogue(rng: random.Random) -> list[dict]:
	root = frappe.db.get_value("Item Group", {"is_group": 1, "parent_item_group": ["in", ("", None)]})
	groups = []
	for category, children in CATEGORIES.items():
		make_tree_node("Item Group", category, root, is_group=1)
		groups += [make_tree_node("Item Group", child, category) for child in children]
	for brand in BRANDS:
		if not frappe.db.exists("Brand", brand):
			frappe.get_doc({"doctype": "Brand", "brand": brand}).insert(ignore_permissions=True)
	items = []
	for i in range(SKUS):
		price = float(rng.choice((20, 35, 50, 80, 120, 250)))
		code = make_item(
			sku(i),
			price=price,
			item_name=f"{PREFIX} Product {i:02d}",
			item_group=groups[i % len(groups)],
			brand=BRANDS[i % len(BRANDS)],
			valuation_method="Moving Average",
		)
		items.append({"code": code, "price": price, "cost": round(price * 0.7, 2)})
	return items


def _distributor(n: int, area: str, rng: random.Random):
	code = f"{PREFIX}-D{n}"
	user = make_user(f"ch-d{n}@channel.example")
	update_password(user, PASSWORD)
	dist = make_distributor(
		code, distributor_name=f"Channel Distributor {n}", territory=area, portal_users=[{"user": user}]
	)
	retailers = [
		make_retailer(
			f"{code} Retailer {r}",
			dist,
			territory=area,
			outlet_type=rng.choice(OUTLETS),
			outlet_class=rng.choice(("A", "B", "C")),
			beat=f"{code} Beat {r % 2 + 1}",
		)
		for r in range(1, RETAILERS + 1)
	]
	return dist, retailers


def receive_stock_many(warehouse: str, items: list[dict], day: date) -> None:
	"""The OEM depot's stock for the year, in one receipt."""
	doc = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": frappe.db.get_value("Warehouse", warehouse, "company"),
			"posting_date": day,
			"set_posting_time": 1,
			"items": [
				{"item_code": i["code"], "t_warehouse": warehouse, "qty": 100000, "basic_rate": i["cost"]}
				for i in items
			],
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()


def _scheme(first_month: date) -> str:
	start = getdate(add_months(first_month, 6))
	end = getdate(add_months(start, 2)) - timedelta(days=1)
	doc = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"scheme_name": f"{PREFIX} Aruna Ten Percent",
			"scheme_type": "Slab Discount",
			"channel": "Secondary",
			"company": company(),
			"valid_from": start,
			"valid_upto": end,
			"slabs": [{"from_value": 1, "to_value": 0, "discount_type": "Percentage", "discount": 10}],
			"items": [{"applies_to": "Brand", "value": BRANDS[0]}],
		}
	).insert(ignore_permissions=True)
	doc.submit()
	return doc.name


def _growth(area: str) -> float:
	"""Yearly growth of an area's sell-out: the North's first region grows fastest, the South's second
	shrinks."""
	zone, region = area.split()[1], area.split()[2][0]
	return {("North", "1"): 0.30, ("North", "2"): 0.12, ("South", "1"): 0.05, ("South", "2"): -0.10}[
		(zone, region)
	]


def _history(dists, items, first_month: date, today: date, rng: random.Random) -> int:
	"""Plan the year's postings month by month (the replenishment on the 1st, then the sales it allows),
	then the planted anomalies, and post them all in date order."""
	depot = frappe.db.get_single_value("DMS Settings", "oem_depot_warehouse")
	silent_from = today - timedelta(days=21)
	saleable = [i for i in items if i["code"] != sku(1)]  # sku(1): CH-D2's dead stock, CH-D4's surprise
	events: list[tuple[date, int, str, tuple]] = []  # (day, order within the day, kind, arguments)
	months = [getdate(add_months(first_month, m)) for m in range(12)]
	assortments = {d.name: rng.sample(saleable, ASSORTMENT) for d, _r in dists}
	stock = {d.name: {} for d, _r in dists}  # what each distributor holds, as planned
	sold_before: dict[str, dict[str, float]] = {d.name: {} for d, _r in dists}
	for m, month in enumerate(months):
		month_end = portal.month_bounds(month)[1]
		for dist, retailers in dists:
			# the 1st: back up to a par level of one and a half times last month's sales (at least 40)
			held, before = stock[dist.name], sold_before[dist.name]
			lines = []
			for i in assortments[dist.name]:
				par = max(40, round(1.5 * before.get(i["code"], 0)))
				if held.get(i["code"], 0) < par:
					lines.append((i["code"], par - held.get(i["code"], 0)))
					held[i["code"]] = par
			if m == 0 and dist.name == f"{PREFIX}-D2":
				lines.append((sku(1), 30))  # received once, never sold
			events.append((month, 0, "transfer", (depot, dist, lines)))
			sold_before[dist.name] = sold = {}
			season = SEASON.get(month.month, 1.0) * (1 + _growth(dist.territory)) ** (m / 12)
			days = [month + timedelta(days=7 * k + rng.randint(0, 5)) for k in range(INVOICES_PER_MONTH)]
			if m == 11 and dist.name != f"{PREFIX}-D8":
				days.append(today - timedelta(days=rng.randint(1, 3)))  # everyone but CH-D8 sold lately
			for day in sorted(days):
				if day > month_end or day >= today or day < month:
					continue
				if dist.name == f"{PREFIX}-D8" and day >= silent_from:
					continue
				lines = []
				for i in rng.sample(assortments[dist.name], LINES):
					qty = min(max(1, round(rng.randint(4, 12) * season)), held.get(i["code"], 0))
					if qty:
						lines.append((i["code"], qty, i["price"]))
						held[i["code"]] -= qty
						sold[i["code"]] = sold.get(i["code"], 0) + qty
				if lines:
					events.append((day, 1, "sale", (dist, rng.choice(retailers), lines)))
	events += _planted(dists, items, assortments, today)
	posted = 0
	for n, (day, _order, kind, arguments) in enumerate(sorted(events, key=lambda e: (e[0], e[1]))):
		if kind == "transfer":
			depot, dist, lines = arguments
			transfer_on(dist, depot, lines, day)
		elif kind == "receipt":
			receive_stock(*arguments, posting_date=day)
		elif kind == "reconcile":
			_reconcile(*arguments, day)
		else:
			dist, retailer, lines, *fields = arguments
			invoice = sale_on(dist, retailer, lines, day, **(fields[0] if fields else {}))
			posted += 1
			if kind == "sale" and posted % RETURN_EVERY == 0:
				code, qty, rate = lines[0]
				sale_on(
					dist,
					retailer,
					[(code, -max(1, qty // 3), rate)],
					day,
					is_return=1,
					return_against=invoice.name,
				)
		if n % 50 == 49:
			print(f"  {day}: {posted} invoices", flush=True)
	return posted


def _planted(dists, items, assortments, today: date) -> list[tuple]:
	by_code = {d.name: (d, r) for d, r in dists}
	yesterday = today - timedelta(days=1)
	events = []
	# CH-D1: the same invoice twice, under two references
	d1, r1 = by_code[f"{PREFIX}-D1"]
	lines = [(i["code"], n, i["price"]) for n, i in enumerate(assortments[d1.name][:2], start=1)]
	for code, _qty, _rate in lines:
		cost = next(i["cost"] for i in items if i["code"] == code)
		events.append((yesterday, 4, "receipt", (code, d1.warehouse, 10, cost)))
	for n, ref in enumerate(("CH-TALLY-1001", "CH-TALLY-1001-A")):
		events.append((yesterday, 5 + n, "planted sale", (d1, r1[0], lines, {"dms_external_ref": ref})))
	# CH-D3: 3 a week of one SKU for eight weeks, then 60 in the last complete week
	d3, r3 = by_code[f"{PREFIX}-D3"]
	spike = items[5]
	last_week = today - timedelta(days=today.weekday() + 7)
	events.append(
		(last_week - timedelta(days=70), 2, "receipt", (spike["code"], d3.warehouse, 200, spike["cost"]))
	)
	for w in range(1, 9):
		events.append(
			(
				last_week - timedelta(days=7 * w - 1),
				3,
				"planted sale",
				(d3, r3[1], [(spike["code"], 3, spike["price"])]),
			)
		)
	events.append(
		(last_week + timedelta(days=2), 3, "planted sale", (d3, r3[1], [(spike["code"], 60, spike["price"])]))
	)
	# CH-D4: goods it was never supplied appear by a stock reconciliation, and are sold
	d4, r4 = by_code[f"{PREFIX}-D4"]
	events.append((yesterday - timedelta(days=1), 2, "reconcile", (d4, sku(1), 20, items[1]["cost"])))
	events.append((yesterday, 3, "planted sale", (d4, r4[0], [(sku(1), 15, items[1]["price"])])))
	return events


def _reconcile(dist, code: str, qty: float, rate: float, day: date) -> None:
	doc = frappe.get_doc(
		{
			"doctype": "Stock Reconciliation",
			"company": dist.company,
			"purpose": "Stock Reconciliation",
			"posting_date": day,
			"set_posting_time": 1,
			"items": [{"item_code": code, "warehouse": dist.warehouse, "qty": qty, "valuation_rate": rate}],
		}
	).insert(ignore_permissions=True)
	doc.submit()


def _this_months_orders(dists, items, rng: random.Random) -> None:
	from dms_app.tests.factories import approve_order

	manager = make_user(MANAGER, roles=("Area Sales Manager", "Regional Sales Manager", "DMS Manager"))
	frappe.db.set_value("User", MANAGER, "user_type", "System User")
	update_password(MANAGER, PASSWORD)
	for dist, _retailers in dists:
		user = dist.portal_users[0].user
		order = as_user(
			user,
			make_primary_order,
			dist,
			[(i["code"], rng.randint(2, 6) * 10) for i in rng.sample(items, 3)],
		)
		act(user, order, "Submit for Approval")
		order = approve_order(order, manager)
		dispatch = frappe.get_all(
			"Stock Entry Detail",
			filters={"material_request": order.name, "parenttype": "Stock Entry"},
			pluck="parent",
		)
		if dispatch:
			act(manager, frappe.get_doc("Stock Entry", dispatch[0]), "Dispatch")


def _claim(scheme: str, dist) -> None:
	doc = frappe.get_doc("DMS Scheme", scheme)
	claim = frappe.get_doc(
		{
			"doctype": "DMS Scheme Claim",
			"distributor": dist.name,
			"scheme": scheme,
			"from_date": doc.valid_from,
			"to_date": doc.valid_upto,
		}
	)
	claim.insert(ignore_permissions=True)
	act(dist.portal_users[0].user, claim, "Send for Approval")


# -- medium and large: history written in bulk ---------------------------------------------------------

SIZES = {
	# name prefix, distributors, SKUs, retailers, invoice lines in the year
	"tiny": ("CT", 6, 60, 60, 2000),  # the integration test's
	"medium": ("CM", 200, 2000, 20000, 200000),
	"large": ("CL", 2000, 20000, 200000, 2000000),
}
BULK_ASSORTMENT = 150  # SKUs a distributor carries
BULK_BRANDS = 10
BULK_ZONES = 4


def build_bulk(size: str = "medium", seed: int = 1, commit: bool = True) -> dict:
	"""The issue's medium (or large) channel: masters made by Frappe and ERPNext as usual, a year of
	primary orders (approved, dispatched through the distributor's In Transit warehouse and received, on
	the first of each month) and secondary sales written by the bulk writer (dms_app.tests.channel_bulk,
	whose rows test_channel_bulk proves equal to what the app and ERPNext post). Named "CM-..." (medium),
	"CL-..." (large) or "CT-..." (tiny, for the test), beside the small "CH-..." channel.

		bench --site <site> execute dms_app.tests.channel_dataset.build_bulk --kwargs "{'size': 'medium'}"

	Planted for the alert rules: a distributor silent for the last three weeks (<prefix>-D002), one with
	a SKU received and never sold (<prefix>-D003), an invoice sent twice under two references
	(<prefix>-D004) and a spike in last week's sell-out (<prefix>-D005). A claim of the scheme for the
	first five distributors. Not written: stock reconciliations, free goods, portal users (Frappe allows
	a few new users an hour). Like ``build``, a failed run leaves nothing (one transaction)."""
	from dms_app.tests.channel_bulk import BulkWriter, capture

	require_test_site()
	if size not in SIZES:
		raise ValueError(f"size must be one of {', '.join(SIZES)}")
	started = time.monotonic()
	prefix, n_dists, n_skus, n_retailers, n_lines = SIZES[size]
	rng = random.Random(int(seed))
	today = getdate(nowdate())
	first_month = getdate(add_months(today.replace(day=1), -11))
	complete_setup_wizard()
	from dms_app.install import sync

	sync()
	for year in range((first_month - timedelta(days=1)).year, today.year + 1):
		ensure_fiscal_year(year)
	frappe.flags.mute_emails = True
	if frappe.db.exists("Distributor", f"{prefix}-D001") and frappe.db.exists(
		"Sales Invoice", {"distributor": f"{prefix}-D001", "docstatus": 1}
	):
		return {"made": False}
	depot = ensure_depot()
	step = _stepper(started)

	areas = _bulk_territories(prefix, n_dists)
	step("territories", len(areas))
	items = _bulk_catalogue(prefix, n_skus, rng)
	step("items", len(items))
	dists = []
	per_dist = n_retailers // n_dists
	for n, area in enumerate(areas, start=1):
		dist = make_distributor(
			f"{prefix}-D{n:03d}", distributor_name=f"{prefix} Distributor {n:03d}", territory=area
		)
		transit_warehouse(dist.name)  # every warehouse before the first stock posting
		retailers = [
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": f"{prefix}-D{n:03d} Retailer {r:03d}",
					"customer_type": "Company",
					"distributor": dist.name,
					"territory": area,
					"outlet_type": rng.choice(OUTLETS),
					"outlet_class": rng.choice(("A", "B", "C")),
					"beat": f"{dist.name} Beat {r % 5 + 1}",
				}
			)
			.insert(ignore_permissions=True)
			.name
			for r in range(1, per_dist + 1)
		]
		dists.append((dist, retailers))
		frappe.utils.update_progress_bar("Distributors and retailers", n - 1, len(areas))
	print()
	step("distributors and retailers", len(dists))
	receive_stock_many(depot, items, first_month - timedelta(days=1))
	step("depot stock", len(items))
	scheme, scheme_start = _bulk_scheme(prefix, first_month)
	brand_items = [(i["code"], i["price"]) for i in items if i["brand"] == f"{prefix} Brand 1"][:2]
	templates = capture(depot, dists[0][0], dists[0][1][0], brand_items, scheme_start)
	writer = BulkWriter(templates, company())
	step("templates", 3)

	invoices = _bulk_history(writer, prefix, depot, dists, items, first_month, today, n_lines, rng)
	writer.finish()
	step("history", writer.written)
	for dist, _retailers in dists[:5]:
		frappe.get_doc(
			{
				"doctype": "DMS Scheme Claim",
				"distributor": dist.name,
				"scheme": scheme,
				"from_date": scheme_start,
				"to_date": getdate(add_months(scheme_start, 2)) - timedelta(days=1),
			}
		).insert(ignore_permissions=True)
	step("claims", 5)
	_save(commit)
	return {
		"made": True,
		"size": size,
		"distributors": len(dists),
		"skus": len(items),
		"retailers": sum(len(r) for _d, r in dists),
		"invoices": invoices,
		"rows_written": writer.written,
		"seconds": round(time.monotonic() - started, 1),
	}


def _stepper(started: float):
	def step(what: str, count: int) -> None:
		print(f"  {time.monotonic() - started:7.1f} s  {what}: {count}", flush=True)

	return step


def _bulk_territories(prefix: str, n_areas: int) -> list[str]:
	"""Zones -> regions -> areas, one area a distributor."""
	root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]})
	top = make_tree_node("Territory", f"{prefix} India", root, is_group=1)
	regions = []
	for z in range(1, BULK_ZONES + 1):
		zone = make_tree_node("Territory", f"{prefix} Zone {z}", top, is_group=1)
		regions += [
			make_tree_node("Territory", f"{prefix} Region {z}.{r}", zone, is_group=1)
			for r in range(1, BULK_ZONES + 1)
		]
	return [
		make_tree_node("Territory", f"{prefix} Area {n:03d}", regions[(n - 1) % len(regions)])
		for n in range(1, n_areas + 1)
	]


def _zone(area: str) -> int:
	"""The zone an area of ``_bulk_territories`` lies in: area n is under region (n - 1) mod 16."""
	return (int(area.split()[-1]) - 1) % (BULK_ZONES * BULK_ZONES) // BULK_ZONES + 1


def _bulk_catalogue(prefix: str, n_skus: int, rng: random.Random) -> list[dict]:
	root = frappe.db.get_value("Item Group", {"is_group": 1, "parent_item_group": ["in", ("", None)]})
	groups = []
	for c in range(1, 5):
		category = make_tree_node("Item Group", f"{prefix} Category {c}", root, is_group=1)
		groups += [make_tree_node("Item Group", f"{prefix} Group {c}.{g}", category) for g in range(1, 5)]
	brands = [f"{prefix} Brand {b}" for b in range(1, BULK_BRANDS + 1)]
	for brand in brands:
		if not frappe.db.exists("Brand", brand):
			frappe.get_doc({"doctype": "Brand", "brand": brand}).insert(ignore_permissions=True)
	items = []
	for i in range(1, n_skus + 1):
		# whole tens: a 10% scheme discount of a whole quantity is whole rupees (the writer refuses rounding)
		price = float(rng.choice((20, 30, 50, 80, 120, 250, 400)))
		code = make_item(
			f"{prefix}-SKU-{i:05d}",
			price=price,
			item_name=f"{prefix} Product {i:05d}",
			item_group=groups[i % len(groups)],
			brand=brands[i % len(brands)],
			valuation_method="Moving Average",
		)
		items.append(
			{"code": code, "price": price, "cost": round(price * 0.7, 2), "brand": brands[i % len(brands)]}
		)
		if i % 50 == 0:
			frappe.utils.update_progress_bar("Items", i, n_skus)
	print()
	return items


def _bulk_scheme(prefix: str, first_month: date) -> tuple[str, date]:
	start = getdate(add_months(first_month, 6))
	doc = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"scheme_name": f"{prefix} Brand 1 Ten Percent",
			"scheme_type": "Slab Discount",
			"channel": "Secondary",
			"company": company(),
			"valid_from": start,
			"valid_upto": getdate(add_months(start, 2)) - timedelta(days=1),
			"slabs": [{"from_value": 1, "to_value": 0, "discount_type": "Percentage", "discount": 10}],
			"items": [{"applies_to": "Brand", "value": f"{prefix} Brand 1"}],
		}
	).insert(ignore_permissions=True)
	doc.submit()
	return doc.name, start


def _bulk_history(writer, prefix, depot, dists, items, first_month, today, n_lines, rng) -> int:
	"""Month by month: every distributor's order on the 1st (approved, dispatched and received that day)
	up to a par level from last month's sales, then its invoices in date order (1 to 7 lines, seasonality and growth by zone), a credit note
	for about one invoice in fifteen; the planted anomalies in the months they fall in."""
	months = [getdate(add_months(first_month, m)) for m in range(12)]
	lines_per_dist_month = n_lines / len(dists) / 12
	silent, dead = f"{prefix}-D002", f"{prefix}-D003"
	dead_item = items[-1]
	saleable = items[:-1]
	assortments = {d.name: rng.sample(saleable, min(BULK_ASSORTMENT, len(saleable))) for d, _r in dists}
	planted_sales, planted_stock = _bulk_planted(prefix, dists, assortments, today)
	prices = {i["code"]: i["price"] for i in items}
	transits = {d.name: transit_warehouse(d.name) for d, _r in dists}
	held = {d.name: {} for d, _r in dists}
	sold_before = {d.name: {} for d, _r in dists}
	zone_growth = {1: 0.30, 2: 0.12, 3: 0.05, 4: -0.10}
	invoices = 0
	for m, month in enumerate(months):
		month_end = min(portal.month_bounds(month)[1], today - timedelta(days=1))
		sales = [sale for sale in planted_sales if month <= sale[0] <= month_end]
		for dist, retailers in dists:
			stock, before = held[dist.name], sold_before[dist.name]
			restock = list(planted_stock.get((dist.name, month), ()))
			for item in assortments[dist.name]:
				par = max(12, round(1.5 * before.get(item["code"], 0)))
				if stock.get(item["code"], 0) < par:
					restock.append((item["code"], par - stock.get(item["code"], 0)))
					stock[item["code"]] = par
			if m == 0 and dist.name == dead:
				restock.append((dead_item["code"], 30))
			writer.order(dist, depot, transits[dist.name], month, [(c, q, prices[c]) for c, q in restock])
			sold_before[dist.name] = sold = {}
			season = SEASON.get(month.month, 1.0) * (1 + zone_growth[_zone(dist.territory)]) ** (m / 12)
			want = round(lines_per_dist_month * season)
			while want > 0 and month_end >= month:
				day = month + timedelta(days=rng.randint(0, (month_end - month).days))
				count = min(want, rng.randint(1, 7))
				want -= count
				if dist.name == silent and day >= today - timedelta(days=21):
					continue
				lines = []
				for item in rng.sample(assortments[dist.name], count):
					qty = min(rng.randint(1, 6), stock.get(item["code"], 0))
					if qty:
						lines.append((item["code"], qty, item["price"]))
						stock[item["code"]] -= qty
						sold[item["code"]] = sold.get(item["code"], 0) + qty
				if lines:
					sales.append((day, dist, rng.choice(retailers), lines, None))
		for n, (day, dist, retailer, lines, ref) in enumerate(sorted(sales, key=lambda s: s[0])):
			name = writer.sale(dist, retailer, day, lines, external_ref=ref)
			invoices += 1
			if invoices % RETURN_EVERY == 0 and not ref:  # planted sales (with a reference) stay whole
				code, qty, rate = lines[0]
				back = max(1, qty // 3)
				writer.sale(dist, retailer, day, [(code, -back, rate)], return_against=name)
				if code in held[dist.name]:
					held[dist.name][code] += back
			if n % 500 == 0:
				frappe.utils.update_progress_bar(f"Month {m + 1} of {len(months)}", n, len(sales))
		print()
	return invoices


def _bulk_planted(prefix, dists, assortments, today) -> tuple[list, dict]:
	"""The same invoice under two references (<prefix>-D004, yesterday) and a spike in last week's
	sell-out of a SKU that sold 3 a week for eight weeks before (<prefix>-D005): the sales, and the stock
	for them moved in on the first of the month they start in. The SKUs they sell are taken out of the
	distributor's regular assortment, so the regular sales do not use up their stock."""
	by_code = {d.name: (d, r) for d, r in dists}
	sales, stock = [], {}

	def supply(dist, day, code, qty):
		key = (dist.name, day.replace(day=1))
		stock.setdefault(key, []).append((code, qty))

	dist, retailers = by_code[f"{prefix}-D004"]
	double = [assortments[dist.name].pop(), assortments[dist.name].pop()]
	yesterday = today - timedelta(days=1)
	lines = [(item["code"], n, item["price"]) for n, item in enumerate(double, start=1)]
	for code, qty, _rate in lines:
		supply(dist, yesterday, code, 2 * qty)
	sales += [
		(yesterday, dist, retailers[0], lines, ref)
		for ref in (f"{prefix}-TALLY-1001", f"{prefix}-TALLY-1001-A")
	]
	dist, retailers = by_code[f"{prefix}-D005"]
	item = assortments[dist.name].pop()
	last_week = today - timedelta(days=today.weekday() + 7)
	days = [last_week - timedelta(days=7 * w - 1) for w in range(8, 0, -1)]
	supply(dist, days[0], item["code"], 3 * len(days) + 60)
	sales += [
		(day, dist, retailers[1], [(item["code"], 3, item["price"])], f"{prefix}-WEEK-{n}")
		for n, day in enumerate(days, start=1)
	]
	sales.append(
		(
			last_week + timedelta(days=2),
			dist,
			retailers[1],
			[(item["code"], 60, item["price"])],
			f"{prefix}-SPIKE",
		)
	)
	return sales, stock
