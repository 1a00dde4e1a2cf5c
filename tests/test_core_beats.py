"""Beats: visit days, which beats are due, planned calls and the coverage arithmetic."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.beats import (
	WEEKDAYS,
	Call,
	Coverage,
	PositionError,
	Visit,
	VisitDaysError,
	coverage,
	due_beats,
	due_dates,
	due_first,
	format_visit_days,
	is_due,
	parse_visit_days,
	planned_calls,
	position,
	weekday_of,
)

MONDAY = date(2026, 3, 2)  # a Monday


@pytest.mark.parametrize(
	"text, days",
	[
		("Mon, Thu", ("Monday", "Thursday")),
		("thursday/monday", ("Monday", "Thursday")),
		("Tu We", ("Tuesday", "Wednesday")),
		("Mon, Mon, Monday", ("Monday",)),
		("Sat and Sun", ("Saturday", "Sunday")),
		("Thurs.", ("Thursday",)),
		("Daily", WEEKDAYS),
		("every day", WEEKDAYS),
		("", ()),
		(None, ()),
		("  ,  ", ()),
	],
)
def test_visit_days_are_read_in_week_order(text, days):
	assert parse_visit_days(text) == days


@pytest.mark.parametrize(
	"text, unknown", [("Mon, Funday", ("Funday",)), ("T, S", ("T", "S")), ("M0n", ("M0n",))]
)
def test_words_that_are_no_weekday_are_named(text, unknown):
	with pytest.raises(VisitDaysError) as e:
		parse_visit_days(text)
	assert e.value.unknown == unknown
	assert unknown[0] in str(e.value)


@given(st.sets(st.sampled_from(WEEKDAYS)))
def test_formatted_days_read_back_as_the_same_days(days):
	text = format_visit_days(days)
	assert set(parse_visit_days(text)) == days
	assert format_visit_days(parse_visit_days(text)) == text


def test_which_beats_are_due():
	beats = {"North": ("Monday", "Thursday"), "South": ("Tuesday",), "Idle": ()}
	assert weekday_of(MONDAY) == "Monday"
	assert is_due(beats["North"], MONDAY) and not is_due(beats["South"], MONDAY)
	assert due_beats(beats, MONDAY) == ["North"]
	assert due_beats(beats, MONDAY + timedelta(1)) == ["South"]
	assert due_first(beats, MONDAY + timedelta(1)) == ["South", "North", "Idle"]
	assert due_first(beats, MONDAY + timedelta(2)) == ["North", "South", "Idle"]


def test_due_dates_and_planned_calls_over_a_period():
	two_weeks = (MONDAY, MONDAY + timedelta(13))
	assert due_dates(("Monday", "Thursday"), *two_weeks) == [
		MONDAY,
		MONDAY + timedelta(3),
		MONDAY + timedelta(7),
		MONDAY + timedelta(10),
	]
	assert due_dates((), *two_weeks) == []
	assert due_dates(("Monday",), MONDAY + timedelta(1), MONDAY) == []
	calls = planned_calls("North", ("Monday",), ["R1", "R2", "R1"], *two_weeks)
	assert calls == [
		Call("North", "R1", MONDAY),
		Call("North", "R2", MONDAY),
		Call("North", "R1", MONDAY + timedelta(7)),
		Call("North", "R2", MONDAY + timedelta(7)),
	]


@given(st.sets(st.sampled_from(WEEKDAYS)), st.integers(0, 60), st.integers(0, 6))
def test_due_dates_fall_on_the_days_and_miss_none(days, length, offset):
	start = MONDAY + timedelta(offset)
	end = start + timedelta(length)
	found = due_dates(days, start, end)
	every = [start + timedelta(n) for n in range(length + 1)]
	assert found == [d for d in every if weekday_of(d) in days]


def test_coverage_of_a_day():
	planned = planned_calls("North", ("Monday",), ["R1", "R2", "R3"], MONDAY, MONDAY)
	visits = [
		Visit("North", "R1", MONDAY, ordered=True, lines=3),
		Visit("North", "R2", MONDAY),
		Visit("North", "R4", MONDAY),  # not on the beat: a call made, no planned one covered
		Visit("North", "R2", MONDAY),  # a repeat counts once
	]
	result = coverage(planned, visits)
	assert (result.planned, result.visited, result.on_plan, result.off_plan) == (3, 3, 2, 1)
	assert (result.productive, result.lines) == (1, 3)
	assert result.coverage_pct == 66.67
	assert result.productivity_pct == 33.33
	assert result.lines_per_call == 3


def test_nothing_planned_or_visited_gives_no_ratio():
	result = coverage([], [])
	assert (result.coverage_pct, result.productivity_pct, result.lines_per_call) == (None, None, None)
	assert Coverage(1, 1, 1, 1, 2).add(Coverage(1, 0, 0, 0, 0)) == Coverage(2, 1, 1, 1, 2)


calls = st.builds(
	Call, st.sampled_from("AB"), st.sampled_from("RST"), st.sampled_from([MONDAY, MONDAY + timedelta(1)])
)


@given(st.lists(calls), st.lists(st.tuples(calls, st.booleans(), st.integers(0, 9))))
def test_coverage_stays_within_its_bounds(planned, made):
	visits = [Visit(c.beat, c.retailer, c.day, ordered, lines) for c, ordered, lines in made]
	result = coverage(planned, visits)
	assert 0 <= result.on_plan <= min(result.planned, result.visited)
	assert 0 <= result.productive <= result.visited
	assert result.coverage_pct is None or 0 <= result.coverage_pct <= 100
	assert result.productivity_pct is None or 0 <= result.productivity_pct <= 100
	assert result.visited == len({(v.beat, v.retailer, v.day) for v in visits})


def test_a_position_is_both_coordinates_on_earth_or_none():
	assert position(None, None) is None
	assert position(19.07, 72.87, 12) == (19.07, 72.87, 12.0)
	assert position(-90, 180) == (-90.0, 180.0, None)
	for bad in ((19.07, None), (None, 72.87), (91, 0), (0, -181), (float("nan"), 0)):
		with pytest.raises(PositionError):
			position(*bad)
	with pytest.raises(PositionError):
		position(19.07, 72.87, -1)
