import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.secondary_sales import (
	BatchError,
	LineIn,
	Retailer,
	RetailerRef,
	csv_to_records,
	hsn_agrees,
	in_posting_order,
	match_retailer,
	parse_invoices,
	tally_to_records,
)

DATA = Path(__file__).parent / "data"


def parse(records):
	errors = []
	return parse_invoices(records, errors), errors


def test_tally_sample():
	errors = []
	invoices = parse_invoices(tally_to_records((DATA / "tally_sales.xml").read_text(), [], errors), errors)
	assert [i.external_ref for i in invoices] == [
		"HT/26-27/101",
		"HT/26-27/102",
		"HT/CN/7",
	]  # receipt skipped
	first = invoices[0]
	assert first.posting_date == "2026-11-05"
	assert first.retailer == RetailerRef(name="Sharma Kirana Store", tax_id="27ABCDE1234F1Z5")
	# each line keeps the amount the books give it, so the posting can be reconciled with it
	assert first.lines == [
		LineIn("Neem Soap 100g", 100, 25, 5, amount=2375),
		LineIn("Assam Tea 250g", 10, 125, 0, amount=1250),
	]
	assert (first.total, first.ledgers) == (3625, [])
	credit = invoices[2]
	assert (credit.is_return, credit.return_against) == (True, "HT/26-27/101")
	# Tally's negative quantity and amounts, as a return
	assert credit.lines == [LineIn("Neem Soap 100g", 10, 25, 5, amount=237.5)]
	assert credit.total == 237.5
	# the broken voucher: every reason at once, including that it has no total to reconcile with
	assert {(e.invoice, e.line, e.field) for e in errors} == {
		("HT/26-27/103", None, "posting_date"),
		("HT/26-27/103", 1, "qty"),
		("HT/26-27/103", None, "books"),
	}


def test_csv_template_gives_the_same_invoices_as_tally():
	from_csv, csv_errors = parse(csv_to_records((DATA / "secondary_sales.csv").read_text()))
	tally_errors = []
	from_tally = parse_invoices(
		tally_to_records((DATA / "tally_sales.xml").read_text(), [], tally_errors), tally_errors
	)

	def strip(invoices):
		# the CSV template carries no figures from the books (line amounts, total) to reconcile with
		return [
			(
				i.external_ref,
				i.posting_date,
				i.retailer.name,
				[replace(line, amount=None, hsn=None) for line in i.lines],
				i.is_return,
				i.return_against,
			)
			for i in invoices
		]

	assert strip(from_csv) == strip(from_tally)
	# the same errors, and from Tally also that the broken voucher has no total
	assert [e.field for e in csv_errors] == [e.field for e in tally_errors if e.field != "books"]


def test_json_shape_and_row_errors():
	records = [
		{
			"external_ref": "A-1",
			"posting_date": "2026-11-05",
			"retailer": {"code": "R-9"},
			"lines": [{"item_code": "SOAP", "qty": "3", "rate": 10}],
		},
		{
			"external_ref": "A-1",
			"posting_date": "2026-11-05",
			"retailer": {"code": "R-9"},
			"lines": [{"item_code": "SOAP", "qty": 1}],
		},
		{
			"external_ref": "A-2",
			"posting_date": "05/11/2026",
			"retailer": {},
			"lines": [{"item_code": "", "qty": "x", "rate": -1, "discount_percentage": 120}],
		},
		"not an invoice",
		{
			"external_ref": "A-3",
			"posting_date": "2026-11-05",
			"retailer": {"mobile": "9876543210"},
			"lines": [],
		},
	]
	invoices, errors = parse(records)
	assert [i.external_ref for i in invoices] == ["A-1"]
	assert invoices[0].lines == [LineIn("SOAP", 3, 10, 0)]
	assert {(e.invoice, e.line, e.field) for e in errors} == {
		("A-1", None, "external_ref"),  # the duplicate inside the batch
		("A-2", None, "retailer"),
		("A-2", 1, "item_code"),
		("A-2", 1, "qty"),
		("A-2", 1, "rate"),
		("A-2", 1, "discount_percentage"),
		(4, None, "invoice"),
		("A-3", None, "lines"),
	}
	assert all(e.message for e in errors)


@pytest.mark.parametrize("text", ["<ENVELOPE><BODY>", "<NOTTALLY/>", ""])
def test_unreadable_xml(text):
	with pytest.raises(BatchError):
		tally_to_records(text)


def test_csv_without_header():
	with pytest.raises(BatchError):
		csv_to_records("A-1,2026-11-05,SOAP,1\n")


def test_batch_must_be_a_list():
	with pytest.raises(BatchError):
		parse_invoices({"external_ref": "x"}, [])


line = st.fixed_dictionaries(
	{
		"item_code": st.sampled_from(["SOAP", "TEA", ""]),
		"qty": st.one_of(st.integers(-2, 50), st.text(max_size=3), st.none()),
	}
)
record = st.fixed_dictionaries(
	{
		"external_ref": st.sampled_from(["A", "B", "C", ""]),
		"posting_date": st.sampled_from(["2026-11-05", "bad", None]),
		"retailer": st.fixed_dictionaries({"code": st.sampled_from(["R1", None])}),
		"lines": st.lists(line, max_size=3),
	}
)


@given(st.lists(record, max_size=8))
def test_invoices_that_pass_are_whole_and_unique(records):
	invoices, errors = parse(json.loads(json.dumps(records)))
	assert len(invoices) <= len(records)
	assert len({i.external_ref for i in invoices}) == len(invoices)
	assert all(i.lines and all(line.qty > 0 for line in i.lines) for i in invoices)
	if not errors:
		assert len(invoices) == len(records)


KNOWN_RETAILERS = [
	Retailer("CUST-1", "D1", "Sharma Kirana Store", code="R-1", tax_id="27AAA", mobile="900"),
	Retailer("CUST-2", "D1", "Gupta General Stores", code="R-2"),
	Retailer("CUST-9", "D2", "Other Town Mart", code="R-9", tax_id="27ZZZ"),
]


@pytest.mark.parametrize(
	"ref, expected",
	[
		(RetailerRef(code="R-1"), ("match", "CUST-1")),
		(RetailerRef(tax_id="27AAA", name="whatever"), ("match", "CUST-1")),
		(RetailerRef(mobile="900"), ("match", "CUST-1")),
		(RetailerRef(name="gupta general stores"), ("match", "CUST-2")),
		(RetailerRef(code="R-NEW", name="New Shop"), ("create", None)),
	],
)
def test_match_retailer(ref, expected):
	assert match_retailer(ref, "D1", KNOWN_RETAILERS) == expected


def test_a_retailer_another_distributor_serves_is_linked_not_made_twice():
	"""One real retailer is one Customer: its tax id (or mobile) found with another distributor links it."""
	assert match_retailer(RetailerRef(tax_id="27ZZZ", name="Other Town Mart"), "D1", KNOWN_RETAILERS) == (
		"link",
		"CUST-9",
	)
	# codes are each distributor's own: another distributor's code is not the same retailer
	assert match_retailer(RetailerRef(code="R-9"), "D1", KNOWN_RETAILERS)[0] == "error"
	assert match_retailer(RetailerRef(code="R-9", name="Fresh Shop"), "D1", KNOWN_RETAILERS) == (
		"create",
		None,
	)
	twins = [*KNOWN_RETAILERS, Retailer("CUST-8", "D3", "Twin", tax_id="27ZZZ")]
	status, message = match_retailer(RetailerRef(tax_id="27ZZZ", name="x"), "D1", twins)
	assert status == "error" and "CUST-8, CUST-9" in message


def test_unknown_retailer_without_name_is_an_error():
	assert match_retailer(RetailerRef(mobile="111"), "D1", KNOWN_RETAILERS)[0] == "error"


def test_posting_order_is_by_date_then_batch_order():
	records = [
		{
			"external_ref": ref,
			"posting_date": date,
			"retailer": {"name": "Shop"},
			"lines": [{"item_code": "X", "qty": 1}],
		}
		for ref, date in (("A", "2026-11-05"), ("B", "2026-11-03"), ("C", "2026-11-05"), ("D", "2026-11-03"))
	]
	invoices, errors = parse(records)
	assert not errors
	assert [i.external_ref for i in in_posting_order(invoices)] == ["B", "D", "A", "C"]


@given(st.lists(st.dates().map(str), max_size=30))
def test_posting_order_keeps_every_invoice_once_and_sorts_by_date(dates):
	records = [
		{
			"external_ref": f"R{n}",
			"posting_date": date,
			"retailer": {"name": "Shop"},
			"lines": [{"item_code": "X", "qty": 1}],
		}
		for n, date in enumerate(dates)
	]
	invoices, _ = parse(records)
	ordered = in_posting_order(invoices)
	assert sorted(i.external_ref for i in ordered) == sorted(i.external_ref for i in invoices)
	assert [i.posting_date for i in ordered] == sorted(i.posting_date for i in invoices)


def test_a_day_of_tally_gives_the_sales_and_lists_what_it_leaves_out():
	skipped, errors = [], []
	day = (DATA / "tally" / "day_2026-11-05.xml").read_text(encoding="utf-8")
	records = tally_to_records(day, skipped, errors)
	assert [r["external_ref"] for r in records] == [
		"HT/26-27/101",
		"HT/26-27/102",
		"HT/26-27/103",
		"HT/CN/7",
		"HT/26-27/107",
	]
	assert {(v["external_ref"], v["voucher_type"]) for v in skipped} == {
		("HT/26-27/104", "Sales"),
		("HT/26-27/105", "Sales"),
		("HT/26-27/098", "Sales"),
		("HT/26-27/106", "Sales"),
		("RCPT/26-27/55", "Receipt"),
		("JV/26-27/12", "Journal"),
	}
	assert all(v["reason"] for v in skipped)
	[unit] = errors  # a compound unit it has no conversion for: that voucher only
	assert (unit.invoice, unit.field) == ("HT/26-27/108", "qty")
	with pytest.raises(BatchError, match="HT/26-27/108"):
		tally_to_records(day)  # without a list for row errors, the file is refused with the reason


@pytest.mark.parametrize(
	("books", "item", "agrees"),
	[
		("34011190", "34011190", True),
		("3401", "34011190", True),
		("0902 10", "090210", True),
		("1006", "1514", False),
	],
)
def test_an_hsn_code_agrees_with_the_items_or_its_heading(books, item, agrees):
	assert hsn_agrees(books, item) is agrees
