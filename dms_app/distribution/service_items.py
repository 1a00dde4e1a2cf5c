"""The non-stock items the DMS writes its own documents on (a scheme claim's credit note, an OEM ERP
invoice recorded on a distributor's account), each made the first time it is needed."""

import frappe

from dms_app.distribution import gst


def service_item(item_code: str, item_name: str, description: str | None = None) -> str:
	if not frappe.db.exists("Item", item_code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": item_code,
				"item_name": item_name,
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name", order_by="lft"),
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"is_sales_item": 1,
				"description": description or item_name,
				**({"gst_hsn_code": gst.CLAIM_SAC} if gst.applies() else {}),
			}
		).insert(ignore_permissions=True)  # the system's own item, made on the way to the document
	return item_code
