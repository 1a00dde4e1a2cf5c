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


def set_taxes(doc, method=None) -> None:
	"""before_validate of a distributor's Sales Invoice / Delivery Note where GST applies: one made in the
	DMS (portal, JSON API, desk) without taxes gets the template india_compliance chooses for its place of
	supply (intra-state CGST + SGST, inter-state IGST), as its desk form would, and that place of supply.
	A return keeps its invoice's taxes; an uploaded invoice keeps its books' taxes (flags.dms_books)."""
	if not doc.get("distributor") or not applies() or doc.get("is_return") or doc.flags.get("dms_books"):
		return
	if doc.get("taxes") or doc.get("taxes_and_charges"):
		return
	from frappe.contacts.doctype.address.address import get_company_address as company_address_of
	from frappe.contacts.doctype.address.address import get_default_address
	from india_compliance.gst_india.overrides.transaction import get_gst_details

	doc.customer_address = doc.get("customer_address") or get_default_address("Customer", doc.customer)
	doc.company_address = (
		doc.get("company_address")
		or frappe.get_cached_value("Distributor", doc.distributor, "company_address")
		or company_address_of(doc.company).company_address
	)
	customer = frappe.db.get_value("Customer", doc.customer, ["gstin", "gst_category"], as_dict=True) or {}
	party = frappe._dict(
		customer=doc.customer,
		customer_address=doc.customer_address,
		company_gstin=frappe.db.get_value("Address", doc.company_address, "gstin")
		if doc.company_address
		else None,
		billing_address_gstin=(
			frappe.db.get_value("Address", doc.customer_address, "gstin") if doc.customer_address else None
		)
		or customer.get("gstin"),
		gst_category=customer.get("gst_category"),
		tax_category=doc.get("tax_category"),
		is_reverse_charge=0,
	)
	details = get_gst_details(party, doc.doctype, doc.company, update_place_of_supply=True)
	if details.get("place_of_supply"):
		doc.place_of_supply = details.place_of_supply
	if details.get("taxes_and_charges"):
		doc.taxes_and_charges = details.taxes_and_charges
		doc.set("taxes", details.get("taxes") or [])
