"""Reading DMS Settings, with the site's defaults filled in."""

import frappe
from frappe import _


def get_settings():
	return frappe.get_cached_doc("DMS Settings")


def default_company() -> str | None:
	return get_settings().company or frappe.defaults.get_global_default("company")


def require_company(company: str | None) -> str:
	company = company or default_company()
	if not company:
		frappe.throw(
			_("Set a Company on the Distributor, or in DMS Settings, first."), title=_("Company Required")
		)
	return company
