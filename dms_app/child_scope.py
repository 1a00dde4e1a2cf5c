"""The one place dms_app wraps a Frappe internal: a child row read or written by name.

Frappe decides a child row's permission in ``frappe.permissions.has_child_permission`` from the parent
*doctype* alone (it calls ``has_permission(parent_doctype)`` without the parent document), and no hook is
consulted on that path: neither ``has_permission`` hooks nor ``permission_query_conditions``. So
``GET /api/resource/Sales Invoice Item/<row>``, ``frappe.client.get`` and the desk's ``getdoc`` would hand
distributor A's user a row of B's invoice whose name they learnt. Lists of child rows are scoped through
the public ``permission_query_conditions`` hook (``dms_app.permissions.child_query_conditions``); for the
single-row path there is no public hook, so this module wraps that one function, keeping Frappe's answer
and adding the parent document's check for scoped portal users only
(``dms_app.permissions.has_child_row_permission``). Everyone else gets Frappe's answer unchanged.

Installed when the app's package is imported (``dms_app/__init__.py``), which Frappe does for a site with
dms_app before it handles any request or job (it loads the app's hooks first). Frappe's ``has_permission``
looks ``has_child_permission`` up in its module at call time, so replacing the module attribute reaches it.
"""

from functools import wraps

import frappe
import frappe.permissions

_MARK = "_dms_child_scope"


def install() -> None:
	original = frappe.permissions.has_child_permission
	if getattr(original, _MARK, False):
		return

	@wraps(original)
	def has_child_permission(
		child_doctype,
		ptype="read",
		child_doc=None,
		user=None,
		raise_exception=True,
		parent_doctype=None,
		*,
		debug=False,
	):
		allowed = original(
			child_doctype,
			ptype,
			child_doc,
			user,
			raise_exception,
			parent_doctype,
			debug=debug,
		)
		if not allowed or child_doc is None or not _app_installed():
			return allowed
		from dms_app.permissions import has_child_row_permission

		if isinstance(child_doc, str):
			child_doc = (
				frappe.db.get_value(child_doctype, child_doc, ("parent", "parenttype"), as_dict=True)
				or frappe._dict()
			)
		return has_child_row_permission(child_doc, ptype, user or frappe.session.user) is not False

	setattr(has_child_permission, _MARK, True)
	frappe.permissions.has_child_permission = has_child_permission


def _app_installed() -> bool:
	# A bench process may serve sites without dms_app once the package has been imported for another.
	return bool(getattr(frappe.local, "site", None)) and "dms_app" in frappe.get_installed_apps()
