"""Keep a distributor's portal users' User Permissions and roles in step with its form.

What each portal user should hold is decided by dms_app.core.access; this module reads the current
User Permissions, applies the difference and nothing else.
"""

import frappe

from dms_app.core.access import WAREHOUSE_SCOPED_DOCTYPES, Grant, desired_grants, plan_sync
from dms_app.permissions import PORTAL_ROLE


def sync(
	distributor: str, users: list[str], warehouses: list[str], previous_users=(), previous_warehouses=()
):
	"""Grant ``users`` access to ``distributor`` and ``warehouses``; revoke what former users or
	former warehouses of this distributor still hold."""
	desired = desired_grants(distributor, users, warehouses)
	scope_users = set(users) | set(previous_users)
	scope_warehouses = set(warehouses) | set(previous_warehouses)
	existing = _existing_grants(distributor, scope_users, scope_warehouses)
	to_add, to_remove = plan_sync(desired, set(existing))

	for grant in to_remove:
		frappe.delete_doc("User Permission", existing[grant], ignore_permissions=True, force=True)
	for grant in to_add:
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": grant.user,
				"allow": grant.allow,
				"for_value": grant.for_value,
				"apply_to_all_doctypes": 0 if grant.applicable_for else 1,
				"applicable_for": grant.applicable_for,
			}
		).insert(ignore_permissions=True)

	for user in set(users):
		_ensure_portal_role(user)
	for user in set(previous_users) - set(users):
		_drop_portal_role_if_unused(user)


def revoke_all(distributor: str, users: list[str], warehouses: list[str]):
	sync(distributor, [], [], previous_users=users, previous_warehouses=warehouses)


def _existing_grants(distributor, users, warehouses) -> dict[Grant, str]:
	if not users:
		return {}
	rows = frappe.get_all(
		"User Permission",
		filters={"user": ["in", list(users)], "allow": ["in", ["Distributor", "Warehouse"]]},
		fields=["name", "user", "allow", "for_value", "apply_to_all_doctypes", "applicable_for"],
	)
	existing = {}
	for row in rows:
		if row.allow == "Distributor" and row.for_value == distributor and row.apply_to_all_doctypes:
			existing[Grant(row.user, row.allow, row.for_value)] = row.name
		elif (
			row.allow == "Warehouse"
			and row.for_value in warehouses
			and row.applicable_for in WAREHOUSE_SCOPED_DOCTYPES
		):
			existing[Grant(row.user, row.allow, row.for_value, row.applicable_for)] = row.name
	return existing


def _ensure_portal_role(user: str):
	if PORTAL_ROLE not in frappe.get_roles(user):
		doc = frappe.get_doc("User", user)
		doc.flags.ignore_permissions = True
		doc.add_roles(PORTAL_ROLE)


def _drop_portal_role_if_unused(user: str):
	if frappe.db.exists("Distributor User", {"user": user, "parenttype": "Distributor"}):
		return
	if PORTAL_ROLE in frappe.get_roles(user):
		doc = frappe.get_doc("User", user)
		doc.flags.ignore_permissions = True
		doc.remove_roles(PORTAL_ROLE)
