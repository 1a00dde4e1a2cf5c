"""Demo data for the escaping walk (scripts/portal_browser/50-escaping.mjs), part of
dms_app.tests.browser_fixture: a third distributor, E, whose own names carry markup.

E has its own portal user, retailer and item (limited to E's own territory, so that A's and B's
catalogues and walks do not see it), stock of that item and a sale of it this month, so that the home,
inventory, sales, retailers and place-order pages and their scripts all show E's names. Frappe cleans
markup out of most fields when a document is saved, so the names are written with frappe.db.set_value,
as an import, a patch or an older record may have them. Teardown removes all of it.
"""

import frappe
from frappe.utils.password import update_password

from dms_app.tests.factories import (
	_delete,
	make_distributor,
	make_item,
	make_retailer,
	make_user,
	purge_distributor,
)

PREFIX = "PB"
DISTRIBUTOR = f"{PREFIX}-E"
ITEM = f"{PREFIX}-ESC"
TERRITORY = f"{PREFIX} Escaping Territory"
USER = f"{PREFIX.lower()}-e@dms.test"
# both ways markup gets in: an element with a handler, and a quote closing an attribute before a script
MARK = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'


def setup(password: str) -> dict:
	from dms_app.tests.factories import make_secondary_sale, receive_stock

	if not frappe.db.exists("Territory", TERRITORY):
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": TERRITORY, "parent_territory": "All Territories"}
		).insert(ignore_permissions=True)
	user = make_user(USER)
	update_password(user, password)
	dist = make_distributor(DISTRIBUTOR, portal_users=[{"user": user}], territory=TERRITORY)
	# ERPNext keeps a company's warehouse accounts for the request from its first stock posting on: the
	# earlier fixtures posted before E's warehouse existed
	frappe.flags.pop("warehouse_account_map", None)
	item = make_item(
		ITEM, price=80, item_name=f"{PREFIX} Esc Item", dms_territories=[{"territory": TERRITORY}]
	)
	receive_stock(item, dist.warehouse, 20, rate=50)
	retailer = make_retailer(f"{PREFIX} E Shop", dist)
	invoice = make_secondary_sale(dist, retailer, [(item, 2)])

	names = {
		"distributor_name": f"{PREFIX} E {MARK}",
		"retailer_name": f"{PREFIX} E Shop {MARK}",
		"item_name": f"{PREFIX} Esc Item {MARK}",
	}
	frappe.db.set_value("Distributor", dist.name, "distributor_name", names["distributor_name"])
	frappe.db.set_value("Customer", retailer, "customer_name", names["retailer_name"])
	frappe.db.set_value("Sales Invoice", invoice, "customer_name", names["retailer_name"])
	frappe.db.set_value("Item", item, "item_name", names["item_name"])
	for doctype in ("Sales Invoice Item", "Stock Entry Detail"):
		frappe.db.set_value(doctype, {"item_code": item}, "item_name", names["item_name"])
	return {
		"user": user,
		"distributor": dist.name,
		"item": item,
		"retailer": retailer,
		"invoice": invoice,
		"mark": MARK,
		**names,
	}


def teardown() -> None:
	"""Remove E and everything of it (also what a failed earlier run left), and commit. E's stock entries,
	sales, retailer and warehouses go with the distributor (purge_distributor, which commits)."""
	purge_distributor(DISTRIBUTOR)
	for doctype in ("DMS Scheme Ledger Entry", "DMS Sync Message"):
		frappe.db.delete(doctype, {"distributor": DISTRIBUTOR})
	for doctype in ("Item Price", "Bin"):
		frappe.db.delete(doctype, {"item_code": ITEM})
	_delete("Item", ITEM)
	_delete("User", USER)
	_delete("Territory", TERRITORY)
	frappe.db.commit()
