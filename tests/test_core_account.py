"""The distributor account: statement, ageing, overdue, exposure and the credit rule."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.account import (
	HOLD,
	LIMIT,
	OVERDUE,
	Entry,
	OpenItem,
	Overdue,
	Position,
	ageing,
	bucket,
	check,
	overdue,
	running,
	unbilled,
)

DAY = date(2026, 11, 30)


def entry(day: int, no: str, amount: float, kind: str = "Invoice") -> Entry:
	return Entry(date(2026, 11, day), "Sales Invoice", no, kind, amount)


def test_running_balance_in_date_order_from_the_opening():
	lines = running(100.0, [entry(5, "B", -40, "Payment"), entry(2, "A", 250), entry(5, "A2", 10)])
	assert [(ln.entry.voucher_no, ln.debit, ln.credit, ln.balance) for ln in lines] == [
		("A", 250, 0, 350),
		("A2", 10, 0, 360),
		("B", 0, 40, 320),
	]


@given(st.floats(-1e6, 1e6), st.lists(st.floats(-1e5, 1e5), max_size=30))
def test_closing_is_opening_plus_entries(opening, amounts):
	opening = round(opening, 2)
	entries = [entry(1 + i % 28, f"V{i}", round(a, 2)) for i, a in enumerate(amounts)]
	lines = running(opening, entries)
	closing = lines[-1].balance if lines else opening
	assert abs(closing - (opening + sum(e.amount for e in entries))) < 0.05


def test_buckets_are_days_past_due():
	assert [bucket(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [
		"0-30",
		"0-30",
		"31-60",
		"31-60",
		"61-90",
		"61-90",
		"90+",
		"90+",
	]


def test_ageing_splits_open_items_and_keeps_credits_on_account():
	items = [
		OpenItem("NOT-DUE", DAY + timedelta(days=3), 100),
		OpenItem("TODAY", DAY, 10),
		OpenItem("D45", DAY - timedelta(days=45), 20),
		OpenItem("D75", DAY - timedelta(days=75), 30),
		OpenItem("D120", DAY - timedelta(days=120), 40),
		OpenItem("ADV", None, -25),
	]
	a = ageing(items, DAY)
	assert (a.not_due, a.buckets, a.on_account) == (
		100,
		{"0-30": 10, "31-60": 20, "61-90": 30, "90+": 40},
		-25,
	)
	assert a.total == 175


def test_overdue_beyond_the_allowed_days_only():
	items = [
		OpenItem("A", DAY - timedelta(days=10), 100),
		OpenItem("B", DAY - timedelta(days=40), 50),
		OpenItem("C", DAY - timedelta(days=90), 0),  # paid
		OpenItem("ADV", None, -500),
	]
	assert overdue(items, DAY, 30) == Overdue(50, ("B",), 40)
	assert overdue(items, DAY, 5) == Overdue(150, ("A", "B"), 40)


def test_unbilled_orders_are_those_no_invoice_names():
	assert unbilled([("MR-1", 100), ("MR-2", 50), ("MR-3", 25)], ["MR-2", "MR-9"]) == 125


def test_exposure_and_available_credit():
	p = Position(limit=1000, owed=300, unbilled=200, pending=100)
	assert (p.exposure, p.available) == (500, 400)
	assert Position(limit=0, owed=300, unbilled=0).available is None
	assert Position(limit=1000, owed=-200, unbilled=0).available == 1200  # an advance adds room


def test_check_names_every_reason():
	late = Overdue(75, ("INV-1",), 50)
	p = Position(
		limit=1000, owed=900, unbilled=0, overdue=late, overdue_days=30, hold=True, hold_reason="audit"
	)
	refusals = check(p, 250)
	assert [(r.code, r.amount) for r in refusals] == [(HOLD, 0), (OVERDUE, 75), (LIMIT, 150)]
	assert refusals[0].reason == "audit" and refusals[1].invoices == ("INV-1",)


def test_check_passes_within_the_limit_and_ignores_overdue_when_switched_off():
	late = Overdue(75, ("INV-1",), 50)
	assert check(Position(limit=1000, owed=500, unbilled=0, overdue=late, overdue_days=0), 500) == []
	assert check(Position(limit=0, owed=10**9, unbilled=0), 10**6) == []


@given(st.floats(1, 1e6), st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e6))
def test_two_orders_each_within_the_limit_cannot_together_pass_it(limit, owed, first, second):
	"""Placing the second order counts the first as pending: both pass only if together they fit."""
	limit, owed, first, second = (round(v, 2) for v in (limit, owed, first, second))
	before = Position(limit=limit, owed=owed, unbilled=0)
	after_first = Position(limit=limit, owed=owed, unbilled=0, pending=first)
	both = not check(before, first) and not check(after_first, second)
	if both:
		assert owed + first + second <= limit + 0.01
