"""Row-level scope for distributors' portal users.

User Permissions (see dms_app.distribution.portal_access) already restrict a portal user to their
distributor on every document that links one. Frappe lets a document whose Distributor link is empty
through that filter, though, and OEM-internal documents have no distributor. These hooks close that gap
for the transaction doctypes and define which Customers a distributor sees: itself and its retailers.

OEM staff (any role in OEM_ROLES) are never scoped here; their access is role based.
"""

import frappe
import frappe.permissions

PORTAL_ROLE = "Distributor"
OEM_ROLES = frozenset(
	{
		"Administrator",
		"System Manager",
		"DMS Manager",
		"Regional Sales Manager",
		"Area Sales Manager",
		"DMS Integration",
	}
)


def portal_distributors(user: str | None = None) -> list[str] | None:
	"""Distributors a portal user acts for, or None when the user is not a scoped portal user.

	Asked for every document and list a request checks, so the answer is kept for the request (in
	``frappe.local``); saving or deleting a Distributor forgets it (``forget_portal_distributors``)."""
	user = user or frappe.session.user
	kept = _kept_scopes()
	if user not in kept:
		kept[user] = _portal_distributors(user)
	scope = kept[user]
	return None if scope is None else list(scope)


def _portal_distributors(user: str) -> tuple[str, ...] | None:
	roles = set(frappe.get_roles(user))
	if PORTAL_ROLE not in roles or roles & OEM_ROLES:
		return None
	return tuple(
		sorted(
			set(
				frappe.get_all(
					"Distributor User", filters={"user": user, "parenttype": "Distributor"}, pluck="parent"
				)
			)
		)
	)


def _kept_scopes() -> dict:
	if not hasattr(frappe.local, "dms_portal_scopes"):
		frappe.local.dms_portal_scopes = {}
	return frappe.local.dms_portal_scopes


def forget_portal_distributors(doc=None, method=None) -> None:
	"""doc_events of Distributor and User: a changed portal user list or role takes effect at once."""
	_kept_scopes().clear()


def distributor_customers(distributors: list[str]) -> list[str]:
	if not distributors:
		return []
	return frappe.get_all(
		"Distributor", filters={"name": ["in", distributors], "customer": ["is", "set"]}, pluck="customer"
	)


def _sql_list(values: list[str]) -> str:
	return ", ".join(frappe.db.escape(v) for v in values)


def distributor_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	distributors = portal_distributors(user)
	if distributors is None:
		return ""
	if not distributors:
		return "1=0"
	return f"`tab{doctype}`.`distributor` in ({_sql_list(distributors)})"


def customer_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	distributors = portal_distributors(user)
	if distributors is None:
		return ""
	if not distributors:
		return "1=0"
	condition = (
		f"(`tabCustomer`.`distributor` in ({_sql_list(distributors)}) or `tabCustomer`.`name` in "
		f"(select `customer` from `tabDMS Retailer Link` where `distributor` in ({_sql_list(distributors)})"
		" and `active` = 1))"
	)
	if own := distributor_customers(distributors):
		condition = f"({condition} or `tabCustomer`.`name` in ({_sql_list(own)}))"
	return condition


# A has_permission hook answers False to deny and None otherwise: True would end Frappe's chain of
# hooks and hide other apps' answers.


def has_distributor_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	distributors = portal_distributors(user)
	if distributors is None or doc.get("distributor") in distributors:
		return None
	return False


def has_customer_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	distributors = portal_distributors(user)
	if distributors is None:
		return None
	if doc.get("distributor") in distributors or doc.get("name") in distributor_customers(distributors):
		return None
	if doc.get("name") and frappe.db.exists(
		"DMS Retailer Link", {"customer": doc.name, "distributor": ["in", distributors], "active": 1}
	):
		return None  # a retailer this distributor serves too (dms_app.retail)
	return False


# Child tables
# ------------
# Frappe checks a child table's rows only against its parent *doctype*: User Permissions and the
# parent's permission_query_conditions filter the parent's list, not a list of its child rows
# (frappe.client.get_list(doctype=<child>, parent=<parent>), reportview, /api/resource/<child>), and a
# child row read by name is allowed when the parent doctype is readable. For a scoped portal user a child
# row is visible exactly when its parent document is: the parent's own conditions (User Permissions,
# every app's query conditions, shares) decide, for every child doctype and every parent that uses it,
# as the metadata says today.


def child_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""permission_query_conditions for every doctype ("*"): scopes child doctypes, leaves others alone."""
	if not doctype or not frappe.is_table(doctype):
		return ""
	user = user or frappe.session.user
	if portal_distributors(user) is None:
		return ""
	from frappe.model.db_query import DatabaseQuery

	visible = []
	for parent in parent_doctypes(doctype):
		meta = frappe.get_meta(parent)
		role_permissions = frappe.permissions.get_role_permissions(meta, user=user)
		if meta.istable or not (role_permissions.get("read") or role_permissions.get("select")):
			continue
		conditions = DatabaseQuery(parent, user=user).build_match_conditions()
		parents = f"select `tab{parent}`.`name` from `tab{parent}`" + (
			f" where {conditions}" if conditions else ""
		)
		visible.append(
			f"(`tab{doctype}`.`parenttype` = {frappe.db.escape(parent)}"
			f" and `tab{doctype}`.`parent` in ({parents}))"
		)
	return "(" + " or ".join(visible) + ")" if visible else "1=0"


def parent_doctypes(child_doctype: str) -> list[str]:
	"""Doctypes with a Table (or Table MultiSelect) field of ``child_doctype``, custom fields included."""
	kept = frappe.local.dms_child_parents = getattr(frappe.local, "dms_child_parents", None) or {}
	if child_doctype not in kept:
		table_types = ("Table", "Table MultiSelect")
		kept[child_doctype] = sorted(
			set(
				frappe.get_all(
					"DocField",
					filters={
						"options": child_doctype,
						"fieldtype": ["in", table_types],
						"parenttype": "DocType",
					},
					pluck="parent",
				)
				+ frappe.get_all(
					"Custom Field",
					filters={"options": child_doctype, "fieldtype": ["in", table_types]},
					pluck="dt",
				)
			)
		)
	return kept[child_doctype]


def has_child_row_permission(child_doc, ptype: str, user: str) -> bool | None:
	"""For a scoped portal user, a saved child row is readable or writable only with its parent document.

	Frappe's has_child_permission checks the parent doctype and not the parent document; see
	dms_app.child_scope for where this is called."""
	if portal_distributors(user) is None:
		return None
	parenttype, parent = child_doc.get("parenttype"), child_doc.get("parent")
	if not parenttype or not parent or not frappe.db.exists(parenttype, parent):
		return None
	if frappe.has_permission(parenttype, ptype, doc=parent, user=user):
		return None
	return False


def require_role(*roles: str) -> None:
	"""Raise PermissionError unless the session user holds one of ``roles``.

	Like frappe.only_for, but also enforced under the test runner (only_for is skipped there), so the
	tests exercise the same check users meet."""
	if frappe.session.user == "Administrator" or set(roles) & set(frappe.get_roles()):
		return
	frappe.throw(
		frappe._("This action is only allowed for {0}.").format(", ".join(frappe._(r) for r in roles)),
		frappe.PermissionError,
		title=frappe._("Not Permitted"),
	)
