"""Where the site keeps India's GST (resilient-tech's india_compliance, an optional app: dms_app does not
require it), what dms_app does differently: a distributor's Sales Invoices are numbered within GST's 16
characters, and an item's HSN/SAC code is required where india_compliance requires it."""

import frappe

from dms_app.core.distributor import distributor_series, gst_series

# The claim Credit Notes' item is a service: "other services n.e.c."
CLAIM_SAC = "999799"


def applies() -> bool:
	return "india_compliance" in frappe.get_installed_apps()


def hsn_required() -> bool:
	return applies() and bool(frappe.db.get_single_value("GST Settings", "validate_hsn_code"))


def series_for(doctype: str, naming_series: str | None, distributor: str) -> str | None:
	"""The naming series of a distributor's document: where GST applies, a Sales Invoice's is its invoice
	prefix and the year; otherwise the document's series with the distributor's code before the counter
	(see dms_app.core.distributor)."""
	if doctype == "Sales Invoice" and applies():
		prefix = frappe.get_cached_value("Distributor", distributor, "invoice_prefix")
		if prefix:
			return gst_series(prefix)
	return distributor_series(naming_series, distributor)
