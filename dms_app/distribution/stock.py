"""Stock checks that hold whatever Stock Settings allow."""

import frappe
from frappe import _
from frappe.utils import flt


def require_stock(needs: list[tuple[str, str, float]], purpose: str) -> None:
	"""Refuse unless each warehouse holds the (item, warehouse, qty) asked of it. The Bin rows are locked,
	so two documents submitted at once cannot both take the same stock."""
	needed: dict[tuple[str, str], float] = {}
	for item_code, warehouse, qty in needs:
		needed[(item_code, warehouse)] = needed.get((item_code, warehouse), 0.0) + flt(qty)
	for (item_code, warehouse), qty in sorted(needed.items()):
		available = flt(
			frappe.db.get_value(
				"Bin", {"item_code": item_code, "warehouse": warehouse}, "actual_qty", for_update=True
			)
		)
		if available < qty:
			frappe.throw(
				_("{0} has only {1} of {2}; this {3} needs {4}.").format(
					frappe.bold(warehouse), available, frappe.bold(item_code), purpose, qty
				),
				title=_("Insufficient Stock"),
			)
