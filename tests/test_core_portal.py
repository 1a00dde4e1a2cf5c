import csv
import io
from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dms_app.core import portal

TODAY = date(2026, 3, 15)


def test_month_bounds_handles_month_ends_and_leap_years():
	assert portal.month_bounds(TODAY) == (date(2026, 3, 1), date(2026, 3, 31))
	assert portal.month_bounds(date(2028, 2, 29)) == (date(2028, 2, 1), date(2028, 2, 29))
	assert portal.month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))


def test_last_months_are_oldest_first_and_cross_the_year():
	months = portal.last_months(date(2026, 2, 10), 3)
	assert months == [
		(date(2025, 12, 1), date(2025, 12, 31)),
		(date(2026, 1, 1), date(2026, 1, 31)),
		(date(2026, 2, 1), date(2026, 2, 28)),
	]


def test_oldest_receipt_in_stock_is_fifo():
	receipts = [(date(2026, 1, 1), 10), (date(2026, 2, 1), 5), (date(2026, 3, 1), 5)]
	# 8 on hand: the 5 of March and 3 of February remain
	assert portal.oldest_receipt_in_stock(receipts, 8) == date(2026, 2, 1)
	assert portal.oldest_receipt_in_stock(receipts, 5) == date(2026, 3, 1)
	assert portal.oldest_receipt_in_stock(receipts, 11) == date(2026, 1, 1)
	# more on hand than received (opening stock): the oldest receipt
	assert portal.oldest_receipt_in_stock(receipts, 100) == date(2026, 1, 1)
	assert portal.oldest_receipt_in_stock(receipts, 0) is None
	assert portal.oldest_receipt_in_stock([], 4) is None


@given(
	st.lists(
		st.tuples(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(1, 100)), min_size=1, max_size=20
	),
	st.integers(1, 3000),
)
def test_the_receipts_since_the_oldest_in_stock_cover_what_is_on_hand(receipts, on_hand):
	oldest = portal.oldest_receipt_in_stock(receipts, on_hand)
	since = sum(q for d, q in receipts if d >= oldest)
	after = sum(q for d, q in receipts if d > oldest)
	assert since >= on_hand or oldest == min(d for d, _q in receipts)
	# and it is the newest such date: the receipts after it alone do not cover the stock
	assert after < on_hand


def test_ageing_buckets():
	assert [portal.ageing_bucket(d) for d in (None, 0, 30, 31, 60, 61, 90, 91)] == [
		None,
		"0-30",
		"0-30",
		"31-60",
		"31-60",
		"61-90",
		"61-90",
		"90+",
	]


def test_expiry_status():
	assert portal.expiry_status(None, TODAY) is None
	assert portal.expiry_status(TODAY - timedelta(days=1), TODAY) == portal.EXPIRED
	assert portal.expiry_status(TODAY, TODAY) == portal.NEAR_EXPIRY
	assert portal.expiry_status(TODAY + timedelta(days=30), TODAY) == portal.NEAR_EXPIRY
	assert portal.expiry_status(TODAY + timedelta(days=31), TODAY) == portal.OK


def _bins():
	return [
		{"item_code": "TEA", "item_name": "Tea", "warehouse": "W1", "actual_qty": 8, "stock_value": 800},
		{"item_code": "SOAP", "item_name": "Soap", "warehouse": "W1", "actual_qty": 5, "stock_value": 250},
		{"item_code": "GONE", "item_name": "Gone", "warehouse": "W1", "actual_qty": 0, "stock_value": 0},
	]


def test_inventory_lines_carry_age_batches_and_the_worst_warning():
	receipts = [
		{"item_code": "TEA", "warehouse": "W1", "posting_date": date(2026, 1, 14), "qty": 4},
		{"item_code": "TEA", "warehouse": "W1", "posting_date": date(2026, 3, 5), "qty": 6},
		{"item_code": "SOAP", "warehouse": "W1", "posting_date": date(2026, 3, 1), "qty": 5},
	]
	batches = [
		{"item_code": "TEA", "warehouse": "W1", "batch_no": "B2", "qty": 6, "expiry_date": date(2026, 4, 1)},
		{"item_code": "TEA", "warehouse": "W1", "batch_no": "B1", "qty": 2, "expiry_date": date(2026, 12, 1)},
		{"item_code": "TEA", "warehouse": "W1", "batch_no": "B0", "qty": 0, "expiry_date": date(2026, 1, 1)},
	]
	lines = portal.inventory(_bins(), receipts, batches, TODAY)
	assert [(line.item_code, line.qty) for line in lines] == [("SOAP", 5), ("TEA", 8)]
	soap, tea = lines
	assert soap.age_days == 14 and soap.batches == [] and soap.warning is None
	assert tea.age_days == 60 and tea.ageing_bucket == "31-60"
	assert [b.batch_no for b in tea.batches] == ["B2", "B1"]  # soonest expiry first, empty batch dropped
	assert tea.batches[0].status == portal.NEAR_EXPIRY and tea.batches[0].days_to_expiry == 17
	assert tea.warning == portal.NEAR_EXPIRY


def test_inventory_csv_has_a_row_per_batch():
	batches = [
		{"item_code": "TEA", "warehouse": "W1", "batch_no": "B1", "qty": 3, "expiry_date": date(2026, 3, 1)},
		{"item_code": "TEA", "warehouse": "W1", "batch_no": "B2", "qty": 5.5, "expiry_date": None},
	]
	text = portal.inventory_csv(portal.inventory(_bins(), [], batches, TODAY))
	rows = list(csv.reader(io.StringIO(text)))
	assert rows[0] == list(portal.CSV_HEADER)
	assert rows[1] == ["SOAP", "Soap", "W1", "5", "", "250", "", "", "", "", ""]
	assert rows[2][7:] == ["B1", "3", "2026-03-01", "expired"]
	assert rows[3][7:] == ["B2", "5.5", "", ""]


def test_top_items_nets_returns_and_ranks_by_value():
	rows = [
		{"item_code": "A", "qty": 5, "value": 50},
		{"item_code": "B", "qty": 1, "value": 80},
		{"item_code": "A", "qty": 4, "value": 40},
		{"item_code": "C", "qty": 2, "value": 20},
		{"item_code": "C", "qty": -2, "value": -20},
		{"item_code": "D", "qty": 1, "value": 90},
	]
	top = portal.top_items(rows, limit=2)
	assert [(t["item_code"], t["qty"], t["value"]) for t in top] == [("A", 9, 90), ("D", 1, 90)]
	assert [t["item_code"] for t in portal.top_items(rows)] == ["A", "D", "B"]


def test_bar_heights_and_sell_through():
	assert portal.bar_heights([50, 100, 0, -5]) == [50.0, 100.0, 0.0, 0.0]
	assert portal.bar_heights([0, 0]) == [0.0, 0.0]
	assert portal.sell_through(200, 150) == 75.0
	assert portal.sell_through(0, 150) is None


def test_timeline_orders_events_and_dates_draft_dispatches_by_creation():
	t0 = datetime(2026, 3, 1, 9)
	events = portal.timeline(
		t0,
		"d@x",
		[
			{"state": "Draft", "next_state": "Pending DMS Manager Approval", "at": t0 + timedelta(hours=1)},
			{
				"state": "Pending DMS Manager Approval",
				"next_state": "Approved",
				"at": t0 + timedelta(hours=5),
			},
		],
		[
			{"name": "SE-2", "docstatus": 0, "creation": t0 + timedelta(hours=6), "at": None},
			{
				"name": "SE-1",
				"docstatus": 1,
				"creation": t0 + timedelta(hours=5),
				"at": t0 + timedelta(hours=8),
			},
			{"name": "SE-0", "docstatus": 2, "creation": t0, "at": t0},
		],
		[{"name": "SE-3", "at": t0 + timedelta(days=2)}],
	)
	assert [(e.kind, e.data.get("name")) for e in events] == [
		("placed", None),
		("moved", None),
		("moved", None),
		("dispatch_drafted", "SE-2"),
		("dispatched", "SE-1"),
		("received", "SE-3"),
	]


def test_stage():
	assert portal.stage("Draft", False, False, False) == "draft"
	assert portal.stage("Pending Area Sales Manager Approval", False, False, False) == "pending"
	assert portal.stage("Approved", False, False, False) == "approved"
	assert portal.stage("Approved", True, False, False) == "in_transit"
	assert portal.stage("Approved", True, False, True) == "partly_received"
	assert portal.stage("Approved", True, True, True) == "received"
	assert portal.stage("Rejected", False, False, False) == "rejected"
	assert portal.stage("Cancelled", True, False, False) == "cancelled"
