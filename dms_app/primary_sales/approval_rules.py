"""Load DMS Approval Rules and describe a Material Request in the terms dms_app.core.approval uses."""

import frappe
from frappe.utils import flt

from dms_app.core.approval import Order, Rule
from dms_app.schemes import engine


def load_rules() -> list[Rule]:
	rules = frappe.get_all(
		"DMS Approval Rule",
		filters={"enabled": 1},
		fields=[
			"name",
			"level",
			"territory",
			"min_order_value",
			"max_order_value",
			"min_qty",
			"max_qty",
			"approver",
			"sla_hours",
			"priority",
		],
	)
	groups: dict[str, set[str]] = {}
	for row in frappe.get_all(
		"DMS Approval Rule Item Group",
		filters={"parenttype": "DMS Approval Rule", "parent": ["in", [r.name for r in rules]]},
		fields=["parent", "item_group"],
	):
		groups.setdefault(row.parent, set()).add(row.item_group)

	return [
		Rule(
			name=r.name,
			level=r.level,
			territory=r.territory or None,
			min_value=flt(r.min_order_value),
			max_value=flt(r.max_order_value) or None,
			min_qty=flt(r.min_qty),
			max_qty=flt(r.max_qty) or None,
			item_groups=frozenset(groups.get(r.name, ())),
			approver=r.approver or None,
			sla_hours=flt(r.sla_hours) or 24,
			priority=r.priority or 0,
		)
		for r in rules
	]


def territory_path(territory: str | None) -> tuple[str, ...]:
	"""The territory and its ancestors, nearest first."""
	return engine.path("Territory", territory)


def describe(doc, territory: str | None) -> Order:
	item_groups = frappe.get_all(
		"Item", filters={"name": ["in", [row.item_code for row in doc.items]]}, pluck="item_group"
	)
	return Order(
		value=flt(doc.dms_order_value),
		qty=sum(flt(row.qty) for row in doc.items),
		territory_path=territory_path(territory),
		item_groups=frozenset(item_groups),
	)
