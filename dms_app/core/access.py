"""Which User Permissions a distributor's portal users should hold.

A portal user of distributor D is granted:
- D itself (``Distributor``), applied to every doctype, so any document with a Distributor link
  is filtered to D by Frappe's own user-permission machinery;
- each of D's warehouses, applied to the doctypes listed in ``WAREHOUSE_SCOPED_DOCTYPES`` only.
  Applying warehouse grants everywhere would hide D's own orders, whose source is the OEM depot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WAREHOUSE_SCOPED_DOCTYPES = ("Warehouse", "Bin")


@dataclass(frozen=True)
class Grant:
	user: str
	allow: str
	for_value: str
	applicable_for: str | None = None  # None: applies to all doctypes


def desired_grants(distributor: str, users: Iterable[str], warehouses: Iterable[str]) -> set[Grant]:
	warehouses = [w for w in warehouses if w]
	grants: set[Grant] = set()
	for user in users:
		if not user:
			continue
		grants.add(Grant(user, "Distributor", distributor))
		for warehouse in warehouses:
			for doctype in WAREHOUSE_SCOPED_DOCTYPES:
				grants.add(Grant(user, "Warehouse", warehouse, doctype))
	return grants


def plan_sync(desired: set[Grant], existing: set[Grant]) -> tuple[list[Grant], list[Grant]]:
	"""Return (to_add, to_remove), each sorted so the result is deterministic."""
	return sorted(desired - existing, key=_sort_key), sorted(existing - desired, key=_sort_key)


def _sort_key(grant: Grant) -> tuple[str, str, str, str]:
	return (grant.user, grant.allow, grant.for_value, grant.applicable_for or "")
