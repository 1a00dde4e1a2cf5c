from hypothesis import given
from hypothesis import strategies as st

from dms_app.core import inbound
from dms_app.core.inbound import CREDIT, DISPATCH, ITEM, PRICE, check, compare_versions


def problems_of(records, spec, key):
	return [(p.index, p.field, p.reason) for p in check(records, spec, key)[1]]


def test_clean_records_pass():
	clean, problems = check(
		[
			{"item_code": " A1 ", "rate": "12.5", "version": 3},
			{"item_code": "B", "rate": 0, "version": "2026-01-01T10:00:00"},
		],
		PRICE,
		"item_code",
	)
	assert problems == []
	assert clean[0] == {"item_code": "A1", "rate": 12.5, "version": "3"}


def test_every_problem_is_reported_with_index_and_field():
	records = [
		{"item_code": "A", "rate": -1, "version": 1},
		{"rate": "x", "version": 1},
		{"item_code": "A", "rate": 1, "version": 1},
		"not an object",
		{"item_code": "C", "rate": 1, "version": True, "colour": "red"},
	]
	assert problems_of(records, PRICE, "item_code") == [
		(0, "rate", "must be at least 0"),
		(1, "item_code", "is required"),
		(1, "rate", "must be a number"),
		(2, "item_code", "repeats record 0"),
		(3, "", "must be an object"),
		(4, "colour", "unknown field"),
		(4, "version", "must be a number or an ISO timestamp"),
	]


def test_batch_shape():
	assert problems_of({"item_code": "A"}, ITEM, "item_code") == [(-1, "", "send a list of records")]
	assert problems_of([], ITEM, "item_code") == [(-1, "", "the list is empty")]
	too_many = [{"item_code": str(i), "version": 1} for i in range(inbound.MAX_RECORDS + 1)]
	assert problems_of(too_many, ITEM, "item_code")[0][2].startswith("at most")


def test_kinds():
	assert problems_of(
		[{"distributor": "D", "credit_limit": float("nan"), "version": 1}], CREDIT, "distributor"
	) == [(0, "credit_limit", "must be a number")]
	assert problems_of([{"item_code": "A", "disabled": 2, "version": 1}], ITEM, "item_code") == [
		(0, "disabled", "must be 0 or 1")
	]
	bad = [{"stock_entry": "SE", "status": "Lost", "eta": "tomorrow", "version": 1}]
	assert problems_of(bad, DISPATCH, "stock_entry") == [
		(0, "status", "must be one of " + ", ".join(inbound.LOGISTICS_STATUSES)),
		(0, "eta", "must be an ISO date or date-time"),
	]
	clean, _ = check(
		[{"stock_entry": "SE", "status": "Delivered", "eta": "2026-12-01 10:00:00", "version": 1}],
		DISPATCH,
		"stock_entry",
	)
	assert clean[0]["eta"].day == 1


def test_compare_versions():
	assert compare_versions("2", None) == 1
	assert compare_versions("10", "9") == 1  # numbers as numbers, not text
	assert compare_versions("9", "9.0") == 0
	assert compare_versions("8", "9") == -1
	assert compare_versions("2026-02-01T00:00:00", "2026-01-31T23:59:59") == 1


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_compare_versions_is_antisymmetric(a, b):
	assert compare_versions(str(a), str(b)) == -compare_versions(str(b), str(a))


def test_account_records_date_names_amounts_and_bounds():
	clean, problems = inbound.check(
		[
			{
				"invoice": "INV-1",
				"distributor": "D",
				"posting_date": "2026-11-05",
				"amount": "1180.50",
				"orders": ["MR-1", " MR-2 "],
				"version": 1,
			},
			{
				"invoice": "INV-2",
				"distributor": "D",
				"posting_date": "5/11/2026",
				"amount": 1e15,
				"version": 1,
			},
			{"invoice": "INV-3", "distributor": "D", "orders": ["MR-1", "MR-1"], "version": 1},
		],
		inbound.OEM_INVOICE,
		"invoice",
	)
	assert clean[0]["orders"] == ["MR-1", "MR-2"] and clean[0]["amount"] == 1180.5
	assert str(clean[0]["posting_date"]) == "2026-11-05"
	assert {(p.index, p.field) for p in problems} == {(1, "posting_date"), (1, "amount"), (2, "orders")}
	clean, problems = inbound.check(
		[{"payment": "P", "distributor": "D", "invoices": {"INV-1": 10, "INV-2": 0}, "version": 1}],
		inbound.OEM_PAYMENT,
		"payment",
	)
	assert [(p.field, p.reason) for p in problems] == [("invoices", "INV-2: must be at least 0.01")]


# -- orders from outside channels (dms_app.api.retail_orders) -----------------------------------------


def _order(**fields):
	record = {
		"channel": "ONDC",
		"channel_order_id": "O-1",
		"buyer": {"name": "Shop", "gstin": "29ABCDE1234F1Z5", "mobile": "98450 12345"},
		"lines": [{"item_code": "TEA", "qty": 2}],
	}
	record.update(fields)
	return record


def test_channel_order_nests_buyer_and_lines():
	clean, problems = check(
		[_order(ordered_at="2026-12-01T10:30:00", remarks=" leave at the door ")],
		inbound.RETAIL_ORDER,
		inbound.CHANNEL_KEY,
	)
	assert problems == []
	assert clean[0]["buyer"] == {"name": "Shop", "gstin": "29ABCDE1234F1Z5", "mobile": "98450 12345"}
	assert clean[0]["lines"] == [{"item_code": "TEA", "qty": 2.0}]
	assert clean[0]["ordered_at"].hour == 10 and clean[0]["remarks"] == "leave at the door"


def test_channel_order_problems_name_their_nested_path():
	records = [
		_order(buyer={"gstin": "X", "colour": "red"}, lines=[{"item_code": "TEA", "qty": 0}, "TEA"]),
		_order(channel="ON:DC", buyer="Shop", lines=[]),
		_order(channel_order_id="x" * 91, lines={"item_code": "TEA"}),
		_order(),
		_order(channel="Amazon"),  # another channel may use the same order id
		_order(),
	]
	forbidden = "must not hold any of ':', '<', '>', '\\n', '\\r'"
	assert problems_of(records, inbound.RETAIL_ORDER, inbound.CHANNEL_KEY) == [
		(0, "buyer.colour", "unknown field"),
		(0, "buyer.name", "is required"),
		(0, "lines[0].qty", "must be at least 0.001"),
		(0, "lines[1]", "must be an object"),
		(1, "channel", forbidden),
		(1, "buyer", "must be an object"),
		(1, "lines", "is required"),
		(2, "channel_order_id", "must be at most 90 characters"),
		(2, "lines", "must be a list of objects"),
		(3, "channel_order_id", "repeats record 0"),
		(5, "channel_order_id", "repeats record 0"),
	]
	too_many = [{"item_code": str(i), "qty": 1} for i in range(inbound.MAX_ORDER_LINES + 1)]
	assert problems_of([_order(lines=too_many)], inbound.RETAIL_ORDER, inbound.CHANNEL_KEY) == [
		(0, "lines", f"must have at most {inbound.MAX_ORDER_LINES} entries")
	]


def test_buyer_is_matched_by_gstin_then_mobile():
	from dms_app.core.channel_orders import Known, match_buyer

	known = [
		Known("C-1", "29ABCDE1234F1Z5", "+91 98450 12345"),
		Known("C-2", None, "9845099999"),
		Known("C-3", "27ZZZZZ9999Z1Z1", "9000000001"),
	]
	assert match_buyer("29abcde1234f1z5", None, known).customer == "C-1"
	assert match_buyer("29ABCDE1234F1Z5", "09845012345", known).customer == "C-1"
	assert match_buyer(None, "98450-99999", known).customer == "C-2"
	assert match_buyer("29NEWGS1234F1Z5", "9845099999", known).customer == "C-2"  # its GSTIN is blank
	assert match_buyer("29NEWGS1234F1Z5", "9111111111", known) == match_buyer(None, None, known)
	assert match_buyer(None, None, known).customer is None
	clash = match_buyer("29ABCDE1234F1Z5", "9845099999", known)
	assert clash.customer is None and "C-1" in clash.conflict and "C-2" in clash.conflict
	other = match_buyer("29NEWGS1234F1Z5", "9000000001", known)
	assert other.customer is None and "27ZZZZZ9999Z1Z1" in other.conflict
	twins = [Known("C-4", "29ABCDE1234F1Z5", "1"), *known]
	assert "several" in match_buyer("29ABCDE1234F1Z5", None, twins).conflict
	assert match_buyer("29ABCDE1234F1Z5", "9845012345", twins).customer == "C-1"


def test_fingerprint_tells_a_repeat_from_another_order():
	from dms_app.core.channel_orders import fingerprint

	a = _order(lines=[{"item_code": "TEA", "qty": 2}, {"item_code": "SOAP", "qty": 1}])
	b = _order(lines=[{"qty": 1.0, "item_code": "SOAP"}, {"item_code": "TEA", "qty": 2}], remarks="x")
	assert fingerprint(a) == fingerprint(b)
	assert fingerprint(a) != fingerprint(_order(lines=[{"item_code": "TEA", "qty": 3}]))


def test_a_required_text_of_blanks_is_missing():
	assert problems_of(
		[_order(channel="  ", buyer={"name": " "})], inbound.RETAIL_ORDER, inbound.CHANNEL_KEY
	) == [
		(0, "channel", "is required"),
		(0, "buyer.name", "is required"),
	]
