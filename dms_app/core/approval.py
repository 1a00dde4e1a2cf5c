"""Which approval levels a primary order needs, decided from DMS Approval Rules.

An order passes the levels in LEVELS order; a level is required when at least one active rule for it
matches the order. Among the matching rules of a level the most specific one names the approver and the
SLA: the deepest territory wins, then the lowest ``priority`` number. An order that no rule matches goes
to the top level, so nothing is approved by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# Approval levels, lowest first; each is also the role that may approve at that level.
LEVELS = ("Area Sales Manager", "Regional Sales Manager", "DMS Manager")


@dataclass(frozen=True)
class Rule:
	name: str
	level: str
	territory: str | None = None  # applies to this territory and everything below it
	min_value: float = 0
	max_value: float | None = None  # exclusive; None: no upper bound
	min_qty: float = 0
	max_qty: float | None = None
	item_groups: frozenset[str] = field(default_factory=frozenset)  # empty: any item group
	approver: str | None = None  # a named user; None: anyone with the level's role
	sla_hours: float = 24
	priority: int = 10


@dataclass(frozen=True)
class Order:
	value: float
	qty: float
	territory_path: tuple[str, ...] = ()  # the order's territory first, then its ancestors to the root
	item_groups: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Step:
	level: str
	approver: str | None
	sla_hours: float
	rule: str | None


def _in_range(amount: float, low: float, high: float | None) -> bool:
	return amount >= (low or 0) and (high is None or amount < high)


def matches(rule: Rule, order: Order) -> bool:
	return (
		(rule.territory is None or rule.territory in order.territory_path)
		and _in_range(order.value, rule.min_value, rule.max_value)
		and _in_range(order.qty, rule.min_qty, rule.max_qty)
		and (not rule.item_groups or bool(rule.item_groups & order.item_groups))
	)


def _specificity(rule: Rule, order: Order) -> tuple[int, int]:
	depth = len(order.territory_path) - order.territory_path.index(rule.territory) if rule.territory else 0
	return (-depth, rule.priority)


def route(order: Order, rules: Iterable[Rule]) -> list[Step]:
	"""The approval steps ``order`` must pass, in order."""
	by_level: dict[str, list[Rule]] = {}
	for rule in rules:
		if rule.level not in LEVELS:
			raise ValueError(f"unknown approval level {rule.level!r}")
		if matches(rule, order):
			by_level.setdefault(rule.level, []).append(rule)

	if not by_level:
		return [Step(LEVELS[-1], None, 24, None)]

	steps = []
	for level in LEVELS:
		if level in by_level:
			best = min(by_level[level], key=lambda r: (_specificity(r, order), r.name))
			steps.append(Step(level, best.approver, best.sla_hours, best.name))
	return steps
