# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Every whitelisted method of the app answers bad input with a 4xx and a reason, never a 5xx, and never
hands one distributor's user another distributor's data.

The methods are found, not listed: every module of the app is imported and Frappe's own register of
whitelisted functions is read, so a method added later is swept too. Each is called over HTTP through
Frappe's WSGI application (token authentication, the HTTP verb it allows) as distributor A's portal user
and as OEM staff, with: no arguments; an unknown argument only; each argument in turn given values of
the wrong shape (a mapping, a list, a huge number, an empty string, SQL and markup); and, where it takes
a ``distributor``, distributor B's name.
"""

import importlib
import json
import pkgutil

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client

import dms_app
from dms_app.tests.factories import make_distributor, make_user, purge_distributor, token_for

BAD_VALUES = (
	{"unexpected": {"nested": [1, 2]}},
	[1, "two", None],
	123456789012345678901234567890,
	"",
	"' or 1=1 -- <script>alert(1)</script>",
)
# A sample that must be found; the sweep itself covers every method found.
KNOWN = {
	"dms_app.portal.schemes.send_claim",
	"dms_app.portal.catalogue.place_order",
	"dms_app.portal.sales.create_invoice",
	"dms_app.api.secondary_sales.upload",
	"dms_app.api.oem.upsert_items",
}


def whitelisted_methods() -> dict[str, object]:
	"""Dotted path -> function, for every whitelisted function defined in the app (tests excluded)."""
	for module in pkgutil.walk_packages(dms_app.__path__, "dms_app."):
		name = module.name
		if ".tests" in name or ".test_" in name or name.startswith("dms_app.patches"):
			continue
		importlib.import_module(name)
	return {
		f"{fn.__module__}.{fn.__name__}": fn
		for fn in frappe.whitelisted
		if getattr(fn, "__module__", "").startswith("dms_app.")
	}


def parameters(fn) -> list[str]:
	import inspect

	return [
		p.name
		for p in inspect.signature(fn).parameters.values()
		if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
	]


class TestWhitelistedMethods(FrappeTestCase):
	client = get_test_client()

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.user_a = make_user("t-sweep-a@dms.test")
		cls.a = make_distributor("T-SWEEP-A", portal_users=[{"user": cls.user_a}])
		cls.b = make_distributor("T-SWEEP-B", portal_users=[{"user": make_user("t-sweep-b@dms.test")}])
		cls.staff = make_user("t-sweep-staff@dms.test", roles=("DMS Manager", "DMS Integration"))
		cls.tokens = {"A's portal user": token_for(cls.user_a), "OEM staff": token_for(cls.staff)}
		frappe.db.commit()
		cls.methods = whitelisted_methods()

	@classmethod
	def tearDownClass(cls):
		for code in ("T-SWEEP-A", "T-SWEEP-B"):
			purge_distributor(code)
		super().tearDownClass()

	def call(self, path: str, fn, args: dict, token: str):
		verbs = frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["GET", "POST"]
		headers = {"Authorization": token}
		if "POST" in verbs:
			headers["Content-Type"] = "application/json"
			target, kwargs = self.client.post, {"data": json.dumps(args), "headers": headers}
		else:
			query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()}
			target, kwargs = self.client.get, {"query_string": query, "headers": headers}
		return make_request(target=target, args=(f"/api/method/{path}",), kwargs=kwargs)

	def cases(self, fn) -> list[tuple[str, dict]]:
		cases = [("no arguments", {}), ("an unknown argument only", {"no_such_argument": "1"})]
		for name in parameters(fn):
			for value in BAD_VALUES:
				cases.append((f"{name}={value!r:.40}", {name: value}))
		return cases

	def test_the_sweep_finds_the_apps_methods(self):
		self.assertLessEqual(KNOWN, set(self.methods), "the sweep misses known whitelisted methods")

	def test_bad_input_is_answered_with_a_4xx_and_a_reason(self):
		for path, fn in sorted(self.methods.items()):
			for who, token in self.tokens.items():
				for case, args in self.cases(fn):
					with self.subTest(method=path, user=who, case=case):
						response = self.call(path, fn, args, token)
						body = response.get_data().decode(errors="replace")  # a PDF answer is binary
						self.assertLess(response.status_code, 500, f"{path} {case} as {who}: {body[:2000]}")
						if response.status_code >= 400:
							self.assertTrue(
								response.json.get("exception") or response.json.get("_server_messages"),
								f"{path} {case}: a {response.status_code} without a reason",
							)

	def test_another_distributors_name_is_refused(self):
		for path, fn in sorted(self.methods.items()):
			if "distributor" not in parameters(fn):
				continue
			with self.subTest(method=path):
				response = self.call(path, fn, {"distributor": self.b.name}, self.tokens["A's portal user"])
				body = response.get_data().decode(errors="replace")  # a PDF answer is binary
				self.assertIn(response.status_code, (401, 403, 404, 417, 422), f"{path}: {body[:1000]}")
				self.assertNotIn(self.b.warehouse, body)
