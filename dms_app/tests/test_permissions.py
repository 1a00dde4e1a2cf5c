# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Row scope holds for child tables on every path a portal user can reach.

For every doctype the app scopes (read from the hooks, so a doctype added there is swept too) and every
child table it has (read from its metadata, so a table added by ERPNext, another app or a custom field is
swept too), a parent row and a child row are written for distributor A and for distributor B. As A's user,
every path that lists, counts or reads child rows must return A's rows and nothing of B's; as B's user,
B's rows are there (the rows are real enough to be found).
"""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from dms_app.permissions import (
	child_query_conditions,
	customer_query_conditions,
	distributor_query_conditions,
	has_customer_permission,
	has_distributor_permission,
	portal_distributors,
)
from dms_app.tests.factories import make_distributor, make_user

SCOPE_FUNCTIONS = {
	"dms_app.permissions.distributor_query_conditions": distributor_query_conditions,
	"dms_app.permissions.customer_query_conditions": customer_query_conditions,
}


def scoped_doctypes() -> list[str]:
	"""Doctypes whose rows the app scopes to a distributor, as hooks.py wires them."""
	hooks = frappe.get_hooks("permission_query_conditions")
	return sorted(
		doctype
		for doctype, methods in hooks.items()
		if doctype != "*" and any(method in SCOPE_FUNCTIONS for method in methods)
	)


def insert_row(doctype: str, values: dict) -> None:
	stamp = frappe.utils.now_datetime()
	values = {
		"owner": "Administrator",
		"modified_by": "Administrator",
		"creation": stamp,
		"modified": stamp,
	} | values
	table = frappe.qb.DocType(doctype)
	frappe.qb.into(table).columns(*values).insert(*values.values()).run()


class TestChildTableScope(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.user_a = make_user("t-child-a@dms.test")
		cls.user_b = make_user("t-child-b@dms.test")
		cls.a = make_distributor("T-CHILD-A", portal_users=[{"user": cls.user_a}])
		cls.b = make_distributor("T-CHILD-B", portal_users=[{"user": cls.user_b}])
		cls.rows = {}  # (parent doctype, child doctype, distributor) -> (parent name, child row name)
		for parent in scoped_doctypes():
			for field in frappe.get_meta(parent).get_table_fields():
				for dist in (cls.a, cls.b):
					parent_name = f"T-CHILD-{dist.name}-{frappe.scrub(parent)}"
					if not frappe.db.exists(parent, parent_name):
						insert_row(parent, {"name": parent_name, "distributor": dist.name, "docstatus": 0})
					row = frappe.generate_hash(length=12)
					insert_row(
						field.options,
						{
							"name": row,
							"parent": parent_name,
							"parenttype": parent,
							"parentfield": field.fieldname,
							"idx": 1,
						},
					)
					cls.rows[(parent, field.options, dist.name)] = (parent_name, row)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.form_dict = frappe._dict()

	def pairs(self):
		return sorted({(parent, child) for parent, child, _ in self.rows})

	def test_the_sweep_covers_the_scoped_doctypes_and_their_child_tables(self):
		doctypes = scoped_doctypes()
		for doctype in ("Material Request", "Stock Entry", "Sales Invoice", "Delivery Note", "Customer"):
			self.assertIn(doctype, doctypes)
		children = {child for _, child in self.pairs()}
		for child in (
			"Sales Invoice Item",
			"Material Request Item",
			"Stock Entry Detail",
			"Payment Schedule",
		):
			self.assertIn(child, children)

	def visible_parents(self, user: str, parent: str, child: str) -> dict[str, set[str]]:
		"""The parents of child rows ``user`` finds on each list path (None: the path refused)."""
		frappe.set_user(user)
		found = {}

		def attempt(path, fn):
			try:
				found[path] = {row["parent"] if isinstance(row, dict) else row[0] for row in fn()}
			except frappe.PermissionError:
				found[path] = None
			finally:
				frappe.local.form_dict = frappe._dict()

		attempt(
			"frappe.client.get_list",
			lambda: frappe.client.get_list(child, fields=["parent"], parent=parent, limit_page_length=0),
		)
		attempt(
			"frappe.get_list",
			lambda: frappe.get_list(child, fields=["parent"], parent_doctype=parent, limit_page_length=0),
		)

		def reportview():
			from frappe.desk.reportview import get

			frappe.local.form_dict = frappe._dict(
				doctype=child,
				fields=json.dumps([f"`tab{child}`.`parent`"]),
				parent_doctype=parent,
				page_length=0,
			)
			result = get()
			return [dict(zip(result["keys"], values, strict=False)) for values in result["values"]]

		attempt("frappe.desk.reportview.get", reportview)

		def report_view_with_child_columns():
			from frappe.desk.reportview import get

			frappe.local.form_dict = frappe._dict(
				doctype=parent,
				fields=json.dumps([f"`tab{parent}`.`name`", f"`tab{child}`.`parent`"]),
				page_length=0,
			)
			result = get()
			at = result["keys"].index("parent")
			return [(values[at],) for values in result["values"] if values[at]]

		attempt("report view of the parent with child columns", report_view_with_child_columns)
		return found

	def test_a_portal_user_lists_only_their_own_distributors_child_rows(self):
		for parent, child in self.pairs():
			b_parent = self.rows[(parent, child, self.b.name)][0]
			with self.subTest(parent=parent, child=child):
				as_a = self.visible_parents(self.user_a, parent, child)
				as_b = self.visible_parents(self.user_b, parent, child)
				for path, parents in as_a.items():
					if parents is None:
						continue  # the path is closed to a portal user altogether
					self.assertNotIn(b_parent, parents, f"{path} shows B's {child} to A")
					# A's own rows of this child doctype under other parents are A's too
					test_rows = {p for p in parents if p.startswith("T-CHILD-")}
					theirs = {p for p in test_rows if not p.startswith(f"T-CHILD-{self.a.name}-")}
					self.assertFalse(theirs, f"{path} shows another distributor's {child} to A")
				for path, parents in as_b.items():
					if parents is not None and path != "report view of the parent with child columns":
						self.assertIn(
							b_parent, parents, f"{path}: B cannot find its own {child} (test rows wrong)"
						)

	def test_counts_and_values_of_child_rows_are_scoped(self):
		from frappe.desk.reportview import get_count

		for parent, child in self.pairs():
			b_parent = self.rows[(parent, child, self.b.name)][0]
			with self.subTest(parent=parent, child=child):
				frappe.set_user(self.user_a)
				try:
					value = frappe.client.get_value(child, "parent", {"parent": b_parent}, parent=parent)
					self.assertFalse(value, f"get_value finds B's {child}")
				except frappe.PermissionError:
					pass
				frappe.local.form_dict = frappe._dict(
					doctype=child, filters=json.dumps({"parent": b_parent}), parent_doctype=parent
				)
				try:
					self.assertEqual(get_count(), 0, f"get_count counts B's {child}")
				except frappe.PermissionError:
					pass

	def test_a_child_row_of_another_distributor_is_refused_by_name(self):
		for parent, child in self.pairs():
			a_row = self.rows[(parent, child, self.a.name)][1]
			b_row = self.rows[(parent, child, self.b.name)][1]
			with self.subTest(parent=parent, child=child):
				frappe.set_user(self.user_a)
				with self.assertRaises(frappe.PermissionError):
					frappe.client.get(child, b_row, parent=parent)
				# the desk's and /api/resource's check on a loaded row
				self.assertFalse(frappe.get_doc(child, b_row).has_permission("read"))
				if frappe.has_permission(parent, "read", user=self.user_a):
					self.assertTrue(frappe.get_doc(child, a_row).has_permission("read"))

	def test_oem_staff_see_every_distributors_child_rows(self):
		manager = make_user("t-child-manager@dms.test", roles=("DMS Manager",))
		frappe.set_user(manager)
		self.assertEqual(child_query_conditions(manager, "Sales Invoice Item"), "")
		rows = frappe.get_list(
			"Sales Invoice Item",
			fields=["parent"],
			parent_doctype="Sales Invoice",
			filters={"parent": ["like", "T-CHILD-%"]},
			limit_page_length=0,
		)
		self.assertEqual(
			{row.parent for row in rows},
			{self.rows[("Sales Invoice", "Sales Invoice Item", d)][0] for d in (self.a.name, self.b.name)},
		)


class TestPermissionHooks(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.user_a = make_user("t-child-a@dms.test")
		cls.a = make_distributor("T-CHILD-A", portal_users=[{"user": cls.user_a}])
		cls.b = make_distributor("T-CHILD-B")

	def test_has_permission_hooks_answer_none_unless_they_deny(self):
		own = frappe._dict(doctype="Sales Invoice", distributor=self.a.name)
		other = frappe._dict(doctype="Sales Invoice", distributor=self.b.name)
		self.assertIsNone(has_distributor_permission(own, user=self.user_a))
		self.assertIs(has_distributor_permission(other, user=self.user_a), False)
		self.assertIsNone(has_distributor_permission(other, user="Administrator"))
		own_customer = frappe._dict(doctype="Customer", name=self.a.customer)
		self.assertIsNone(has_customer_permission(own_customer, user=self.user_a))
		self.assertIs(has_customer_permission(frappe._dict(name=self.b.customer), user=self.user_a), False)

	def test_a_portal_users_distributors_are_kept_for_the_request_and_forgotten_on_change(self):
		user = make_user("t-child-late@dms.test")
		self.assertIsNone(portal_distributors(user))
		portal_distributors(self.user_a)
		before = int(frappe.db.sql("show session status like 'Questions'")[0][1])
		portal_distributors(self.user_a)
		portal_distributors(self.user_a)
		after = int(frappe.db.sql("show session status like 'Questions'")[0][1])
		self.assertEqual(after - before, 1, "portal_distributors asked the database again in one request")
		self.a.append("portal_users", {"user": user})
		self.a.save(ignore_permissions=True)
		self.assertEqual(portal_distributors(user), [self.a.name])
		self.a.reload()
		self.a.set("portal_users", [r for r in self.a.portal_users if r.user != user])
		self.a.save(ignore_permissions=True)
		self.assertFalse(portal_distributors(user))
