"""A distributor's retailer as the portal edits it: which values are acceptable, and which other
retailers of the same distributor a new or edited one would duplicate.

Retailers are matched on upload by code, tax id, mobile number and name, in that order
(dms_app.core.secondary_sales.match_retailer); two retailers of one distributor sharing a code, a tax
id or a mobile number would make that matching ambiguous, so the portal refuses them.

Problems are returned as (field, code) pairs; the caller words them (and translates them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MISSING_NAME = "missing_name"
BAD_MOBILE = "bad_mobile"
BAD_TAX_ID = "bad_tax_id"
ADDRESS_WITHOUT_CITY = "address_without_city"
BAD_COORDINATE = "bad_coordinate"
DUPLICATE = "duplicate"

NAME_MAX = 140
MOBILE_DIGITS = (7, 15)
TAX_ID_PATTERN = re.compile(r"^[A-Z0-9/-]{5,20}$")

# A GSTIN begins with the code of the state it is registered in (GST's state codes).
GST_STATES = {
	"01": "Jammu and Kashmir", "02": "Himachal Pradesh", "03": "Punjab", "04": "Chandigarh",
	"05": "Uttarakhand", "06": "Haryana", "07": "Delhi", "08": "Rajasthan", "09": "Uttar Pradesh",
	"10": "Bihar", "11": "Sikkim", "12": "Arunachal Pradesh", "13": "Nagaland", "14": "Manipur",
	"15": "Mizoram", "16": "Tripura", "17": "Meghalaya", "18": "Assam", "19": "West Bengal",
	"20": "Jharkhand", "21": "Odisha", "22": "Chhattisgarh", "23": "Madhya Pradesh", "24": "Gujarat",
	"26": "Dadra and Nagar Haveli and Daman and Diu", "27": "Maharashtra", "29": "Karnataka", "30": "Goa",
	"31": "Lakshadweep Islands", "32": "Kerala", "33": "Tamil Nadu", "34": "Puducherry",
	"35": "Andaman and Nicobar Islands", "36": "Telangana", "37": "Andhra Pradesh", "38": "Ladakh",
	"97": "Other Territory",
}  # fmt: skip
GST_STATE_CODES = {name.casefold(): code for code, name in GST_STATES.items()}
GSTIN_PATTERN = re.compile(r"^[0-9]{2}[A-Z0-9]{13}$")


def state_of_gstin(gstin: str | None) -> str | None:
	"""The state a GSTIN is registered in (its first two digits), None for anything else."""
	if gstin and GSTIN_PATTERN.match(gstin):
		return GST_STATES.get(gstin[:2])
	return None


# The fields a duplicate is looked for on: (form field, what the duplicate shares).
UNIQUE_FIELDS = ("retailer_code", "mobile_no", "tax_id")


def clean(values: dict) -> dict:
	"""The form's values stripped; an empty value is None; a mobile number keeps its leading + and its
	digits only; codes and tax ids are upper case."""
	cleaned = {}
	for key, value in values.items():
		if isinstance(value, str):
			value = value.strip() or None
		cleaned[key] = value
	if cleaned.get("mobile_no"):
		mobile = cleaned["mobile_no"]
		digits = re.sub(r"\D", "", mobile)
		cleaned["mobile_no"] = ("+" if mobile.startswith("+") else "") + digits
	for key in ("tax_id", "retailer_code"):
		if cleaned.get(key):
			cleaned[key] = cleaned[key].upper()
	if cleaned.get("address_line1") and not cleaned.get("state"):
		cleaned["state"] = state_of_gstin(cleaned.get("tax_id"))  # the GSTIN says which
	return cleaned


def problems(values: dict) -> list[tuple[str, str]]:
	"""What is wrong with a retailer's (cleaned) values, as (field, code) pairs; empty when none."""
	found = []
	name = values.get("customer_name")
	if not name or len(name) > NAME_MAX:
		found.append(("customer_name", MISSING_NAME))
	mobile = values.get("mobile_no")
	if mobile:
		digits = len(mobile.lstrip("+"))
		if not (MOBILE_DIGITS[0] <= digits <= MOBILE_DIGITS[1]) or not mobile.lstrip("+").isdigit():
			found.append(("mobile_no", BAD_MOBILE))
	tax_id = values.get("tax_id")
	if tax_id and not TAX_ID_PATTERN.match(tax_id):
		found.append(("tax_id", BAD_TAX_ID))
	if values.get("address_line1") and not values.get("city"):
		found.append(("city", ADDRESS_WITHOUT_CITY))
	for key, limit in (("latitude", 90), ("longitude", 180)):
		value = values.get(key)
		if value in (None, ""):
			continue
		try:
			number = float(value)
		except (TypeError, ValueError):
			found.append((key, BAD_COORDINATE))
			continue
		if not -limit <= number <= limit:
			found.append((key, BAD_COORDINATE))
	return found


@dataclass(frozen=True)
class Known:
	"""Another retailer of the same distributor."""

	name: str
	customer_name: str = ""
	retailer_code: str | None = None
	mobile_no: str | None = None
	tax_id: str | None = None


def duplicates(values: dict, others: list[Known], editing: str | None = None) -> list[tuple[str, Known]]:
	"""(field, the other retailer) for every unique field ``values`` share with another retailer of the
	distributor; the retailer being edited (``editing``) is not another one. Mobile numbers compare by
	their last ten digits (a country code or a leading 0 does not make a number different); codes and
	tax ids case-insensitively."""
	found = []
	for field in UNIQUE_FIELDS:
		wanted = _key(field, values.get(field))
		if not wanted:
			continue
		for other in sorted(others, key=lambda o: o.name):
			if other.name != editing and _key(field, getattr(other, field)) == wanted:
				found.append((field, other))
				break
	return found


def _key(field: str, value: str | None) -> str | None:
	if not value:
		return None
	if field == "mobile_no":
		digits = re.sub(r"\D", "", value)
		return digits[-10:] or None
	return value.strip().upper() or None
