"""Give every distributor an invoice prefix (its Sales Invoices' GST-length series where india_compliance
is installed; see dms_app.distribution.gst)."""

import frappe

from dms_app.core.distributor import invoice_prefix


def execute():
	taken = set(
		frappe.get_all("Distributor", filters={"invoice_prefix": ["is", "set"]}, pluck="invoice_prefix")
	)
	for name in frappe.get_all("Distributor", filters={"invoice_prefix": ["is", "not set"]}, pluck="name"):
		prefix = invoice_prefix(name, taken)
		taken.add(prefix)
		frappe.db.set_value("Distributor", name, "invoice_prefix", prefix, update_modified=False)
