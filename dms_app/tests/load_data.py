"""Data for the portal load benchmark (benchmarks/portal_load.py): a channel of catalogue size.

	bench --site <site> execute dms_app.tests.load_data.make
	bench --site <site> execute dms_app.tests.load_data.make --kwargs "{'distributors': 2}"

Makes, get-or-create by name (everything is prefixed "LOAD-"), committing after each step so that an
interrupted run picks up where it stopped:

- 2,000 SKUs ``LOAD-SKU-0000`` .. ``LOAD-SKU-1999`` in ten item groups and five brands, each with a
  selling price in the DMS default price list (valid from the start of the year, so back-dated invoices
  are priced); every tenth SKU is batch-tracked with an expiry (shelf lives of 45 to 365 days);
- 50 distributors ``LOAD-D01`` .. ``LOAD-D50``, each with its own warehouse, three retailers and a portal
  user ``load-dNN@load.example`` whose password is LOAD_PASSWORD;
- for each distributor, real ERPNext stock postings in date order, so no back-dated repost is needed:
  a Material Receipt of 300 SKUs (about 30 of them batched) 100 days ago, six Sales Invoices (update
  stock) to its retailers of 25 unbatched SKUs each over the following weeks (the sell-out history the
  order suggestions read), a second receipt of 100 of its SKUs 25 days ago, two more invoices since and,
  two days ago, a clearance of nearly all the stock of 20 SKUs (fast movers running low, so that the
  place-order page has quantities to suggest);
- an OEM desk user ``load-desk@load.example`` (System Manager, DMS Manager, Stock User) with the same
  password, for the desk's list view requests the benchmark compares with.

Each posting is one document with many rows (Stock Entry, Sales Invoice), submitted as the desk would
submit it. Each is recognised on a rerun by its remarks, so running ``make`` again posts nothing twice.
"""

import random
import time

import frappe
from frappe.utils import add_days, getdate, nowdate
from frappe.utils.nestedset import get_root_of
from frappe.utils.password import update_password

from dms_app.distribution import gst
from dms_app.tests import require_test_site
from dms_app.tests.factories import (
	TEST_HSN,
	complete_setup_wizard,
	make_distributor,
	make_retailer,
	make_user,
)

PREFIX = "LOAD"
LOAD_PASSWORD = "Load-Portal-2026"
DESK_USER = "load-desk@load.example"
N_SKUS = 2000
N_DISTRIBUTORS = 50
SKUS_PER_DISTRIBUTOR = 300
GROUPS = (
	"Soaps",
	"Shampoos",
	"Tea",
	"Coffee",
	"Edible Oils",
	"Biscuits",
	"Snacks",
	"Detergents",
	"Toothpaste",
	"Beverages",
)
BRANDS = ("Aruna", "Bharat", "Chandra", "Deccan", "Ganga")
SHELF_LIVES = (45, 90, 180, 365)
# (days before today, what, number of lines) in posting order; a "clearance" is a sale of nearly all the
# stock of some SKUs (fast movers running low), so that the order suggestions have something to suggest
SCHEDULE = (
	(100, "receipt", SKUS_PER_DISTRIBUTOR),
	(90, "sale", 25),
	(75, "sale", 25),
	(60, "sale", 25),
	(50, "sale", 25),
	(40, "sale", 25),
	(30, "sale", 25),
	(25, "receipt", 100),
	(12, "sale", 25),
	(4, "sale", 25),
	(2, "clearance", 20),
)


def sku(i: int) -> str:
	return f"{PREFIX}-SKU-{i:04d}"


def distributor_code(n: int) -> str:
	return f"{PREFIX}-D{n:02d}"


def portal_user(n: int) -> str:
	return f"{PREFIX.lower()}-d{n:02d}@load.example"


def make(distributors: int = N_DISTRIBUTORS, skus: int = N_SKUS, per_distributor: int = SKUS_PER_DISTRIBUTOR):
	"""Make (or complete) the load data; returns what was made and how long each part took."""
	require_test_site()
	distributors, skus, per_distributor = int(distributors), int(skus), int(per_distributor)
	complete_setup_wizard()
	frappe.flags.mute_emails = True
	timings = {}
	started = time.monotonic()
	price_list = frappe.db.get_single_value("DMS Settings", "default_price_list") or "Standard Selling"
	_catalogue(skus, price_list)
	timings["catalogue"] = round(time.monotonic() - started, 1)
	_log(f"catalogue: {skus} SKUs in {timings['catalogue']} s")

	mark = time.monotonic()
	make_user(DESK_USER, roles=("System Manager", "DMS Manager", "Stock User"))
	frappe.db.set_value("User", DESK_USER, "user_type", "System User")
	update_password(DESK_USER, LOAD_PASSWORD)
	# Every warehouse before the first stock posting: ERPNext keeps the warehouse accounts of a request
	# in frappe.flags from its first posting on.
	dists = [_distributor(n) for n in range(1, distributors + 1)]
	frappe.db.commit()
	timings["distributors"] = round(time.monotonic() - mark, 1)
	_log(f"distributors: {distributors} in {timings['distributors']} s")

	mark = time.monotonic()
	posted = 0
	for n, (dist, retailers) in enumerate(dists, start=1):
		one = time.monotonic()
		made = _postings(n, dist, retailers, skus, per_distributor)
		posted += made
		if made:
			_log(f"{dist.name}: {made} documents in {time.monotonic() - one:.1f} s")
	timings["postings"] = round(time.monotonic() - mark, 1)
	timings["total"] = round(time.monotonic() - started, 1)
	_log(f"postings: {posted} documents in {timings['postings']} s; total {timings['total']} s")
	return {
		"distributors": [d.name for d, _r in dists],
		"password": LOAD_PASSWORD,
		"desk_user": DESK_USER,
		"documents_posted": posted,
		"seconds": timings,
	}


def _log(message: str) -> None:
	print(message, flush=True)


def _tree(doctype: str, name: str) -> str:
	if not frappe.db.exists(doctype, name):
		field = frappe.scrub(doctype)
		frappe.get_doc(
			{
				"doctype": doctype,
				f"{field}_name": name,
				f"parent_{field}": get_root_of(doctype),
				"is_group": 0,
			}
		).insert(ignore_permissions=True)
	return name


def _catalogue(skus: int, price_list: str) -> None:
	groups = [_tree("Item Group", f"{PREFIX} {g}") for g in GROUPS]
	brands = []
	for b in BRANDS:
		name = f"{PREFIX} {b}"
		if not frappe.db.exists("Brand", name):
			frappe.get_doc({"doctype": "Brand", "brand": name}).insert(ignore_permissions=True)
		brands.append(name)
	have = set(frappe.get_all("Item", filters={"name": ["like", f"{PREFIX}-SKU-%"]}, pluck="name"))
	priced = set(
		frappe.get_all(
			"Item Price",
			filters={"item_code": ["like", f"{PREFIX}-SKU-%"], "price_list": price_list},
			pluck="item_code",
		)
	)
	valid_from = getdate(add_days(nowdate(), -120)).replace(month=1, day=1)
	for i in range(skus):
		code = sku(i)
		group = GROUPS[i % len(GROUPS)]
		if code not in have:
			batched = i % 10 == 7
			fields = {
				"doctype": "Item",
				"item_code": code,
				"item_name": f"{BRANDS[i % len(BRANDS)]} {group} {100 + (i * 37) % 900}g #{i:04d}",
				"item_group": groups[i % len(groups)],
				"brand": brands[i % len(brands)],
				"stock_uom": "Nos",
				"is_stock_item": 1,
				**({"gst_hsn_code": TEST_HSN} if gst.applies() else {}),
			}
			if batched:
				fields.update(
					has_batch_no=1,
					create_new_batch=1,
					batch_number_series=f"{PREFIX}-B-.######",
					has_expiry_date=1,
					shelf_life_in_days=SHELF_LIVES[(i // 10) % len(SHELF_LIVES)],
				)
			frappe.get_doc(fields).insert(ignore_permissions=True)
		if code not in priced:
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": code,
					"price_list": price_list,
					"price_list_rate": _price(i),
					"valid_from": valid_from,
				}
			).insert(ignore_permissions=True)
		if i % 200 == 199:
			frappe.db.commit()
			_log(f"  {i + 1} SKUs")
	frappe.db.commit()


def _price(i: int) -> float:
	return float(10 + (i * 7) % 490)


def _distributor(n: int):
	code = distributor_code(n)
	user = make_user(portal_user(n))
	if not frappe.db.exists("Distributor", code):
		update_password(user, LOAD_PASSWORD)
	dist = make_distributor(code, distributor_name=f"Load Distributor {n:02d}", portal_users=[{"user": user}])
	retailers = [make_retailer(f"{code} Retailer {r}", dist) for r in (1, 2, 3)]
	return dist, retailers


def _assortment(n: int, skus: int, per_distributor: int) -> list[int]:
	return sorted(random.Random(n).sample(range(skus), min(per_distributor, skus)))


def _postings(n: int, dist, retailers: list[str], skus: int, per_distributor: int) -> int:
	rng = random.Random(1000 + n)
	assortment = _assortment(n, skus, per_distributor)
	unbatched = [i for i in assortment if i % 10 != 7]
	today = getdate(nowdate())
	made = 0
	for step, (days, kind, lines) in enumerate(SCHEDULE):
		remark = f"{dist.name} load step {step}"
		posting_date = add_days(today, -days)
		doctype = "Stock Entry" if kind == "receipt" else "Sales Invoice"
		picked = (
			assortment if step == 0 else rng.sample(assortment if kind == "receipt" else unbatched, lines)
		)
		if frappe.db.exists(doctype, {"remarks": remark, "docstatus": 1}):
			continue
		if kind == "receipt":
			doc = frappe.get_doc(
				{
					"doctype": "Stock Entry",
					"stock_entry_type": "Material Receipt",
					"company": dist.company,
					"posting_date": posting_date,
					"set_posting_time": 1,
					"remarks": remark,
					"items": [
						{
							"item_code": sku(i),
							"t_warehouse": dist.warehouse,
							"qty": 50 + rng.randint(0, 15) * 10,
							"basic_rate": round(_price(i) * 0.7, 2),
						}
						for i in picked
					],
				}
			)
		else:
			if kind == "clearance":
				left = dict(
					frappe.get_all(
						"Bin",
						filters={"warehouse": dist.warehouse, "item_code": ["in", [sku(i) for i in picked]]},
						fields=["item_code", "actual_qty"],
						as_list=True,
					)
				)
				quantities = {i: max(int(left.get(sku(i), 0)) - rng.randint(2, 8), 1) for i in picked}
			else:
				quantities = {i: rng.randint(1, 6) for i in picked}
			doc = frappe.get_doc(
				{
					"doctype": "Sales Invoice",
					"company": dist.company,
					"customer": retailers[step % len(retailers)],
					"distributor": dist.name,
					"posting_date": posting_date,
					"set_posting_time": 1,
					"due_date": posting_date,
					"remarks": remark,
					"items": [
						{"item_code": sku(i), "qty": quantities[i], "warehouse": dist.warehouse}
						for i in sorted(picked)
					],
				}
			)
		doc.insert(ignore_permissions=True)
		doc.submit()
		frappe.db.commit()
		made += 1
	return made
