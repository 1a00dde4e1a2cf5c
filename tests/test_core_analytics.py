from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_app.core import analytics as a


def test_monthly_periods_are_clipped_to_the_range():
	got = a.periods(date(2026, 1, 15), date(2026, 3, 10), a.MONTHLY)
	assert [(p.key, p.label, p.start, p.end) for p in got] == [
		("m2026_01", "Jan 2026", date(2026, 1, 15), date(2026, 1, 31)),
		("m2026_02", "Feb 2026", date(2026, 2, 1), date(2026, 2, 28)),
		("m2026_03", "Mar 2026", date(2026, 3, 1), date(2026, 3, 10)),
	]


def test_weekly_periods_start_on_monday_and_cross_the_year():
	got = a.periods(date(2026, 12, 30), date(2027, 1, 12), a.WEEKLY)
	assert [(p.key, p.start, p.end) for p in got] == [
		("w2026_53", date(2026, 12, 30), date(2027, 1, 3)),
		("w2027_01", date(2027, 1, 4), date(2027, 1, 10)),
		("w2027_02", date(2027, 1, 11), date(2027, 1, 12)),
	]


def test_quarterly_periods():
	got = a.periods(date(2026, 2, 1), date(2026, 12, 31), a.QUARTERLY)
	assert [(p.label, p.start, p.end) for p in got] == [
		("Q1 2026", date(2026, 2, 1), date(2026, 3, 31)),
		("Q2 2026", date(2026, 4, 1), date(2026, 6, 30)),
		("Q3 2026", date(2026, 7, 1), date(2026, 9, 30)),
		("Q4 2026", date(2026, 10, 1), date(2026, 12, 31)),
	]


def test_bad_ranges_are_refused_with_the_reason():
	with pytest.raises(ValueError, match="range must be one of"):
		a.periods(date(2026, 1, 1), date(2026, 2, 1), "Daily")
	with pytest.raises(ValueError, match="before the start"):
		a.periods(date(2026, 2, 1), date(2026, 1, 1), a.MONTHLY)
	with pytest.raises(ValueError, match="more than 120 weekly periods"):
		a.periods(date(2020, 1, 1), date(2026, 1, 1), a.WEEKLY)


@given(
	st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
	st.integers(min_value=0, max_value=700),
	st.sampled_from(a.RANGES),
)
def test_periods_tile_the_range_and_every_day_finds_its_period(start, length, range_):
	end = start + timedelta(days=length)
	got = a.periods(start, end, range_)
	assert got[0].start == start and got[-1].end == end
	for before, after in pairwise(got):
		assert after.start == before.end + timedelta(days=1)
	assert len({p.key for p in got}) == len(got)
	for offset in (0, length // 3, length // 2, length):
		day = start + timedelta(days=offset)
		found = a.period_of(day, got)
		assert found.start <= day <= found.end
	assert a.period_of(start - timedelta(days=1), got) is None
	assert a.period_of(end + timedelta(days=1), got) is None


def test_comparison_windows():
	assert a.previous_window(date(2026, 3, 1), date(2026, 3, 31)) == (date(2026, 1, 29), date(2026, 2, 28))
	assert a.last_year_window(date(2028, 2, 1), date(2028, 2, 29)) == (date(2027, 2, 1), date(2027, 2, 28))


def test_growth():
	assert a.growth(120, 100) == 20.0
	assert a.growth(50, 100) == -50.0
	assert a.growth(10, -20) == 150.0  # from a net return to a sale is growth
	assert a.growth(10, 0) is None


def test_pivot_sums_by_group_and_period_beside_the_comparison_windows():
	buckets = a.periods(date(2026, 1, 1), date(2026, 2, 28), a.MONTHLY)
	rows = a.pivot(
		[
			("North", date(2026, 1, 3), 100.0),
			("North", date(2026, 2, 3), 50.0),
			("South", date(2026, 2, 27), 30.0),
			("North", date(2026, 1, 20), -20.0),  # a return
			("South", date(2025, 12, 31), 999.0),  # outside: ignored
		],
		buckets,
		previous=[("North", 70.0), ("West", 5.0)],
		last_year=[("South", 15.0)],
	)
	assert [(r.group, r.by_period, r.total, r.previous, r.last_year) for r in rows] == [
		("North", {"m2026_01": 80.0, "m2026_02": 50.0}, 130.0, 70.0, 0.0),
		("South", {"m2026_01": 0.0, "m2026_02": 30.0}, 30.0, 0.0, 15.0),
		("West", {"m2026_01": 0.0, "m2026_02": 0.0}, 0.0, 5.0, 0.0),
	]


def test_channel_balance_classifies_stock_movements():
	balance = a.ChannelBalance(opening=10)
	for voucher_type, qty in (
		("Stock Entry", 100),  # dispatched into the distributor's transit warehouse
		("Stock Entry", -100),  # received: out of transit ...
		("Stock Entry", 100),  # ... into its main warehouse
		("Sales Invoice", -30),
		("Delivery Note", -20),
		("Sales Invoice", 5),  # a credit note
		("Stock Reconciliation", -2),
	):
		a.classify_movement(balance, voucher_type, qty)
	assert (balance.received, balance.sold, balance.returned, balance.adjusted) == (100, 50, 5, -2)
	assert balance.closing == 63
	assert balance.net_sold == 45
	assert balance.build_up == 53


def test_days_of_cover():
	assert a.days_of_cover(60, 30, 30) == 60.0
	assert a.days_of_cover(60, 0, 30) is None
	assert a.days_of_cover(0, 10, 30) == 0.0


def test_stock_positions_roll_up_by_any_key():
	positions = {
		("D1", "SOAP"): a.StockPosition(
			on_hand=10, in_transit=5, value=90, sold_recent=30, oldest_days=40, near_expiry=2
		),
		("D1", "OIL"): a.StockPosition(on_hand=4, value=48, sold_recent=0, oldest_days=None, expired=1),
		("D2", "SOAP"): a.StockPosition(on_hand=6, value=36, sold_recent=6, oldest_days=100),
	}
	by_distributor = a.roll_up(positions, lambda k: k[0])
	d1 = by_distributor["D1"]
	assert (d1.qty, d1.value, d1.sold_recent, d1.oldest_days, d1.near_expiry, d1.expired) == (
		19,
		138,
		30,
		40,
		2,
		1,
	)
	by_item = a.roll_up(positions, lambda k: k[1])
	assert (by_item["SOAP"].qty, by_item["SOAP"].oldest_days) == (21, 100)
	assert a.days_of_cover(by_item["SOAP"].qty, by_item["SOAP"].sold_recent, 30) == 17.5


def test_scheme_return():
	r = a.SchemeReturn(cost=150, during=1350, before=1000)
	assert (r.uplift, r.uplift_pct, r.return_on_cost) == (350, 35.0, 2.33)
	assert a.SchemeReturn(cost=0, during=10, before=0).return_on_cost is None
	assert a.SchemeReturn(cost=100, during=800, before=1000).return_on_cost == -2.0  # sales fell


def test_clip_window():
	nov = (date(2026, 11, 1), date(2026, 11, 30))
	assert a.clip_window(*nov, date(2026, 11, 10), None) == (date(2026, 11, 10), date(2026, 11, 30))
	assert a.clip_window(*nov, None, date(2026, 11, 5)) == (date(2026, 11, 1), date(2026, 11, 5))
	assert a.clip_window(*nov, date(2026, 12, 1), None) is None


def test_targets_spread_over_the_columns_of_a_fiscal_year():
	april_to_march = a.periods(date(2026, 4, 1), date(2027, 3, 31), a.QUARTERLY)
	equal = a.targets_by_period(1200, april_to_march, a.month_shares(None))
	assert [round(v, 6) for v in equal.values()] == [300, 300, 300, 300]
	seasonal = {name: 0 for name in a.MONTH_NAMES} | {"October": 40, "November": 40, "March": 20}
	spread = a.targets_by_period(1000, april_to_march, a.month_shares(seasonal))
	assert [round(v, 6) for v in spread.values()] == [0, 0, 800, 200]
	monthly = a.targets_by_period(
		1200, a.periods(date(2026, 1, 1), date(2026, 12, 31), a.MONTHLY), a.month_shares(None)
	)
	assert len(monthly) == 12 and round(sum(monthly.values()), 6) == 1200
