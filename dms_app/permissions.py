"""Row-level scope for distributors' portal users.

User Permissions (see dms_app.distribution.portal_access) already restrict a portal user to their
distributor on every document that links one. Frappe lets a document whose Distributor link is empty
through that filter, though, and OEM-internal documents have no distributor. These hooks close that gap
for the transaction doctypes and define which Customers a distributor sees: itself and its retailers.

OEM staff (any role in OEM_ROLES) are never scoped here; their access is role based.
"""

import frappe

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
	"""Distributors a portal user acts for, or None when the user is not a scoped portal user."""
	user = user or frappe.session.user
	roles = set(frappe.get_roles(user))
	if PORTAL_ROLE not in roles or roles & OEM_ROLES:
		return None
	return sorted(
		set(
			frappe.get_all(
				"Distributor User", filters={"user": user, "parenttype": "Distributor"}, pluck="parent"
			)
		)
	)


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
	condition = f"`tabCustomer`.`distributor` in ({_sql_list(distributors)})"
	if own := distributor_customers(distributors):
		condition = f"({condition} or `tabCustomer`.`name` in ({_sql_list(own)}))"
	return condition


def has_distributor_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	distributors = portal_distributors(user)
	if distributors is None:
		return None
	return doc.get("distributor") in distributors


def has_customer_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	distributors = portal_distributors(user)
	if distributors is None:
		return None
	return doc.get("distributor") in distributors or doc.get("name") in distributor_customers(distributors)


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
