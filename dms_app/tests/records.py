"""Keeping Frappe's test-record builder from following dms_app's links into ERPNext's records.

Before ERPNext's own tests run, Frappe's runner makes their ``_Test`` records, and before a doctype's
records those of every doctype it links to, recursively (frappe.test_runner.make_test_records). Our
custom fields give ERPNext doctypes links to ours (Warehouse.distributor, Sales Invoice Item.dms_scheme,
Sales Invoice.dms_upload...), and ours link back to ERPNext's (Distributor -> Customer, Warehouse,
Territory...): followed, that cycle made Item's records before Warehouse's, and ERPNext's suites stopped
at "Could not find Default Warehouse: _Test Warehouse - _TC" on any site where dms_app came first.

Our doctypes have no test records (our tests make what they need with dms_app.tests.factories), so none
of their links needs following: a test module of a doctype that an ERPNext doctype links to declares
``test_ignore = follow_no_links("<doctype>")``, which frappe.test_runner.get_dependencies honours.
dms_app/tests/test_erpnext_test_records.py fails when a custom field links to a doctype that does not.
"""

import frappe

from dms_app.install import app_modules


def follow_no_links(doctype: str) -> list[str]:
	"""Every doctype ``doctype`` links to, itself and through its child tables: its ``test_ignore``."""
	meta = frappe.get_meta(doctype)
	fields = list(meta.get_link_fields())
	for table in meta.get_table_fields():
		fields += frappe.get_meta(table.options).get_link_fields()
	return sorted({df.options for df in fields if df.options and df.options != doctype})


def linked_from_erpnext() -> set[str]:
	"""The doctypes of this app that dms_app's custom fields on other apps' doctypes link to."""
	modules = app_modules()
	ours = set(frappe.get_all("DocType", {"module": ["in", modules]}, pluck="name"))
	targets = set()
	for field in frappe.get_all(
		"Custom Field",
		{"module": ["in", modules], "fieldtype": ["in", ["Link", "Table", "Table MultiSelect"]]},
		["fieldtype", "options"],
	):
		if field.fieldtype == "Link":
			targets.add(field.options)
		else:  # a child table of ours: what its rows link to
			targets.update(df.options for df in frappe.get_meta(field.options).get_link_fields())
	return targets & ours
