# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""ERPNext's test records can be made on a site where dms_app came first (see dms_app.tests.records)."""

from frappe.test_runner import get_dependencies
from frappe.tests.utils import FrappeTestCase

from dms_app.tests.records import linked_from_erpnext


class TestERPNextTestRecords(FrappeTestCase):
	def test_the_runner_follows_no_link_out_of_a_doctype_erpnext_links_to(self):
		targets = linked_from_erpnext()
		self.assertTrue({"Distributor", "DMS Scheme", "DMS Upload"} <= targets, targets)
		for doctype in sorted(targets):
			with self.subTest(doctype=doctype):
				# the runner would make the records of each of these first, and theirs, and so on
				self.assertEqual(
					get_dependencies(doctype),
					[doctype],
					f"{doctype}'s test module needs test_ignore = follow_no_links({doctype!r})",
				)
