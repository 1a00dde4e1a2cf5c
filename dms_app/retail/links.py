"""Which distributors serve a retailer: the Customer's Serving Distributor and its active DMS Retailer
Links (one Customer per real retailer, served by several distributors)."""

import frappe


def serves(distributor: str | None, customer: str | None) -> bool:
	if not distributor or not customer:
		return False
	if frappe.db.get_value("Customer", customer, "distributor") == distributor:
		return True
	return bool(
		frappe.db.exists("DMS Retailer Link", {"customer": customer, "distributor": distributor, "active": 1})
	)


def ensure_link(distributor: str, customer: str, retailer_code: str | None = None) -> None:
	"""Make ``distributor`` one of the retailer's distributors (an order routed to it by beat or
	territory, or an upload that found the retailer by its tax id)."""
	if serves(distributor, customer):
		return
	frappe.get_doc(
		{
			"doctype": "DMS Retailer Link",
			"customer": customer,
			"distributor": distributor,
			"retailer_code": retailer_code,
		}
	).insert(ignore_permissions=True)  # the system's record of who serves whom, made by the caller's act
