import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from dms_app.core import schemes as s
from dms_app.core.schemes import (
	AMOUNT,
	BILL_VALUE,
	FREE_GOODS,
	MIXED_SLAB,
	PER_PERIOD,
	PERCENTAGE,
	PRIMARY,
	QUANTITY,
	SECONDARY,
	SLAB,
	VALUE,
	Buyer,
	Cart,
	Line,
	Scheme,
	Slab,
)

BUYER = Buyer(
	company="OEM",
	distributor="D1",
	retailer="R1",
	territories=frozenset({"Pune", "Maharashtra", "All Territories"}),
	customer_groups=frozenset({"Kirana", "All Customer Groups"}),
)


def cart(*lines, **kwargs):
	kwargs.setdefault("channel", SECONDARY)
	kwargs.setdefault("date", "2026-11-28")
	kwargs.setdefault("buyer", BUYER)
	return Cart(lines=tuple(lines), **kwargs)


def line(key, item, qty, rate, groups=("Biscuits", "Food", "All Item Groups"), brand=None):
	return Line(key, item, qty, rate, frozenset(groups), brand)


SLABS = (Slab(10, 49, PERCENTAGE, 5), Slab(50, None, PERCENTAGE, 10))


# -- examples -------------------------------------------------------------------------------------


def test_quantity_slab_picks_the_slab_each_line_falls_in():
	scheme = Scheme("S1", SLAB, slabs=SLABS, items=frozenset({"BIS"}))
	out = s.evaluate(
		cart(line("1", "BIS", 9, 10), line("2", "BIS", 10, 10), line("3", "BIS", 60, 10)), [scheme]
	)
	assert out.line_discount("1") == 0
	assert out.line_discount("2") == 5.0
	assert out.line_discount("3") == 60.0
	assert out.by_scheme() == {"S1": 65.0}


def test_value_slab_and_amount_per_unit():
	scheme = Scheme("S1", SLAB, basis=VALUE, slabs=(Slab(1000, None, AMOUNT, 2),))
	out = s.evaluate(cart(line("1", "BIS", 100, 10), line("2", "CAKE", 50, 10)), [scheme])
	assert out.line_discount("1") == 200.0
	assert out.line_discount("2") == 0


def test_mixed_slab_counts_the_basket_together():
	scheme = Scheme("MIX", MIXED_SLAB, slabs=SLABS, item_groups=frozenset({"Biscuits"}))
	lines = [
		line("1", "BIS", 30, 10),
		line("2", "CRACKER", 25, 4),
		line("3", "SOAP", 100, 1, groups=("Home",)),
	]
	out = s.evaluate(cart(*lines), [scheme])
	assert (out.line_discount("1"), out.line_discount("2"), out.line_discount("3")) == (30.0, 10.0, 0)


def test_free_goods_in_whole_multiples_of_the_same_or_another_item():
	same = Scheme("B10G1", FREE_GOODS, buy_qty=10, free_qty=1, items=frozenset({"BIS"}))
	other = Scheme("B5GCUP", FREE_GOODS, buy_qty=5, free_qty=2, free_item="CUP", items=frozenset({"CAKE"}))
	out = s.evaluate(
		cart(line("1", "BIS", 25, 10), line("2", "CAKE", 14, 20), prices={"CUP": 3}), [same, other]
	)
	assert out.free_lines() == [("B10G1", "BIS", 2), ("B5GCUP", "CUP", 4)]
	assert out.by_scheme() == {"B10G1": 20.0, "B5GCUP": 12.0}
	assert out.line_discount("1") == 0


def test_bill_value_on_the_net_after_line_schemes():
	line_scheme = Scheme("L", SLAB, slabs=(Slab(1, None, PERCENTAGE, 10),), items=frozenset({"BIS"}))
	bill = Scheme("BILL", BILL_VALUE, basis=VALUE, slabs=(Slab(500, None, PERCENTAGE, 2),), priority=99)
	out = s.evaluate(cart(line("1", "BIS", 50, 10), line("2", "CAKE", 10, 10)), [bill, line_scheme])
	assert out.line_discount("1") == 50.0
	assert out.bill_discount == round((600 - 50) * 0.02, 2)
	assert out.total_discount == 50.0 + out.bill_discount


def test_two_bill_discounts_together_stay_within_the_bill():
	# found by test_discounts_never_exceed_the_value: each used to be capped on its own
	first = Scheme("B1", BILL_VALUE, basis=VALUE, slabs=(Slab(0, None, PERCENTAGE, 60),))
	second = Scheme("B2", BILL_VALUE, basis=VALUE, slabs=(Slab(0, None, AMOUNT, 50),))
	out = s.evaluate(cart(line("1", "BIS", 1, 100)), [first, second])
	assert out.by_scheme() == {"B1": 60.0, "B2": 40.0}
	assert out.bill_discount == 100.0


def test_exclusive_takes_untouched_lines_and_locks_them():
	high = Scheme("A-HIGH", SLAB, slabs=(Slab(1, None, PERCENTAGE, 10),), priority=10, exclusive=True)
	low = Scheme("B-LOW", SLAB, slabs=(Slab(1, None, PERCENTAGE, 5),), priority=1)
	out = s.evaluate(cart(line("1", "BIS", 10, 10)), [low, high])
	assert [b.scheme for b in out.benefits] == ["A-HIGH"]
	# a combinable scheme first: the exclusive one may not stack on its line
	out = s.evaluate(cart(line("1", "BIS", 10, 10)), [Scheme(**{**low.__dict__, "priority": 20}), high])
	assert [b.scheme for b in out.benefits] == ["B-LOW"]


def test_exclusive_bill_value_only_on_a_cart_that_earned_nothing_else():
	bill = Scheme("BILL", BILL_VALUE, basis=VALUE, slabs=(Slab(1, None, AMOUNT, 5),), exclusive=True)
	line_scheme = Scheme("L", SLAB, slabs=(Slab(1, None, PERCENTAGE, 1),), items=frozenset({"BIS"}))
	assert s.evaluate(cart(line("1", "BIS", 1, 10)), [bill, line_scheme]).by_scheme() == {"L": 0.1}
	assert s.evaluate(cart(line("1", "CAKE", 1, 10)), [bill, line_scheme]).by_scheme() == {"BILL": 5.0}


def test_applicability():
	base = Scheme("S", SLAB, slabs=(Slab(1, None, PERCENTAGE, 10),))
	c = cart(line("1", "BIS", 1, 10, brand="Crunch"))
	yes = [
		base,
		Scheme(**{**base.__dict__, "territories": frozenset({"Maharashtra"})}),
		Scheme(**{**base.__dict__, "customer_groups": frozenset({"Kirana"})}),
		Scheme(**{**base.__dict__, "distributors": frozenset({"D1"}), "retailers": frozenset({"R1"})}),
		Scheme(**{**base.__dict__, "brands": frozenset({"Crunch"})}),
		Scheme(**{**base.__dict__, "item_groups": frozenset({"Food"})}),
		Scheme(**{**base.__dict__, "valid_from": "2026-11-28", "valid_upto": "2026-11-28"}),
		Scheme(**{**base.__dict__, "company": "OEM"}),
	]
	no = [
		Scheme(**{**base.__dict__, "channel": PRIMARY}),
		Scheme(**{**base.__dict__, "territories": frozenset({"Gujarat"})}),
		Scheme(**{**base.__dict__, "distributors": frozenset({"D2"})}),
		Scheme(**{**base.__dict__, "items": frozenset({"CAKE"})}),
		Scheme(**{**base.__dict__, "valid_upto": "2026-11-27"}),
		Scheme(**{**base.__dict__, "coupon_code": "DIWALI"}),
		Scheme(**{**base.__dict__, "company": "Other"}),
	]
	for scheme in yes:
		assert s.evaluate(c, [scheme]).line_discount("1") == 1.0, scheme
	for scheme in no:
		assert s.evaluate(c, [scheme]).benefits == [], scheme
	coupon = Scheme(**{**base.__dict__, "coupon_code": "DIWALI"})
	assert s.evaluate(cart(*c.lines, coupon_codes=frozenset({"diwali"})), [coupon]).line_discount("1") == 1.0


def test_budget_applies_in_full_or_not_at_all():
	scheme = Scheme("S", SLAB, slabs=(Slab(1, None, PERCENTAGE, 10),), budget_type=VALUE, budget_left=15)
	assert s.evaluate(cart(line("1", "BIS", 10, 10)), [scheme]).by_scheme() == {"S": 10.0}
	out = s.evaluate(cart(line("1", "BIS", 10, 10), line("2", "BIS", 10, 10)), [scheme])
	assert out.benefits == [] and out.skipped == {"S": "budget"}
	free = Scheme("F", FREE_GOODS, buy_qty=1, free_qty=1, budget_type=QUANTITY, budget_left=3)
	assert s.evaluate(cart(line("1", "BIS", 4, 1)), [free]).skipped == {"F": "budget"}
	assert s.evaluate(cart(line("1", "BIS", 3, 1)), [free]).free_lines() == [("F", "BIS", 3)]


def test_per_period_rebate_is_not_earned_on_a_cart():
	qps = Scheme("Q", PER_PERIOD, slabs=(Slab(100, 499, AMOUNT, 1), Slab(500, None, PERCENTAGE, 3)))
	assert s.evaluate(cart(line("1", "BIS", 1000, 10)), [qps]).benefits == []
	assert s.period_rebate(qps, 99, 990) == 0
	assert s.period_rebate(qps, 120, 1200) == 120.0
	assert s.period_rebate(qps, 600, 6000) == 180.0


def test_checks_name_every_problem():
	bad = Scheme(
		"S",
		SLAB,
		slabs=(Slab(10, 50, PERCENTAGE, 5), Slab(40, None, PERCENTAGE, 120), Slab(5, 1, AMOUNT, -1)),
		valid_from="2026-12-01",
		valid_upto="2026-11-01",
	)
	problems = s.check_scheme(bad)
	assert "Valid Upto 2026-11-01 is before Valid From 2026-12-01." in problems
	assert "Slabs 1 and 2 overlap." in problems
	assert "Slab 2: a percentage cannot be more than 100." in problems
	assert "Slab 3: To 1 is below From 5." in problems
	assert "Slab 3: the discount cannot be negative." in problems
	assert s.check_scheme(Scheme("S", SLAB)) == ["Add at least one slab."]
	assert s.check_scheme(Scheme("F", FREE_GOODS, buy_qty=0, free_qty=1.5)) == [
		"Buy Quantity must be more than 0.",
		"Free Quantity must be a whole number more than 0.",
	]
	assert s.check_scheme(Scheme("S", SLAB, slabs=SLABS)) == []
	assert s.check_slabs((Slab(0, None), Slab(100, None))) == ["Slabs 1 and 2 overlap."]


# -- properties -----------------------------------------------------------------------------------

ITEMS = ("BIS", "CAKE", "CUP", "SOAP")
GROUPS = {"BIS": ("Biscuits", "Food"), "CAKE": ("Food",), "CUP": ("Home",), "SOAP": ("Home",)}

money = st.floats(min_value=0.01, max_value=500, allow_nan=False).map(lambda x: round(x, 2))
quantity = st.integers(min_value=1, max_value=200).map(float)


@st.composite
def slabs(draw):
	bounds = sorted(draw(st.lists(st.integers(0, 300), min_size=1, max_size=4, unique=True)))
	kinds = [draw(st.sampled_from((PERCENTAGE, AMOUNT))) for _ in bounds]
	result = []
	for index, (low, kind) in enumerate(zip(bounds, kinds, strict=True)):
		high = bounds[index + 1] - 1 if index + 1 < len(bounds) else None
		if high is not None and high < low:
			continue
		discount = draw(st.floats(0, 100)) if kind == PERCENTAGE else draw(st.floats(0, 600))
		result.append(Slab(float(low), None if high is None else float(high), kind, round(discount, 2)))
	return tuple(result)


@st.composite
def a_scheme(draw, name):
	kind = draw(st.sampled_from((SLAB, MIXED_SLAB, FREE_GOODS, BILL_VALUE)))
	items = draw(st.frozensets(st.sampled_from(ITEMS), max_size=2))
	budget_type = draw(st.sampled_from((None, QUANTITY, VALUE)))
	return Scheme(
		name,
		kind,
		basis=draw(st.sampled_from((QUANTITY, VALUE))),
		slabs=draw(slabs()),
		buy_qty=float(draw(st.integers(1, 20))),
		free_qty=float(draw(st.integers(1, 3))),
		free_item=draw(st.sampled_from((None, "CUP"))),
		items=items,
		priority=draw(st.integers(0, 3)),
		exclusive=draw(st.booleans()),
		budget_type=budget_type,
		budget_left=draw(st.floats(0, 5000)) if budget_type else None,
	)


@st.composite
def scenario(draw):
	count = draw(st.integers(1, 8))
	lines = [
		Line(
			str(n),
			(item := draw(st.sampled_from(ITEMS))),
			draw(quantity),
			draw(money),
			frozenset(GROUPS[item]),
		)
		for n in range(count)
	]
	schemes = [draw(a_scheme(f"S{n}")) for n in range(draw(st.integers(1, 6)))]
	return cart(*lines, prices={"CUP": 2.5}), schemes


def _canonical(outcome):
	return sorted(outcome.benefits, key=lambda b: (b.scheme, b.line or "", b.free_item or ""))


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_discounts_never_exceed_the_value(case):
	c, schemes = case
	out = s.evaluate(c, schemes)
	net = 0.0
	for ln in c.lines:
		discount = out.line_discount(ln.key)
		assert 0 <= discount <= ln.value + 1e-6
		net += ln.value - discount
	assert 0 <= out.bill_discount <= net + 1e-6


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_free_quantities_are_whole_multiples(case):
	c, schemes = case
	by_name = {scheme.name: scheme for scheme in schemes}
	for benefit in s.evaluate(c, schemes).benefits:
		if benefit.free_qty:
			scheme = by_name[benefit.scheme]
			multiples = benefit.free_qty / scheme.free_qty
			assert multiples == int(multiples) and multiples >= 1
			assert benefit.free_qty == int(benefit.free_qty)


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_exclusive_schemes_never_stack(case):
	c, schemes = case
	by_name = {scheme.name: scheme for scheme in schemes}
	out = s.evaluate(c, schemes)
	for benefit in out.benefits:
		if not by_name[benefit.scheme].exclusive:
			continue
		if benefit.line is None:
			assert {b.scheme for b in out.benefits} == {benefit.scheme}
		else:
			assert {b.scheme for b in out.benefits if b.line == benefit.line} == {benefit.scheme}


@settings(max_examples=300, deadline=None)
@given(scenario(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_line_or_scheme_order(case, rng: random.Random):
	c, schemes = case
	lines, shuffled = list(c.lines), list(schemes)
	rng.shuffle(lines)
	rng.shuffle(shuffled)
	again = s.evaluate(Cart(c.channel, c.date, c.buyer, tuple(lines), c.coupon_codes, c.prices), shuffled)
	assert _canonical(again) == _canonical(s.evaluate(c, schemes))


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_budgets_hold(case):
	c, schemes = case
	out = s.evaluate(c, schemes)
	for scheme in schemes:
		mine = [b for b in out.benefits if b.scheme == scheme.name]
		if scheme.budget_type == VALUE:
			assert math.fsum(b.value for b in mine) <= scheme.budget_left + 1e-6
		elif scheme.budget_type == QUANTITY:
			assert math.fsum(b.qty for b in mine) <= scheme.budget_left + 1e-6


# -- invoices from the distributor's books, and returns -------------------------------------------


def test_the_books_discount_is_explained_up_to_what_the_schemes_give():
	scheme = Scheme("S1", SLAB, slabs=SLABS, items=frozenset({"BIS"}))
	free = Scheme("F1", FREE_GOODS, buy_qty=10, free_qty=1, free_item="CUP", items=frozenset({"BIS"}))
	bill = Scheme("B1", BILL_VALUE, basis=VALUE, slabs=(Slab(500, None, AMOUNT, 20),))
	# at list price: 60 biscuits at 10 earn 10 % (60), 6 cups free, and 20 off the bill
	out = s.evaluate(
		cart(line("1", "BIS", 60, 10), line("2", "CAKE", 10, 50), prices={"CUP": 5.0}), [scheme, free, bill]
	)
	given = [s.Given("1", 90.0), s.Given("2", 0.0)]  # the books gave 15 % on the biscuits
	found = s.explain(out, given, {"CUP": 4.0}, 20.0, {"CUP": 5.0})
	by_scheme = {(b.scheme, b.line): b for b in found.benefits}
	assert by_scheme[("S1", "1")].discount == 60.0  # all of the scheme's 10 %
	assert by_scheme[("F1", "1")].free_qty == 4.0  # of 6 offered, 4 given: that much is the scheme's
	assert by_scheme[("F1", "1")].value == 20.0
	assert by_scheme[("B1", None)].discount == 20.0
	assert found.unexplained == {"1": 30.0}  # the other 5 % on the biscuits
	assert found.total_unexplained == 30.0


def test_what_no_scheme_gives_is_unexplained_and_rounding_is_not():
	out = s.evaluate(cart(line("1", "BIS", 5, 10)), [])
	found = s.explain(out, [s.Given("1", 0.4)], {"CUP": 2.0}, 15.0, {"CUP": 5.0})
	assert found.benefits == []
	assert found.unexplained == {"free CUP": 10.0, "bill": 15.0}


def test_a_return_gives_back_its_share_of_each_benefit():
	earned = [
		s.Earned(s.Benefit("S1", "row-1", discount=60.0, value=60.0, qty=60.0), "BIS"),
		s.Earned(s.Benefit("F1", "row-1", free_item="CUP", free_qty=6.0, value=30.0, qty=6.0), "BIS"),
		s.Earned(s.Benefit("B1", None, discount=20.0, value=20.0), None),
		s.Earned(s.Benefit("S2", "row-2", discount=10.0, value=10.0), "CAKE"),
	]
	back = s.given_back(earned, {"BIS": 60.0, "CAKE": 10.0}, {"BIS": 15.0}, 1100.0, 150.0)
	assert [(item, b.scheme, b.discount, b.free_qty, b.value) for item, b in back] == [
		("BIS", "S1", -15.0, 0.0, -15.0),
		("BIS", "F1", 0.0, -1.5, -7.5),
		(None, "B1", -2.73, 0.0, -2.73),
	]  # the cakes were not returned: their benefit stays


@given(
	sold=st.integers(min_value=1, max_value=500),
	parts=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=5),
	discount=st.integers(min_value=1, max_value=10000).map(lambda n: n / 100),
)
def test_returns_never_give_back_more_than_was_earned(sold, parts, discount):
	earned = [s.Earned(s.Benefit("S1", "row-1", discount=discount, value=discount, qty=sold), "BIS")]
	returned = 0
	given_back = 0.0
	for part in parts:
		part = min(part, sold - returned)
		if part <= 0:
			break
		returned += part
		[(_, benefit)] = s.given_back(earned, {"BIS": sold}, {"BIS": part}, 1.0, 0.0)
		given_back += benefit.discount
	assert -given_back <= discount + 0.01 * len(parts)
	if returned == sold:
		assert math.isclose(-given_back, discount, abs_tol=0.01 * len(parts))
