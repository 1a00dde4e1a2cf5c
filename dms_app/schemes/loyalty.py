"""Retailer loyalty: ERPNext's Loyalty Program, on retailers' secondary invoices.

ERPNext earns points when a Sales Invoice of a customer with a loyalty program is submitted, and
redeems them with ``redeem_loyalty_points``; dms_app only enrols retailers (the program in DMS Settings,
given to a distributor's retailer that has none) and reads balances for the portal and reports.
"""

import frappe
from frappe.utils import flt, today

from dms_app.distribution.settings import get_settings


def enrol(doc, method=None):
	"""Customer validate: a retailer without a loyalty program joins the DMS retailer program."""
	if doc.get("distributor") and not doc.loyalty_program:
		doc.loyalty_program = get_settings().retailer_loyalty_program or None


def balances(customers: list[str], company: str) -> dict[str, float]:
	"""Unexpired points per retailer (as ERPNext counts them: earned less redeemed, not yet expired)."""
	if not customers:
		return {}
	rows = frappe.get_all(
		"Loyalty Point Entry",
		filters={
			"customer": ["in", customers],
			"company": company,
			"posting_date": ["<=", today()],
			"expiry_date": [">=", today()],
		},
		fields=["customer", "sum(loyalty_points) as points"],
		group_by="customer",
	)
	return {row.customer: flt(row.points) for row in rows}
