"""Which distributors' figures a user may see in the channel analytics: one rule for every report.

- OEM staff with DMS Manager or System Manager (and Administrator): every distributor.
- A Regional or Area Sales Manager: the distributors whose territory lies in a territory they manage,
  its descendants included. The tie is ERPNext's own: a Territory's *Territory Manager* is a Sales
  Person, whose *Employee* has the manager's *User ID*. Setting that field is all it takes; nothing is
  copied, so a change of manager shows in the next report run. A manager tied to no territory sees none.
- A distributor's portal user: its own distributors (dms_app.permissions.portal_distributors).
- Anyone else who can open a report sees none.

Secondary sales are scoped by the distributor that made the invoice, channel stock by the distributor
that owns the warehouse: a retailer's territory on an invoice does not widen or narrow what a manager sees.
"""

import frappe
from frappe import _

from dms_app.permissions import portal_distributors

ALL_DISTRIBUTORS_ROLES = frozenset({"Administrator", "System Manager", "DMS Manager"})
MANAGER_ROLES = frozenset({"Regional Sales Manager", "Area Sales Manager"})


def visible_distributors(user: str | None = None) -> list[str] | None:
	"""The distributors ``user`` may see figures of, or None for all of them."""
	user = user or frappe.session.user
	roles = set(frappe.get_roles(user))
	if user == "Administrator" or roles & ALL_DISTRIBUTORS_ROLES:
		return None
	if roles & MANAGER_ROLES:
		return distributors_in(managed_territories(user))
	return portal_distributors(user) or []


def require_analytics_reader() -> None:
	"""The explicit check of the analytics' whitelisted methods (number cards, chart): OEM staff only,
	as the DMS workspace and the reports are; their figures are then scoped by visible_distributors."""
	if frappe.session.user == "Administrator":
		return
	if not set(frappe.get_roles()) & (ALL_DISTRIBUTORS_ROLES | MANAGER_ROLES):
		frappe.throw(_("The channel analytics are for OEM staff."), frappe.PermissionError)


def managed_territories(user: str) -> list[str]:
	"""Territories whose Territory Manager is a Sales Person of ``user``'s Employee record, descendants
	included."""
	employees = frappe.get_all("Employee", filters={"user_id": user}, pluck="name")
	if not employees:
		return []
	sales_people = frappe.get_all("Sales Person", filters={"employee": ["in", employees]}, pluck="name")
	if not sales_people:
		return []
	managed = frappe.get_all(
		"Territory", filters={"territory_manager": ["in", sales_people]}, fields=["lft", "rgt"]
	)
	return subtree_members("Territory", managed)


def subtree_members(doctype: str, roots: list[dict]) -> list[str]:
	"""Names of the nodes under the given (lft, rgt) roots, the roots included."""
	if not roots:
		return []
	table = frappe.qb.DocType(doctype)
	condition = None
	for root in roots:
		inside = (table.lft >= root["lft"]) & (table.rgt <= root["rgt"])
		condition = inside if condition is None else condition | inside
	return [name for (name,) in frappe.qb.from_(table).select(table.name).where(condition).run()]


def tree_filter(doctype: str, name: str | None) -> list[str] | None:
	"""A tree filter's value with its descendants (None when the filter is empty). An unknown name is a
	bad filter, said so."""
	if not name:
		return None
	bounds = frappe.db.get_value(doctype, name, ["lft", "rgt"], as_dict=True)
	if not bounds:
		frappe.throw(_("{0} {1} does not exist").format(_(doctype), name), frappe.DoesNotExistError)
	return subtree_members(doctype, [bounds])


def distributors_in(territories: list[str]) -> list[str]:
	if not territories:
		return []
	return frappe.get_all("Distributor", filters={"territory": ["in", territories]}, pluck="name")


def no_scope_message(user: str | None = None) -> str | None:
	"""What to tell a user whose scope is empty: why they see no rows and what would change it."""
	user = user or frappe.session.user
	if visible_distributors(user) != []:
		return None
	if set(frappe.get_roles(user)) & MANAGER_ROLES:
		return _(
			"You manage no territory with distributors: a DMS Manager sets you as the Territory Manager "
			"(through your Sales Person and Employee record) of your region or area."
		)
	return _("You see no distributor's figures: your user is not linked to a distributor.")
