"""Primary orders no longer carry "Settled in OEM ERP" (dms_settled), which nothing ever set: an approved
order now stops counting against credit when an OEM ERP invoice names it (dms_oem_invoice, see
dms_app.distributor_account.ledger). Runs before the custom fields patch adds the new field."""

import frappe


def execute():
	name = frappe.db.get_value("Custom Field", {"dt": "Material Request", "fieldname": "dms_settled"})
	if name:
		frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
