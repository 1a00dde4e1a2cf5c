# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""A distributor's portal user sees only that distributor's records through the REST API.

Requests go through Frappe's real WSGI application (werkzeug test client) with token authentication,
as an integrator or the portal's JavaScript would send them. The records they read must be committed,
so they are made get-or-create and kept on the test site between runs.
"""

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_test_client, nowdate

from dms_app.tests.factories import (
	as_user,
	ensure_depot,
	make_distributor,
	make_item,
	make_primary_order,
	make_user,
	receive_stock,
	token_for,
)

ITEM = "T-SCOPE-ITEM"


def material_request(distributor, warehouse: str | None = None) -> str:
	"""A draft order for ``distributor``, or an OEM-internal request into ``warehouse``."""
	filters = (
		{"distributor": distributor.name}
		if distributor
		else {"distributor": ("is", "not set"), "set_warehouse": warehouse}
	)
	if existing := frappe.db.get_value("Material Request", filters):
		return existing
	if distributor:
		return make_primary_order(distributor, [(ITEM, 3)]).name
	schedule = add_days(nowdate(), 7)
	return (
		frappe.get_doc(
			{
				"doctype": "Material Request",
				"material_request_type": "Material Transfer",
				"set_warehouse": warehouse,
				"schedule_date": schedule,
				"items": [{"item_code": ITEM, "qty": 3, "warehouse": warehouse, "schedule_date": schedule}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class TestPortalScope(FrappeTestCase):
	client = get_test_client()

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_depot()
		make_item(ITEM, price=50)
		cls.user_a = make_user("t-scope-a@dms.test")
		cls.a = make_distributor("T-SCOPE-A", portal_users=[{"user": cls.user_a}])
		cls.b = make_distributor("T-SCOPE-B", portal_users=[{"user": make_user("t-scope-b@dms.test")}])
		for dist in (cls.a, cls.b):
			if not frappe.db.exists("Bin", {"warehouse": dist.warehouse, "item_code": ITEM}):
				receive_stock(ITEM, dist.warehouse, 10)
		cls.mr_a = material_request(cls.a)
		cls.mr_b = material_request(cls.b)
		depot = frappe.db.get_value(
			"Warehouse", {"company": cls.a.company, "is_group": 0, "distributor": ("is", "not set")}
		)
		cls.mr_internal = material_request(None, depot)
		cls.bin_b = frappe.db.get_value("Bin", {"warehouse": cls.b.warehouse, "item_code": ITEM})
		cls.auth = token_for(cls.user_a)
		frappe.db.commit()

	def get(self, path: str, **params):
		response = make_request(
			target=self.client.get,
			args=(path,),
			kwargs={"query_string": params, "headers": {"Authorization": self.auth}},
		)
		return response

	def names(self, doctype: str, **params) -> list[str]:
		response = self.get(f"/api/resource/{doctype}", limit_page_length=0, **params)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		return [row["name"] for row in response.json["data"]]

	def test_lists_show_only_the_users_distributor(self):
		self.assertEqual(self.names("Distributor"), [self.a.name])
		self.assertEqual(self.names("Warehouse"), [self.a.warehouse])

		bins = self.get("/api/resource/Bin", fields='["warehouse"]', limit_page_length=0).json["data"]
		self.assertTrue(bins)
		self.assertEqual({row["warehouse"] for row in bins}, {self.a.warehouse})

		requests = self.names("Material Request")
		self.assertIn(self.mr_a, requests)
		self.assertNotIn(self.mr_b, requests)
		self.assertNotIn(self.mr_internal, requests)

	def test_other_distributors_documents_are_forbidden_by_name(self):
		for doctype, name in (
			("Distributor", self.b.name),
			("Warehouse", self.b.warehouse),
			("Bin", self.bin_b),
			("Material Request", self.mr_b),
			("Material Request", self.mr_internal),
			("Customer", self.b.customer),
		):
			with self.subTest(doctype=doctype):
				self.assertEqual(self.get(f"/api/resource/{doctype}/{name}").status_code, 403)

	def test_own_documents_are_readable_by_name(self):
		for doctype, name in (
			("Distributor", self.a.name),
			("Warehouse", self.a.warehouse),
			("Material Request", self.mr_a),
			("Customer", self.a.customer),
		):
			with self.subTest(doctype=doctype):
				self.assertEqual(self.get(f"/api/resource/{doctype}/{name}").status_code, 200)

	def test_cannot_create_an_order_for_another_distributor(self):
		with self.assertRaises(frappe.PermissionError):
			as_user(self.user_a, make_primary_order, self.b, [(ITEM, 1)])
