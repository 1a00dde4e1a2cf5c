import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.distributor import (
	InvalidCode,
	Problem,
	WarehouseInfo,
	check_warehouses,
	distributor_series,
	gst_series,
	invoice_prefix,
	normalize_code,
	sold_in,
	valid_invoice_prefix,
	warehouse_name_for,
)


@pytest.mark.parametrize(
	"raw, expected",
	[("d001", "D001"), ("  acme-north_2 ", "ACME-NORTH_2"), ("AB", "AB")],
)
def test_normalize_code(raw, expected):
	assert normalize_code(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "  ", "A", "-ABC", "AB C", "AB/C", "X" * 31, "ÄBC"])
def test_normalize_code_rejects(raw):
	with pytest.raises(InvalidCode):
		normalize_code(raw)


@given(st.text())
def test_normalize_code_is_idempotent(raw):
	try:
		once = normalize_code(raw)
	except InvalidCode:
		return
	assert normalize_code(once) == once


PATH = ("Mumbai", "West", "India", "All Territories")

KNOWN = {
	"Main - C": WarehouseInfo("Main - C", "C"),
	"Mine - C": WarehouseInfo("Mine - C", "C", distributor="D1"),
	"Theirs - C": WarehouseInfo("Theirs - C", "C", distributor="D2"),
	"Group - C": WarehouseInfo("Group - C", "C", is_group=True),
	"Other - O": WarehouseInfo("Other - O", "O"),
}


def test_free_and_own_warehouses_are_accepted():
	assert check_warehouses("D1", "C", ["Main - C", "Mine - C"], KNOWN) == []


def test_new_distributor_has_no_name_yet():
	assert check_warehouses(None, "C", ["Main - C"], KNOWN) == []
	[problem] = check_warehouses(None, "C", ["Mine - C"], KNOWN)
	assert problem.problem is Problem.OTHER_DISTRIBUTOR and problem.detail == "D1"


@pytest.mark.parametrize(
	"warehouse, problem, detail",
	[
		("Theirs - C", Problem.OTHER_DISTRIBUTOR, "D2"),
		("Group - C", Problem.IS_GROUP, None),
		("Other - O", Problem.OTHER_COMPANY, "O"),
		("Missing - C", Problem.NOT_FOUND, None),
	],
)
def test_each_problem(warehouse, problem, detail):
	[found] = check_warehouses("D1", "C", [warehouse], KNOWN)
	assert (found.warehouse, found.problem, found.detail) == (warehouse, problem, detail)


def test_duplicates_are_reported_once_per_repeat():
	problems = check_warehouses("D1", "C", ["Main - C", "Main - C", "Main - C"], KNOWN)
	assert [p.problem for p in problems] == [Problem.DUPLICATE, Problem.DUPLICATE]


@given(st.lists(st.sampled_from([*sorted(KNOWN), "Missing - C"]), max_size=8))
def test_every_problem_names_a_requested_warehouse(requested):
	problems = check_warehouses("D1", "C", requested, KNOWN)
	assert all(p.warehouse in requested for p in problems)
	assert len(problems) <= len(requested)


def test_warehouse_name():
	assert warehouse_name_for("D001", "  Acme   Traders ") == "D001 Acme Traders"
	assert warehouse_name_for("D001", "") == "D001"
	assert len(warehouse_name_for("D001", "x" * 300)) == 100


def test_sold_in_territory_tree():
	assert sold_in(frozenset(), PATH)
	assert sold_in(frozenset({"West"}), PATH)  # Mumbai is under West
	assert not sold_in(frozenset({"North"}), PATH)
	assert not sold_in(frozenset({"West"}), ())  # a distributor without territory


def test_distributor_series_puts_the_code_before_the_counter():
	assert distributor_series("ACC-SINV-.YYYY.-", "D-NORTH-01") == "ACC-SINV-.YYYY.-D-NORTH-01-"
	assert distributor_series("ACC-SINV-RET-.YYYY.-", "D1") == "ACC-SINV-RET-.YYYY.-D1-"
	assert distributor_series("MAT-DN-.YYYY.", "D1") == "MAT-DN-.YYYY.D1-"
	assert distributor_series("SINV", "D1") == "SINV-D1-"
	# already the distributor's, or a series that places its own counter, or nothing to number from
	assert distributor_series("ACC-SINV-.YYYY.-D1-", "D1") == "ACC-SINV-.YYYY.-D1-"
	assert distributor_series("SINV-.#####.-X", "D1") is None
	assert distributor_series("", "D1") is None
	assert distributor_series(None, "D1") is None


def test_a_gst_invoice_number_is_at_most_sixteen_characters():
	assert gst_series("DNO01") == "DNO01/.YY./"
	assert len("DNO01/26/00001") <= 16


@pytest.mark.parametrize(
	("code", "taken", "prefix"),
	[
		("D-NORTH-01", set(), "DNORT"),
		("d1", set(), "D1"),
		("T-SS-TALLY-DAY", {"TSSTA"}, "TSST1"),
		("T-SS-TALLY-DAY", {"TSSTA", "TSST1", "TSST2"}, "TSST3"),
		("---", set(), "D"),
	],
)
def test_an_invoice_prefix_is_made_from_the_code_and_never_taken_twice(code, taken, prefix):
	made = invoice_prefix(code, taken)
	assert made == prefix
	assert valid_invoice_prefix(made)
