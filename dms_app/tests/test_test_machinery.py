# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Test and benchmark machinery (users with known passwords, printed API secrets, hard deletes of
submitted stock) cannot be imported on a site that allows no tests and is not in developer mode."""

import importlib
import pkgutil
import sys
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

import dms_app.tests


class TestMachineryStaysOnTestSites(FrappeTestCase):
	def test_no_module_of_dms_app_tests_imports_on_a_production_site(self):
		names = ["dms_app.tests"] + [
			f"dms_app.tests.{module.name}" for module in pkgutil.iter_modules(dms_app.tests.__path__)
		]
		self.assertIn("dms_app.tests.factories", names)
		loaded = {
			name: sys.modules.pop(name) for name in list(sys.modules) if name.startswith("dms_app.tests")
		}
		production = frappe._dict(frappe.local.conf, allow_tests=0, developer_mode=0)
		try:
			with patch.object(frappe.local, "conf", production):
				for name in names:
					with self.subTest(module=name):
						with self.assertRaisesRegex(Exception, "allow_tests or developer_mode"):
							importlib.import_module(name)
						self.assertNotIn(name, sys.modules)
		finally:
			for name in [name for name in sys.modules if name.startswith("dms_app.tests")]:
				del sys.modules[name]
			sys.modules.update(loaded)
