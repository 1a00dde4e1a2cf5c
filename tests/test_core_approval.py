import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.approval import LEVELS, Order, Rule, matches, route

ASM, RSM, DMS = LEVELS
INDIA = ("Mumbai", "West", "India", "All Territories")

# The example from the issue: small orders need the ASM only, large ones all three levels.
RULES = [
	Rule("asm-all", ASM),
	Rule("rsm-large", RSM, min_value=500_000),
	Rule("dms-large", DMS, min_value=500_000),
]


def levels(order, rules=RULES):
	return [step.level for step in route(order, rules)]


def test_small_order_needs_one_level():
	assert levels(Order(value=20_000, qty=10, territory_path=INDIA)) == [ASM]


def test_large_order_needs_three_levels():
	assert levels(Order(value=750_000, qty=500, territory_path=INDIA)) == [ASM, RSM, DMS]


def test_boundaries_are_inclusive_below_exclusive_above():
	rules = [Rule("mid", RSM, min_value=50_000, max_value=500_000)]
	assert levels(Order(49_999.99, 1), rules) == [DMS]  # no rule matches: top level
	assert levels(Order(50_000, 1), rules) == [RSM]
	assert levels(Order(500_000, 1), rules) == [DMS]


def test_territory_tree_and_most_specific_rule_names_the_approver():
	rules = [
		Rule("india", ASM, territory="India", approver="asm-india@x", sla_hours=48),
		Rule("west", ASM, territory="West", approver="asm-west@x", sla_hours=12),
		Rule("north", ASM, territory="North", approver="asm-north@x"),
	]
	[step] = route(Order(1000, 1, territory_path=INDIA), rules)
	assert (step.approver, step.sla_hours, step.rule) == ("asm-west@x", 12, "west")


def test_priority_breaks_ties_at_the_same_depth():
	rules = [Rule("b", ASM, approver="b@x", priority=5), Rule("a", ASM, approver="a@x", priority=1)]
	assert route(Order(1, 1), rules)[0].approver == "a@x"


def test_quantity_and_item_group_conditions():
	rules = [
		Rule("asm", ASM),
		Rule("bulk", RSM, min_qty=1000),
		Rule("pharma", DMS, item_groups=frozenset({"Scheduled Drugs"})),
	]
	assert levels(Order(10, 999, item_groups=frozenset({"Snacks"})), rules) == [ASM]
	assert levels(Order(10, 1000, item_groups=frozenset({"Snacks"})), rules) == [ASM, RSM]
	assert levels(Order(10, 1, item_groups=frozenset({"Snacks", "Scheduled Drugs"})), rules) == [ASM, DMS]


def test_no_rules_means_top_level():
	assert levels(Order(1, 1), []) == [DMS]


def test_unknown_level_is_an_error():
	with pytest.raises(ValueError):
		route(Order(1, 1), [Rule("x", "Intern")])


rules_strategy = st.lists(
	st.builds(
		Rule,
		name=st.text(min_size=1, max_size=4),
		level=st.sampled_from(LEVELS),
		territory=st.sampled_from([None, *INDIA, "North"]),
		min_value=st.sampled_from([0, 50_000, 500_000]),
		max_value=st.sampled_from([None, 50_000, 500_000]),
		priority=st.integers(0, 3),
	),
	max_size=8,
)
orders = st.builds(Order, value=st.floats(0, 1e7), qty=st.floats(0, 1e4), territory_path=st.just(INDIA))


@given(orders, rules_strategy)
def test_route_is_never_empty_ordered_and_without_repeats(order, rules):
	steps = [step.level for step in route(order, rules)]
	assert steps
	assert steps == sorted(set(steps), key=LEVELS.index)


@given(orders, rules_strategy)
def test_route_does_not_depend_on_rule_order(order, rules):
	assert route(order, rules) == route(order, list(reversed(rules)))


@given(rules_strategy, st.floats(0, 1e6), st.floats(0, 1e6))
def test_a_larger_order_never_needs_fewer_levels_when_rules_have_no_upper_bound(rules, a, b):
	rules = [Rule(r.name, r.level, r.territory, r.min_value, None, priority=r.priority) for r in rules]
	small, large = sorted((a, b))
	small_order, large_order = Order(small, 1, INDIA), Order(large, 1, INDIA)
	if any(matches(rule, small_order) for rule in rules):  # else the small order falls back to the top
		assert set(levels(small_order, rules)) <= set(levels(large_order, rules))
