"""Secondary sales: Sales Invoices and Delivery Notes from a distributor to its retailers.

Hooked on both doctypes (see hooks.py); documents without a distributor are left alone. A distributor
sells only from its own warehouses, only to retailers it serves, and never into negative stock; returns
(credit notes) restore stock through ERPNext itself. Apps that price or discount secondary sales (the
schemes module) plug in through the ``dms_secondary_sale_validate`` hook, called with the document.
"""

import frappe
from frappe import _

from dms_app.distribution.stock import require_stock
from dms_app.retail.links import serves


def validate(doc, method=None):
	if not doc.get("distributor"):
		return
	distributor = frappe.db.get_value(
		"Distributor", doc.distributor, ["name", "status", "company", "warehouse"], as_dict=True
	)
	if distributor.status == "Inactive":
		frappe.throw(
			_("Distributor {0} is inactive.").format(distributor.name), title=_("Distributor Inactive")
		)
	if doc.company != distributor.company:
		frappe.throw(
			_("Distributor {0} belongs to company {1}, not {2}.").format(
				distributor.name, distributor.company, doc.company
			),
			title=_("Company Mismatch"),
		)
	if not serves(doc.distributor, doc.customer):
		frappe.throw(
			_("{0} is not a retailer of distributor {1}.").format(frappe.bold(doc.customer), doc.distributor),
			title=_("Not Your Retailer"),
		)
	if doc.doctype == "Sales Invoice":
		doc.update_stock = 1
	doc.set_warehouse = doc.get("set_warehouse") or distributor.warehouse
	for row in doc.items:
		row.warehouse = row.warehouse or doc.set_warehouse
	owners = dict(
		frappe.get_all(
			"Warehouse",
			filters={"name": ["in", list({row.warehouse for row in doc.items})]},
			fields=["name", "distributor"],
			as_list=True,
		)
	)
	for row in doc.items:
		if owners.get(row.warehouse) != doc.distributor:
			frappe.throw(
				_("Row {0}: warehouse {1} is not a warehouse of distributor {2}.").format(
					row.idx, frappe.bold(row.warehouse), doc.distributor
				),
				title=_("Invalid Warehouse"),
			)
	for hook in frappe.get_hooks("dms_secondary_sale_validate"):
		frappe.get_attr(hook)(doc)


def before_submit(doc, method=None):
	if doc.get("distributor") and not doc.get("is_return"):
		require_stock(
			[(row.item_code, row.warehouse, row.stock_qty or row.qty) for row in doc.items],
			_("invoice") if doc.doctype == "Sales Invoice" else _("delivery"),
		)


def on_cancel(doc, method=None):
	"""A cancelled invoice gives its external reference back, so the corrected one can be uploaded."""
	if doc.get("dms_external_ref"):
		doc.add_comment("Info", _("External reference {0} released on cancel.").format(doc.dms_external_ref))
		doc.db_set("dms_external_ref", None)
