# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from dms_app import install
from dms_app.custom_fields import CUSTOM_FIELDS
from dms_app.tests.factories import company, make_distributor


class TestInstall(FrappeTestCase):
	def test_sync_twice_changes_nothing(self):
		install.sync()
		first = install.fingerprint()
		install.sync()
		self.assertEqual(install.fingerprint(), first)

	def test_everything_is_in_place(self):
		for doctype, fields in CUSTOM_FIELDS.items():
			meta = frappe.get_meta(doctype)
			for field in fields:
				self.assertTrue(meta.has_field(field["fieldname"]), f"{doctype}.{field['fieldname']}")
		self.assertEqual(frappe.db.get_value("Role", "Distributor", "desk_access"), 0)
		settings = frappe.get_single("DMS Settings")
		self.assertEqual(settings.company, company())
		self.assertEqual(
			frappe.db.get_value("Warehouse", settings.distributor_warehouse_group, "is_group"), 1
		)
		self.assertTrue(frappe.db.has_index("tabStock Ledger Entry", install.SELL_OUT_INDEX))
		for name, (doctype, _columns) in install.CHANNEL_INDEXES.items():
			self.assertTrue(frappe.db.has_index(f"tab{doctype}", name), name)
		self.assertTrue(frappe.db.has_index("tabSales Invoice", install.UNIQUE_EXTERNAL_REF))


class TestDMSSettings(FrappeTestCase):
	def test_depot_must_be_a_plain_oem_warehouse(self):
		settings = frappe.get_single("DMS Settings")
		settings.oem_depot_warehouse = settings.distributor_warehouse_group
		with self.assertRaisesRegex(frappe.ValidationError, "holds stock"):
			settings.save()

		settings.reload()
		settings.oem_depot_warehouse = make_distributor("T-SET-1").warehouse
		with self.assertRaisesRegex(frappe.ValidationError, "belongs to distributor"):
			settings.save()
