"""Demo data for the portal's browser smoke test (scripts/portal-browser), committed because the browser
talks to the site over HTTP, and removed again afterwards.

	bench --site <site> execute dms_app.tests.browser_fixture.setup     # prints the JSON the test reads
	bench --site <site> execute dms_app.tests.browser_fixture.teardown

Not for production sites: setup makes two distributors (PB-A, PB-B), three items, stock, orders and
sales (dms_app.tests.factories.make_portal_dataset), and portal users with a known password.
"""

import json

import frappe
from frappe.utils.password import update_password

from dms_app.tests import browser_fixture_escaping, require_test_site
from dms_app.tests.factories import (
	_delete,
	make_portal_dataset,
	make_territory_manager,
	make_tree_node,
	purge_distributor,
)

PREFIX = "PB"
PASSWORD = "Portal-Browser-2026"


def setup() -> None:
	require_test_site()
	teardown()
	data = make_portal_dataset(PREFIX)
	for user in (data.a_user, data.b_user, data.approver):  # the approver works in the desk (whole flow)
		update_password(user, PASSWORD)
	frappe.db.commit()
	print(
		json.dumps(
			{
				"password": PASSWORD,
				"approver": data.approver,
				"a": {
					"user": data.a_user,
					"distributor": data.a.name,
					"distributor_name": data.a.distributor_name,
					"warehouse": data.a.warehouse,
					"approved_order": data.a_approved,
					"draft_order": data.a_draft,
					"dispatch": data.a_dispatch,
				},
				"b": {
					"user": data.b_user,
					"distributor": data.b.name,
					"distributor_name": data.b.distributor_name,
					"draft_order": data.b_draft,
				},
				"items": list(data.item_codes),
				"place_order": _place_order_setup(data),
				"schemes": _retailers_schemes_setup(data),
				"sales": _sales_setup(data),
				"escaping": browser_fixture_escaping.setup(PASSWORD),  # distributor E, names with markup
				"analytics": _analytics_setup(data),
				"account": _account_setup(data),
				"retail": _retail_setup(data),
				"beat": _beat_setup(data),
			}
		)
	)


def teardown() -> None:
	"""Remove everything setup made (also what a failed earlier run left), and commit."""
	require_test_site()
	frappe.db.rollback()
	frappe.set_user("Administrator")
	codes = [f"{PREFIX}-A", f"{PREFIX}-B"]
	items = [f"{PREFIX}-SOAP", f"{PREFIX}-TEA", f"{PREFIX}-OIL", SALES_FREE_ITEM, *RETAIL_ITEMS]
	keep = frappe.db.get_single_value("Accounts Settings", "delete_linked_ledger_entries")
	frappe.db.set_single_value("Accounts Settings", "delete_linked_ledger_entries", 1)
	try:
		# batch bundles and batches first (ERPNext refuses to delete those of submitted stock entries)
		bundles = frappe.get_all(
			"Serial and Batch Bundle", filters={"item_code": ["in", items]}, pluck="name"
		)
		frappe.db.delete("Serial and Batch Entry", {"parent": ["in", bundles or [""]]})
		frappe.db.delete("Serial and Batch Bundle", {"name": ["in", bundles or [""]]})
		frappe.db.delete("Batch", {"item": ["in", items]})
		orders = frappe.get_all(
			"Material Request", filters={"distributor": ["in", codes]}, pluck="name", order_by="creation desc"
		)
		stock_entries = frappe.get_all(
			"Stock Ledger Entry",
			filters={"item_code": ["in", items], "voucher_type": "Stock Entry"},
			pluck="voucher_no",
			distinct=True,
		)
		# and the draft dispatches, which post nothing: left behind, a later order that gets the same
		# name back (Frappe reverts the series on deleting the last one) would find them as its own
		drafts = frappe.get_all(
			"Stock Entry", filters={"distributor": ["in", codes], "docstatus": 0}, pluck="name"
		)
		stock_entries = list(dict.fromkeys(stock_entries + drafts))
		_purge([("Stock Entry", name) for name in stock_entries] + [("Material Request", n) for n in orders])
	finally:
		frappe.db.set_single_value("Accounts Settings", "delete_linked_ledger_entries", keep)
	_retailers_schemes_teardown(codes)
	_retail_teardown()  # before A: its orders and invoices name the retail shop
	_beat_teardown(codes)  # before A: its beat, visits and orders name A's retailers
	frappe.db.delete("DMS Scheme Ledger Entry", {"distributor": ["in", codes]})
	frappe.db.delete("DMS Sync Message", {"distributor": ["in", codes]})
	frappe.db.commit()
	for code in codes:
		purge_distributor(code)
	_account_teardown()
	_analytics_teardown()  # after the distributor in its territory
	_sales_teardown()  # after the invoices whose free rows name its scheme
	for doctype, field in (("Item Price", "item_code"), ("Bin", "item_code")):
		frappe.db.delete(doctype, {field: ["in", items]})
	for item in items:
		_delete("Item", item)
	for user in (
		f"{PREFIX.lower()}-a@dms.test",
		f"{PREFIX.lower()}-b@dms.test",
		f"{PREFIX.lower()}-approver@dms.test",
	):
		_delete("User", user)
	frappe.db.commit()
	browser_fixture_escaping.teardown()


# -- channel analytics walk (scripts/portal_browser/60-analytics.mjs) ----------------------------------

ANALYTICS_TERRITORY = f"{PREFIX} East"
ANALYTICS_MANAGER = f"{PREFIX.lower()}-rsm@dms.test"


def _analytics_setup(data) -> dict:
	"""A Regional Sales Manager who manages the territory of distributor A only."""
	root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ["in", ("", None)]})
	make_tree_node("Territory", ANALYTICS_TERRITORY, root)
	frappe.db.set_value("Distributor", data.a.name, "territory", ANALYTICS_TERRITORY)
	user = make_territory_manager(ANALYTICS_MANAGER, territory=ANALYTICS_TERRITORY)
	update_password(user, PASSWORD)
	return {"manager": user, "territory": ANALYTICS_TERRITORY}


def _analytics_teardown() -> None:
	employees = frappe.get_all("Employee", {"user_id": ANALYTICS_MANAGER}, pluck="name")
	people = frappe.get_all("Sales Person", {"employee": ["in", employees or [""]]}, pluck="name")
	frappe.db.set_value("Territory", {"territory_manager": ["in", people or [""]]}, "territory_manager", None)
	for doctype, names in (("Sales Person", people), ("Employee", employees)):
		for name in names:
			_delete(doctype, name)
	_delete("Territory", ANALYTICS_TERRITORY)
	_delete("User", ANALYTICS_MANAGER)


def _purge(documents: list[tuple[str, str]]) -> None:
	for doctype, name in documents:
		actions = {"reference_doctype": doctype, "reference_name": name}
		frappe.db.delete(
			"Workflow Action Permitted Role",
			{"parent": ["in", frappe.get_all("Workflow Action", actions, pluck="name") or [""]]},
		)
		frappe.db.delete("Workflow Action", actions)
		if frappe.db.exists(doctype, name):
			frappe.db.set_value(doctype, name, "docstatus", 2, update_modified=False)
			_delete(doctype, name)


# -- retailers and schemes walks (scripts/portal_browser/30-retailers.mjs, 40-schemes.mjs) ------------

WALK_SCHEME = f"{PREFIX} Walk Two Off"


def _retailers_schemes_setup(data) -> dict:
	"""A submitted secondary scheme of A's company (2 off per unit of SOAP) and two of its benefits on A's
	sale, unclaimed, for the schemes walk to see and claim. The scheme needs a coupon code nobody types,
	so the sales other walks make are not priced by it."""
	soap = data.item_codes[0]
	scheme = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"scheme_name": WALK_SCHEME,
			"scheme_type": "Slab Discount",
			"channel": "Secondary",
			"company": data.a.company,
			"valid_from": data.old,
			"coupon_code": f"{PREFIX}-WALK-{frappe.generate_hash(length=6)}",
			"slabs": [{"from_value": 1, "discount_type": "Amount", "discount": 2}],
			"items": [{"applies_to": "Item", "value": soap}],
			"description": "Browser walk scheme",
		}
	).insert(ignore_permissions=True)
	scheme.submit()
	sale = frappe.db.get_value(
		"Sales Invoice", {"distributor": data.a.name, "docstatus": 1}, ["name", "customer"], as_dict=True
	)
	for value in (6, 4):
		frappe.get_doc(
			{
				"doctype": "DMS Scheme Ledger Entry",
				"scheme": scheme.name,
				"scheme_type": scheme.scheme_type,
				"channel": scheme.channel,
				"company": data.a.company,
				"posting_date": data.today,
				"voucher_type": "Sales Invoice",
				"voucher_no": sale.name,
				"distributor": data.a.name,
				"retailer": sale.customer,
				"item_code": soap,
				"qty": value / 2,
				"discount": value,
				"value": value,
			}
		).insert(ignore_permissions=True)
	return {"scheme": scheme.name, "scheme_name": WALK_SCHEME, "unclaimed": 10}


def _retailers_schemes_teardown(codes: list[str]) -> None:
	"""The claims the walk filed (with their workflow actions) and the walk's scheme."""
	claims = frappe.get_all("DMS Scheme Claim", filters={"distributor": ["in", codes]}, pluck="name")
	_purge([("DMS Scheme Claim", name) for name in claims])
	for name in frappe.get_all("DMS Scheme", filters={"scheme_name": WALK_SCHEME}, pluck="name"):
		scheme = frappe.get_doc("DMS Scheme", name)
		if scheme.docstatus == 1:
			scheme.flags.ignore_permissions = True
			scheme.cancel()  # withdraws the ERPNext Promotional Scheme mirroring it, if any
		_purge([("DMS Scheme", name)])


# -- place-order walk (scripts/portal_browser/10-place-order.mjs) ---------------------------------------


def _place_order_setup(data) -> dict:
	"""Two orders of A, approved and dispatched but not received (one receipt per screen size), so the
	walk can confirm a receipt. Teardown removes them with A's other orders and stock entries."""
	from dms_app.tests.factories import act, approve_order, as_user, make_primary_order

	soap = data.item_codes[0]
	in_transit = []
	for _n in range(2):
		order = as_user(data.a_user, make_primary_order, data.a, [(soap, 2)])
		act(data.a_user, order, "Submit for Approval")
		order = approve_order(order, data.approver)
		dispatch = frappe.get_all(
			"Stock Entry Detail",
			filters={"material_request": order.name, "parenttype": "Stock Entry", "docstatus": 0},
			pluck="parent",
		)[0]
		act(data.approver, frappe.get_doc("Stock Entry", dispatch), "Dispatch")
		in_transit.append({"order": order.name, "dispatch": dispatch, "item": soap, "qty": 2})
	return {"in_transit": in_transit}


# -- secondary sales walk (scripts/portal_browser/20-sales.mjs) ---------------------------------------

SALES_SCHEME = f"{PREFIX} Walk Free Cup"
SALES_FREE_ITEM = f"{PREFIX}-CUP"


def _sales_setup(data) -> dict:
	"""A secondary scheme for distributor A only: buy 5 SOAP, get a cup free, and 20 cups in A's warehouse.
	The cup has no selling price, so the walk's free cups are worth nothing and leave no benefit to claim
	(the schemes walk expects only its own). The walk's invoices, uploads and ledger entries go with A."""
	from dms_app.tests.factories import make_item, receive_stock

	soap = data.item_codes[0]
	make_item(SALES_FREE_ITEM, item_name=f"{PREFIX} Tea Cup")
	receive_stock(SALES_FREE_ITEM, data.a.warehouse, 20, rate=5)
	scheme = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"scheme_name": SALES_SCHEME,
			"scheme_type": "Free Goods",
			"channel": "Secondary",
			"company": data.a.company,
			"valid_from": data.old,
			"buy_qty": 5,
			"free_qty": 1,
			"free_item": SALES_FREE_ITEM,
			"items": [{"applies_to": "Item", "value": soap}],
			"buyers": [{"buyer_type": "Distributor", "value": data.a.name}],
			"description": "Browser walk scheme (secondary sales)",
		}
	).insert(ignore_permissions=True)
	scheme.submit()
	retailer = frappe.db.get_value(
		"Customer", {"distributor": data.a.name}, ["name", "customer_name"], as_dict=True
	)
	return {
		"scheme": scheme.name,
		"scheme_name": SALES_SCHEME,
		"free_item": SALES_FREE_ITEM,
		"retailer": retailer.name,
		"retailer_name": retailer.customer_name,
	}


def _sales_teardown() -> None:
	"""The sales walk's scheme (its ledger entries go with distributor A's, its cup with the items)."""
	for name in frappe.get_all("DMS Scheme", filters={"scheme_name": SALES_SCHEME}, pluck="name"):
		frappe.db.delete("DMS Scheme Ledger Entry", {"scheme": name})
		scheme = frappe.get_doc("DMS Scheme", name)
		if scheme.docstatus == 1:
			scheme.flags.ignore_permissions = True
			scheme.cancel()
		_purge([("DMS Scheme", name)])


# -- account walk (scripts/portal_browser/70-account.mjs) -------------------------------------------------

# scripts/portal-browser starts dms_app/distributor_account/fake_razorpay.py on this port with these keys
PAY_PORT = 8767


def _account_setup(data) -> dict:
	"""Two OEM invoices on A's account (one overdue) and online payment through the fake gateway. None
	where the payments app is not installed (the walk then only reads the statement)."""
	from frappe.utils import add_days, today

	from dms_app.api.oem_account import record_invoices

	invoices = [
		(f"{PREFIX}-OEM-1", add_days(today(), -10), add_days(today(), 20), 1500.0),
		(f"{PREFIX}-OEM-2", add_days(today(), -35), add_days(today(), -5), 800.0),
	]
	record_invoices(
		[
			{
				"invoice": number,
				"distributor": data.a.name,
				"posting_date": str(posted),
				"due_date": str(due),
				"amount": amount,
				"version": 1,
			}
			for number, posted, due, amount in invoices
		]
	)
	out = {"invoices": [{"number": n, "amount": a} for n, _p, _d, a in invoices], "gateway": None}
	if "payments" in frappe.get_installed_apps():
		from dms_app.distributor_account.test_payments import KEY_ID, SECRET, setup_gateway

		setup_gateway(f"http://127.0.0.1:{PAY_PORT}")
		out["gateway"] = {"port": PAY_PORT, "key_id": KEY_ID, "key_secret": SECRET}
	return out


def _account_teardown() -> None:
	"""A's account documents go with the distributor (purge_distributor); here the gateway setting."""
	frappe.db.set_single_value("DMS Settings", "payment_gateway_account", None)
	frappe.db.commit()


# -- retail walk (scripts/portal_browser/80-retail.mjs) ----------------------------------------------------

RETAIL_ITEM = f"{PREFIX}-RICE"
RETAIL_FREE_ITEM = f"{PREFIX}-BAG"
RETAIL_ITEMS = (RETAIL_ITEM, RETAIL_FREE_ITEM)
RETAIL_SCHEME = f"{PREFIX} Walk Rice Free Bag"
RETAIL_SHOP = f"{PREFIX} Retail Shop"
RETAIL_USER = f"{PREFIX.lower()}-retailer@dms.test"


def _retail_setup(data) -> dict:
	"""A retailer of distributor A with a store user (the fixture's password), an item only this walk
	orders (40 a bag, 100 in A's warehouse) and a secondary scheme on it: a jute bag free for 10. The bag
	has no selling price, so the free bags leave no benefit to claim (the schemes walk, after this one at
	the next screen size, expects only its own). Each screen size orders 12 from /shop; A serves 10."""
	from dms_app.tests.factories import make_item, make_retailer, make_user, receive_stock

	make_item(RETAIL_ITEM, price=40, item_name=f"{PREFIX} Basmati Rice 5kg")
	make_item(RETAIL_FREE_ITEM, item_name=f"{PREFIX} Jute Bag")
	receive_stock(RETAIL_ITEM, data.a.warehouse, 100, rate=25)
	receive_stock(RETAIL_FREE_ITEM, data.a.warehouse, 20, rate=5)
	scheme = frappe.get_doc(
		{
			"doctype": "DMS Scheme",
			"scheme_name": RETAIL_SCHEME,
			"scheme_type": "Free Goods",
			"channel": "Secondary",
			"company": data.a.company,
			"valid_from": data.old,
			"buy_qty": 10,
			"free_qty": 1,
			"free_item": RETAIL_FREE_ITEM,
			"items": [{"applies_to": "Item", "value": RETAIL_ITEM}],
			"description": "Browser walk scheme (retail store)",
		}
	).insert(ignore_permissions=True)
	scheme.submit()
	user = make_user(RETAIL_USER)
	update_password(user, PASSWORD)
	shop = make_retailer(RETAIL_SHOP, data.a)
	customer = frappe.get_doc("Customer", shop)
	customer.append("portal_users", {"user": user})  # ERPNext gives the user the Customer role
	customer.save(ignore_permissions=True)
	return {
		"user": user,
		"customer": shop,
		"customer_name": RETAIL_SHOP,
		"item": RETAIL_ITEM,
		"item_name": f"{PREFIX} Basmati Rice 5kg",
		"price": 40,
		"qty": 12,
		"serve": 10,
		"free_item": RETAIL_FREE_ITEM,
		"free_qty": 1,
		"scheme_name": RETAIL_SCHEME,
	}


def _retail_teardown() -> None:
	"""The walk's orders and invoices (newest first), the retailer, its user and the scheme; the item goes
	with the others, its stock with distributor A."""
	shops = frappe.get_all("Customer", filters={"customer_name": RETAIL_SHOP}, pluck="name")
	keep = frappe.db.get_single_value("Accounts Settings", "delete_linked_ledger_entries")
	frappe.db.set_single_value("Accounts Settings", "delete_linked_ledger_entries", 1)
	try:
		for doctype in ("Sales Invoice", "Sales Order"):
			names = frappe.get_all(
				doctype, filters={"customer": ["in", shops or [""]]}, pluck="name", order_by="creation desc"
			)
			_purge([(doctype, name) for name in names])
	finally:
		frappe.db.set_single_value("Accounts Settings", "delete_linked_ledger_entries", keep)
	for name in frappe.get_all("DMS Scheme", filters={"scheme_name": RETAIL_SCHEME}, pluck="name"):
		frappe.db.delete("DMS Scheme Ledger Entry", {"scheme": name})
		scheme = frappe.get_doc("DMS Scheme", name)
		if scheme.docstatus == 1:
			scheme.flags.ignore_permissions = True
			scheme.cancel()
		_purge([("DMS Scheme", name)])
	for shop in shops:
		_delete("Customer", shop)
	_delete("User", RETAIL_USER)
	frappe.db.commit()


# -- beat walk (scripts/portal_browser/81-beat.mjs) ---------------------------------------------------

BEAT_NAME = f"{PREFIX} Walk Beat"
BEAT_SHOP = f"{PREFIX} A Beat Stop"


def _beat_setup(data) -> dict:
	"""A beat of distributor A due today, worked by A's portal user (the walk's user): A's corner store,
	then a second shop of A. The walk orders ``order`` at the first (its price as the store's cart quotes
	it) and marks "no order" at the second."""
	from frappe.utils import getdate, nowdate

	from dms_app.core import beats
	from dms_app.retail import orders
	from dms_app.tests.factories import make_retailer

	first = frappe.db.get_value("Customer", {"customer_name": f"{PREFIX} A Corner Store"})
	second = make_retailer(BEAT_SHOP, data.a)
	beat = frappe.get_doc(
		{
			"doctype": "DMS Beat",
			"beat_name": BEAT_NAME,
			"distributor": data.a.name,
			"user": data.a_user,
			"visit_days": beats.format_visit_days([beats.weekday_of(getdate(nowdate()))]),
			"retailers": [{"retailer": first}, {"retailer": second}],
		}
	).insert(ignore_permissions=True)
	order = [{"item_code": data.item_codes[0], "qty": 5}]  # SOAP, 100 each (a free cup, _sales_setup)
	[quoted] = orders.quote(first, order)
	return {
		"beat": beat.name,
		"beat_name": BEAT_NAME,
		"retailers": [
			{"name": name, "customer_name": frappe.db.get_value("Customer", name, "customer_name")}
			for name in (first, second)
		],
		"order": order,
		"total": quoted["grand_total"],
		"free_lines": sum(1 for line in quoted["lines"] if line["free"]),
	}


def _beat_teardown(codes: list[str]) -> None:
	"""The walk's beat, visits and the orders booked on them."""
	orders = frappe.get_all(
		"Sales Order",
		filters={"distributor": ["in", codes], "dms_order_source": "Beat"},
		pluck="name",
		order_by="creation desc",
	)
	_purge([("Sales Order", name) for name in orders])
	frappe.db.delete("DMS Visit", {"distributor": ["in", codes]})
	for name in frappe.get_all("DMS Beat", filters={"distributor": ["in", codes]}, pluck="name"):
		_delete("DMS Beat", name)
	frappe.db.commit()
