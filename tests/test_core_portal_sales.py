"""The portal's secondary-sales rules that need no database (dms_app.core.portal_sales)."""

import csv
import io

from dms_app.core import portal_sales as core
from dms_app.core.secondary_sales import CSV_COLUMNS, RowError, csv_to_records, parse_invoices


def test_read_cart_keeps_good_lines_and_names_the_bad_ones():
	lines, problems = core.read_cart(
		[
			{"item_code": "SOAP", "qty": 2},
			{"item_code": "", "qty": ""},  # an empty row the user added
			{"item_code": "TEA", "qty": "1,000.5"},
			{"item_code": "OIL", "qty": 0},
			{"item_code": "", "qty": 3},
			{"item_code": "CUP", "qty": "lots"},
			"junk",
		]
	)
	assert lines == [core.CartLine("SOAP", 2.0), core.CartLine("TEA", 1000.5)]
	assert problems == [
		core.LineProblem(4, "qty", core.QTY_NOT_POSITIVE),
		core.LineProblem(5, "item_code", core.ITEM_REQUIRED),
		core.LineProblem(6, "qty", core.QTY_NOT_NUMBER),
		core.LineProblem(7, "line", core.NOT_A_LINE),
	]


def test_read_cart_needs_a_list_with_a_line():
	assert core.read_cart(None) == ([], [core.LineProblem(None, "lines", core.NO_LINES)])
	assert core.read_cart([{"item_code": "", "qty": None}]) == (
		[],
		[core.LineProblem(None, "lines", core.NO_LINES)],
	)
	for qty in ("nan", "inf", "-1"):
		_lines, problems = core.read_cart([{"item_code": "A", "qty": qty}])
		assert [p.field for p in problems] == ["qty"]
	_lines, problems = core.read_cart(
		[{"item_code": f"I{n}", "qty": 1} for n in range(core.MAX_LINES_PER_INVOICE + 1)]
	)
	assert problems == [core.LineProblem(None, "lines", core.TOO_MANY_LINES)]


def test_shortfalls_add_up_lines_and_free_goods_of_one_item():
	needs = [("SOAP", 5), ("CUP", 1), ("SOAP", 6), ("TEA", 2)]
	assert core.shortfalls(needs, {"SOAP": 10, "CUP": 1, "TEA": 2}) == {"SOAP": (11, 10)}
	assert core.shortfalls([("NEW", 1)], {}) == {"NEW": (1, 0.0)}


def test_schemes_given_sums_discounts_and_free_goods_per_scheme():
	benefits = [
		{"scheme": "S2", "line": "r1", "discount": 10.005, "value": 10.005},
		{"scheme": "S1", "line": None, "discount": 50, "value": 50},
		{"scheme": "S2", "line": "r2", "discount": 5, "value": 5},
		{"scheme": "S3", "line": "r1", "free_item": "CUP", "free_qty": 1, "value": 10},
		{"scheme": "S3", "line": "r2", "free_item": "CUP", "free_qty": 2, "value": 20},
	]
	given = core.schemes_given(benefits)
	assert [g.scheme for g in given] == ["S1", "S2", "S3"]
	assert (given[0].discount, given[0].bill_discount) == (50, 50)
	assert (given[1].discount, given[1].bill_discount, given[1].value) == (15.01, 0, 15.01)
	assert (given[2].discount, given[2].free, given[2].value) == (0, (("CUP", 3.0),), 30)
	assert core.schemes_given([]) == []


CSV = (
	",".join(CSV_COLUMNS)
	+ "\n"
	+ "A-1,2026-11-05,,,,Shop,SOAP,1,,,,\n"
	+ '"",2026-11-05,,,,"Multi\nline shop",SOAP,1,,,,\n'  # no reference; a quoted field spans two lines
	+ "A-2,2026-11-05,,,,Shop,SOAP,-1,,,,\n"
	+ "A-1,2026-11-05,,,,Shop,TEA,x,,,,\n"  # the same invoice again, further down
)


def test_csv_line_numbers_follow_how_the_upload_groups_rows():
	numbers = core.csv_line_numbers(CSV)
	assert numbers == {"A-1": [2, 6], "2": [4], "A-2": [5]}  # a row over two lines: its last
	# the same invoices, in the same order, as the upload reads them
	records = csv_to_records(CSV)
	assert [r["external_ref"] or str(i + 1) for i, r in enumerate(records)] == list(numbers)
	assert [len(r["lines"]) for r in records] == [len(v) for v in numbers.values()]


def test_locate_errors_points_at_the_line_of_the_file():
	errors: list[RowError] = []
	parse_invoices(csv_to_records(CSV), errors)
	results = [{"external_ref": e.invoice, "status": "rejected", "errors": [e.as_dict()]} for e in errors]
	located = core.locate_errors(results, core.csv_line_numbers(CSV))
	found = {(e["invoice"], e["field"]): e["file_line"] for r in located for e in r["errors"]}
	assert found == {("A-1", "qty"): 6, (2, "external_ref"): 4, ("A-2", "qty"): 5}
	# results without errors pass through; errors the file cannot place get None
	assert core.locate_errors([{"external_ref": "Z", "status": "created"}], {}) == [
		{"external_ref": "Z", "status": "created"}
	]
	unknown = core.locate_errors([{"external_ref": "Z", "errors": [{"invoice": "Z", "line": 3}]}], {"Z": [2]})
	assert unknown[0]["errors"][0]["file_line"] is None


def test_template_is_a_csv_the_upload_reads():
	text = core.template_csv(
		{"external_ref": "INV-1", "posting_date": "2026-11-05", "retailer_name": "Shop"}, ["A", "B"]
	)
	rows = list(csv.reader(io.StringIO(text)))
	assert rows[0] == list(CSV_COLUMNS)
	errors: list[RowError] = []
	[invoice] = parse_invoices(csv_to_records(text), errors)
	assert errors == []
	assert [(line.item_code, line.qty) for line in invoice.lines] == [("A", 10), ("B", 5)]
