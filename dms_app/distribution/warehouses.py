"""Warehouses that belong to distributors.

Ownership lives in one place: the ``distributor`` custom field on Warehouse (see custom_fields.py).
A distributor's form lists its warehouses; saving it claims them, and releasing happens here too.
"""

import frappe
from frappe import _

from dms_app.core.distributor import Problem, WarehouseInfo, warehouse_name_for
from dms_app.distribution.settings import get_settings

GROUP_NAME = "Distributor Warehouses"


def get_warehouse_infos(names: list[str]) -> dict[str, WarehouseInfo]:
	rows = frappe.get_all(
		"Warehouse",
		filters={"name": ["in", list(set(names))]},
		fields=["name", "company", "is_group", "distributor"],
	)
	return {
		row.name: WarehouseInfo(row.name, row.company, bool(row.is_group), row.distributor or None)
		for row in rows
	}


def get_group(company: str) -> str:
	"""The group warehouse that holds distributor warehouses of ``company``, created on first use."""
	settings = get_settings()
	configured = settings.distributor_warehouse_group
	if configured and frappe.db.get_value("Warehouse", configured, "company") == company:
		return configured

	existing = frappe.db.get_value(
		"Warehouse", {"warehouse_name": GROUP_NAME, "company": company, "is_group": 1}, "name"
	)
	if existing:
		return existing

	root = frappe.db.get_value(
		"Warehouse", {"company": company, "is_group": 1, "parent_warehouse": ["is", "not set"]}, "name"
	)
	group = frappe.get_doc(
		{
			"doctype": "Warehouse",
			"warehouse_name": GROUP_NAME,
			"company": company,
			"is_group": 1,
			"parent_warehouse": root,
		}
	).insert(ignore_permissions=True)
	return group.name


def create_distributor_warehouse(distributor) -> str:
	"""Create the dedicated warehouse of a new distributor, owned by it from the start.

	A warehouse left free by a deleted distributor of the same code is taken over instead.
	"""
	warehouse_name = warehouse_name_for(distributor.name, distributor.distributor_name)
	free = frappe.db.get_value(
		"Warehouse",
		{"warehouse_name": warehouse_name, "company": distributor.company, "is_group": 0},
		["name", "distributor"],
		as_dict=True,
	)
	if free and not free.distributor:
		set_owner([free.name], distributor.name)
		return free.name

	warehouse = frappe.get_doc(
		{
			"doctype": "Warehouse",
			"warehouse_name": warehouse_name,
			"company": distributor.company,
			"parent_warehouse": get_group(distributor.company),
			"distributor": distributor.name,
		}
	)
	# The Distributor's own write permission authorised this; Warehouse rights are not the user's concern.
	warehouse.insert(ignore_permissions=True)
	return warehouse.name


def set_owner(warehouses: list[str], distributor: str | None) -> None:
	for name in warehouses:
		frappe.db.set_value("Warehouse", name, "distributor", distributor, update_modified=False)


def owned_by(distributor: str) -> list[str]:
	return frappe.get_all("Warehouse", filters={"distributor": distributor}, pluck="name")


def warehouses_with_stock(warehouses: list[str]) -> list[str]:
	"""Warehouses among ``warehouses`` that hold stock or have stock ledger history."""
	if not warehouses:
		return []
	return sorted(
		frappe.get_all(
			"Stock Ledger Entry",
			filters={"warehouse": ["in", warehouses], "is_cancelled": 0},
			pluck="warehouse",
			distinct=True,
		)
	)


def describe_problems(problems) -> list[str]:
	messages = {
		Problem.NOT_FOUND: _("Warehouse {0} does not exist."),
		Problem.DUPLICATE: _("Warehouse {0} is listed more than once."),
		Problem.IS_GROUP: _("Warehouse {0} is a group warehouse; pick a warehouse that can hold stock."),
		Problem.OTHER_COMPANY: _("Warehouse {0} belongs to company {1}, not to the distributor's company."),
		Problem.OTHER_DISTRIBUTOR: _("Warehouse {0} already belongs to distributor {1}."),
	}
	return [
		messages[p.problem].format(frappe.bold(p.warehouse), frappe.bold(p.detail or "")) for p in problems
	]
