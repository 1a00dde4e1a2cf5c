import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.receipt import Line, ReceiptError, plan_receipt

LINES = [Line("r1", "SOAP", 10), Line("r2", "TEA", 5), Line("r3", "SOAP", 4)]


def test_everything_received():
	receipt = plan_receipt(LINES, None)
	assert receipt.quantities == {"r1": 10, "r2": 5, "r3": 4}
	assert receipt.shortages == {}


def test_short_receipt_fills_lines_in_order_and_reports_the_shortage():
	receipt = plan_receipt(LINES, {"SOAP": 12, "TEA": 5})
	assert receipt.quantities == {"r1": 10, "r2": 5, "r3": 2}
	assert receipt.shortages == {"SOAP": 2}


def test_an_item_left_out_was_not_received():
	receipt = plan_receipt(LINES, {"SOAP": 14})
	assert receipt.quantities == {"r1": 10, "r3": 4}
	assert receipt.shortages == {"TEA": 5}


@pytest.mark.parametrize(
	"received, problem",
	[({"OIL": 1}, "unknown"), ({"TEA": -1}, "negative"), ({"TEA": 5.5}, "too_much")],
)
def test_bad_receipts(received, problem):
	with pytest.raises(ReceiptError) as error:
		plan_receipt(LINES, received)
	assert error.value.problem == problem


@given(st.integers(0, 14), st.integers(0, 5))
def test_received_plus_short_equals_pending(soap, tea):
	receipt = plan_receipt(LINES, {"SOAP": soap, "TEA": tea})
	assert sum(receipt.quantities.values()) + sum(receipt.shortages.values()) == 19
	for line in LINES:
		assert 0 <= receipt.quantities.get(line.row, 0) <= line.pending
