"""The portal's retailer rules (dms_app.core.retailers): cleaning, bad values, duplicates."""

from dms_app.core import retailers as r


def test_clean_strips_and_normalises():
	values = r.clean(
		{"customer_name": "  Shop  ", "mobile_no": "+91 98765-43210", "tax_id": " ab12345 ", "beat": ""}
	)
	assert values == {
		"customer_name": "Shop",
		"mobile_no": "+919876543210",
		"tax_id": "AB12345",
		"beat": None,
	}


def test_problems():
	assert r.problems({"customer_name": "Shop"}) == []
	assert r.problems({"customer_name": None}) == [("customer_name", r.MISSING_NAME)]
	assert r.problems(r.clean({"customer_name": "S", "mobile_no": "12-34"})) == [("mobile_no", r.BAD_MOBILE)]
	assert r.problems({"customer_name": "S", "tax_id": "A B"}) == [("tax_id", r.BAD_TAX_ID)]
	assert r.problems({"customer_name": "S", "address_line1": "1 Road"}) == [("city", r.ADDRESS_WITHOUT_CITY)]
	assert r.problems({"customer_name": "S", "latitude": "91", "longitude": "x"}) == [
		("latitude", r.BAD_COORDINATE),
		("longitude", r.BAD_COORDINATE),
	]


def test_duplicates_compare_mobiles_by_last_ten_digits_and_codes_case_insensitively():
	others = [
		r.Known("C-1", "One", retailer_code="K1", mobile_no="+919876543210", tax_id="TAX11"),
		r.Known("C-2", "Two", retailer_code="K2"),
	]
	found = r.duplicates({"mobile_no": "09876543210", "retailer_code": "k2", "tax_id": "OTHER"}, others)
	assert [(field, other.name) for field, other in found] == [("retailer_code", "C-2"), ("mobile_no", "C-1")]
	# the retailer being edited is not its own duplicate
	assert r.duplicates({"tax_id": "tax11"}, others, editing="C-1") == []
	assert r.duplicates({"mobile_no": None, "tax_id": None}, others) == []


def test_an_address_without_a_state_takes_the_state_of_the_gstin():
	values = r.clean({"address_line1": "12 Market Road", "city": "Pune", "tax_id": "27aaapl1234c1z5"})
	assert values["state"] == "Maharashtra"
	given = r.clean({"address_line1": "x", "city": "y", "state": "Goa", "tax_id": "27AAAPL1234C1Z5"})
	assert given["state"] == "Goa"  # a state given stays
	assert r.clean({"address_line1": "x", "city": "y", "tax_id": "PAN12345"})["state"] is None
	assert r.state_of_gstin("24AAAPL1234C1Z5") == "Gujarat"
	assert r.state_of_gstin("99AAAPL1234C1Z5") is None
