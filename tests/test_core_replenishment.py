import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_app.core import replenishment as r

TODAY = date(2026, 3, 15)


def test_history_is_the_window_or_the_days_since_trading_began():
	assert r.history_days(30, None, TODAY) == 30
	assert r.history_days(30, date(2025, 1, 1), TODAY) == 30
	assert r.history_days(30, date(2026, 3, 6), TODAY) == 10  # 6th to 15th, both included
	assert r.history_days(30, TODAY, TODAY) == 1
	assert r.history_days(30, date(2026, 4, 1), TODAY) == 1  # a date after today: still 1
	assert r.history_days(0, None, TODAY) == 1


def test_suggestion_tops_the_pipeline_up_to_the_days_of_cover():
	# 60 sold in 30 days = 2 a day; 15 days of cover = 30; 10 on hand, 4 in transit, 6 on order = 20
	s = r.suggest(60, 30, 15, on_hand=10, in_transit=4, on_order=6)
	assert (s.daily, s.target, s.pipeline, s.qty) == (2, 30, 20, 10)


def test_nothing_suggested_without_history_or_when_covered():
	assert r.suggest(0, 30, 15, on_hand=0).qty == 0
	assert r.suggest(0, 30, 15).daily == 0
	assert r.suggest(60, 30, 15, on_hand=30).qty == 0
	assert r.suggest(60, 30, 15, on_hand=100).qty == 0  # over-stocked is 0, not negative
	assert r.suggest(60, 30, 0).qty == 0  # no cover wanted


def test_returns_beyond_sales_and_negative_stock_count_as_nothing():
	assert r.suggest(-5, 30, 15).qty == 0
	# -4 on hand (a data error) is treated as none on hand, not as extra need
	assert r.suggest(30, 30, 10, on_hand=-4).qty == 10


def test_rounding_to_whole_units_and_minimum_order():
	# 1 sold over 3 days, 10 days cover: 3.33 -> 4 whole units
	assert r.suggest(1, 3, 10).qty == 4
	assert r.suggest(1, 3, 10, whole=False).qty == 3.334
	# exactly 3 does not become 4 through float noise
	assert r.suggest(0.9, 3, 10).qty == 3
	# minimum order quantity lifts a small need, and is itself rounded up
	assert r.suggest(1, 3, 10, min_order_qty=12).qty == 12
	assert r.suggest(1, 3, 10, min_order_qty=2.5).qty == 4
	assert r.suggest(1, 3, 10, min_order_qty=12.5).qty == 13
	# but does not create a need that is not there
	assert r.suggest(0, 30, 15, min_order_qty=12).qty == 0


def test_young_distributor_is_averaged_over_its_trading_days():
	history = r.history_days(30, date(2026, 3, 11), TODAY)  # 5 days
	assert r.suggest(50, history, 15).qty == 150


def test_round_up():
	assert r.round_up(0) == 0
	assert r.round_up(-1) == 0
	assert r.round_up(2.0000000001) == 2
	assert r.round_up(2.01) == 3
	assert r.round_up(2.0001, whole=False) == 2.001


def test_cover_days_prefers_the_distributors_own_norm():
	assert r.cover_days_for(None, 15) == 15
	assert r.cover_days_for(0, 15) == 15
	assert r.cover_days_for(21, 15) == 21
	assert r.cover_days_for(None, -3) == 0


@given(
	sold=st.floats(-1e4, 1e6, allow_nan=False),
	history=st.integers(-5, 400),
	cover=st.integers(-5, 400),
	on_hand=st.floats(-1e5, 1e6, allow_nan=False),
	in_transit=st.floats(0, 1e6, allow_nan=False),
	on_order=st.floats(0, 1e6, allow_nan=False),
	moq=st.floats(0, 1e3, allow_nan=False),
	whole=st.booleans(),
)
def test_suggestion_is_never_negative_and_covers_the_target(
	sold, history, cover, on_hand, in_transit, on_order, moq, whole
):
	s = r.suggest(sold, history, cover, on_hand, in_transit, on_order, moq, whole)
	assert s.qty >= 0
	assert math.isfinite(s.qty)
	if s.qty:
		# ordering the suggestion brings the pipeline up to the target, and at least the minimum
		assert s.pipeline + s.qty >= s.target - 1e-6 * max(1, s.target)
		assert s.qty >= moq - 1e-9
		if whole:
			assert s.qty == int(s.qty)
	else:
		assert s.pipeline >= s.target - 1e-6 * max(1, s.target)


@given(
	sold=st.floats(0, 1e5, allow_nan=False),
	stock=st.floats(0, 1e5, allow_nan=False),
	more=st.floats(0, 1e5, allow_nan=False),
)
def test_more_stock_never_raises_the_suggestion(sold, stock, more):
	assert r.suggest(sold, 30, 15, on_hand=stock + more).qty <= r.suggest(sold, 30, 15, on_hand=stock).qty


def test_parse_cart_adds_up_lines_of_the_same_item():
	cart = r.parse_cart(
		[{"item_code": " A ", "qty": 2}, {"item_code": "B", "qty": "1.5"}, {"item_code": "A", "qty": 3}]
	)
	assert cart == {"A": 5, "B": 1.5}
	assert list(cart) == ["A", "B"]


@pytest.mark.parametrize(
	("lines", "problem"),
	[
		(None, "empty"),
		([], "empty"),
		([{"qty": 1}], "no_item"),
		([{"item_code": "  ", "qty": 1}], "no_item"),
		([{"item_code": 5, "qty": 1}], "no_item"),
		(["A"], "no_item"),
		([{"item_code": "A", "qty": 0}], "bad_qty"),
		([{"item_code": "A", "qty": -1}], "bad_qty"),
		([{"item_code": "A", "qty": "lots"}], "bad_qty"),
		([{"item_code": "A", "qty": None}], "bad_qty"),
		([{"item_code": "A", "qty": True}], "bad_qty"),
		([{"item_code": "A", "qty": float("nan")}], "bad_qty"),
		([{"item_code": "A", "qty": float("inf")}], "bad_qty"),
		([{"item_code": "A"}], "bad_qty"),
	],
)
def test_parse_cart_refuses_bad_lines(lines, problem):
	with pytest.raises(r.CartError) as e:
		r.parse_cart(lines)
	assert e.value.problem == problem


def test_parse_cart_limits_the_number_of_items():
	lines = [{"item_code": f"I{n}", "qty": 1} for n in range(4)]
	assert len(r.parse_cart(lines, max_lines=4)) == 4
	with pytest.raises(r.CartError) as e:
		r.parse_cart(lines, max_lines=3)
	assert e.value.problem == "too_many"
