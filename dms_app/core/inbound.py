"""Checking what the OEM ERP sends to the inbound APIs, before anything is written.

Each API takes a list of records. ``check`` validates every record against a spec and returns all
problems at once (record index, field, reason), so the caller can fix the whole batch in one go.
Records carry the ERP's ``version`` of the record (a number, or an ISO timestamp); ``compare_versions``
tells a newer update from a repeat (harmless) and a stale one (refused).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

MAX_RECORDS = 1000

LOGISTICS_STATUSES = ("Booked", "Picked Up", "In Transit", "Out for Delivery", "Delivered", "Exception")


@dataclass(frozen=True)
class Field:
	name: str
	kind: str  # text, number, flag, date, datetime, names, amounts, version, object, objects
	required: bool = False
	minimum: float | None = None
	maximum: float | None = None  # a number's largest value; a text's most characters
	choices: tuple[str, ...] = ()
	fields: tuple[Field, ...] = ()  # an object's (or each of a list of objects') own fields
	forbidden: str = ""  # characters a text may not hold


ITEM = (
	Field("item_code", "text", required=True),
	Field("item_name", "text"),
	Field("item_group", "text"),
	Field("stock_uom", "text"),
	Field("description", "text"),
	Field("brand", "text"),
	Field("disabled", "flag"),
	Field("gst_hsn_code", "text"),  # where the site keeps GST (india_compliance), new sales items need it
	Field("version", "version", required=True),
)
PRICE = (
	Field("item_code", "text", required=True),
	Field("price_list", "text"),
	Field("rate", "number", required=True, minimum=0),
	Field("version", "version", required=True),
)
CREDIT = (
	Field("distributor", "text", required=True),
	Field("credit_limit", "number", minimum=0),
	Field("outstanding", "number"),
	Field("version", "version", required=True),
)
DISPATCH = (
	Field("stock_entry", "text", required=True),
	Field("status", "text", required=True, choices=LOGISTICS_STATUSES),
	Field("carrier", "text"),
	Field("tracking_number", "text"),
	Field("eta", "datetime"),
	Field("version", "version", required=True),
)


# The OEM ERP's side of a distributor's account (dms_app.api.oem_account). Amounts are in the company's
# currency, at most MAX_AMOUNT (ERPNext's currency columns hold less than 10^12, and a company's monthly
# sales total adds up); ``cancelled`` 1 cancels what an earlier version recorded.
MAX_AMOUNT = 9_999_999_999.99
OEM_INVOICE = (
	Field("invoice", "text", required=True),
	Field("distributor", "text", required=True),
	Field("posting_date", "date"),
	Field("due_date", "date"),
	Field("amount", "number", minimum=0.01, maximum=MAX_AMOUNT),
	Field("orders", "names"),  # the primary orders (Material Requests) it invoices
	Field("remarks", "text"),
	Field("cancelled", "flag"),
	Field("version", "version", required=True),
)
OEM_PAYMENT = (
	Field("payment", "text", required=True),
	Field("distributor", "text", required=True),
	Field("posting_date", "date"),
	Field("amount", "number", minimum=0.01, maximum=MAX_AMOUNT),
	Field("invoices", "amounts"),  # OEM ERP invoice number -> amount set against it
	Field("mode_of_payment", "text"),
	Field("remarks", "text"),
	Field("cancelled", "flag"),
	Field("version", "version", required=True),
)
NOTE_KINDS = ("Credit Note", "Debit Note")
OEM_NOTE = (
	Field("note", "text", required=True),
	Field("distributor", "text", required=True),
	Field("kind", "text", required=True, choices=NOTE_KINDS),
	Field("posting_date", "date"),
	Field("due_date", "date"),
	Field("amount", "number", minimum=0.01, maximum=MAX_AMOUNT),
	Field("against", "text"),  # a credit note: the OEM ERP invoice it reduces
	Field("remarks", "text"),
	Field("cancelled", "flag"),
	Field("version", "version", required=True),
)


# Orders from outside channels (ONDC seller apps, marketplaces: dms_app.api.retail_orders). One record is
# one channel order, known by (channel, channel_order_id) -- kept as "<channel>:<channel_order_id>", a
# document name, so neither may hold ":" (channel), "<", ">" or a line break, and both fit in 140 together.
MAX_ORDER_LINES = 200
MAX_LINE_QTY = 1_000_000
CHANNEL_KEY = ("channel", "channel_order_id")
RETAIL_BUYER = (
	Field("name", "text", required=True, maximum=140),
	Field("gstin", "text", maximum=20),
	Field("mobile", "text", maximum=20),
	Field("email", "text", maximum=140),
	Field("address_line1", "text", maximum=140),
	Field("city", "text", maximum=140),
	Field("pincode", "text", maximum=20),
	Field("state", "text", maximum=140),
	Field("territory", "text", maximum=140),
)
RETAIL_LINE = (
	Field("item_code", "text", required=True, maximum=140),
	Field("qty", "number", required=True, minimum=0.001, maximum=MAX_LINE_QTY),
)
RETAIL_ORDER = (
	Field("channel", "text", required=True, maximum=40, forbidden=":<>\n\r"),
	Field("channel_order_id", "text", required=True, maximum=90, forbidden="<>\n\r"),
	Field("buyer", "object", required=True, fields=RETAIL_BUYER),
	Field("lines", "objects", required=True, maximum=MAX_ORDER_LINES, fields=RETAIL_LINE),
	Field("ordered_at", "datetime"),
	Field("remarks", "text", maximum=1000),
)


@dataclass(frozen=True)
class Problem:
	index: int
	field: str
	reason: str

	def as_dict(self) -> dict:
		return {"index": self.index, "field": self.field, "reason": self.reason}


def _value(field: Field, value):
	"""The value in its clean form; raises ValueError with the reason."""
	if field.kind == "text":
		if not isinstance(value, str | int) or isinstance(value, bool):
			raise ValueError("must be text")
		value = str(value).strip()
		if field.choices and value not in field.choices:
			raise ValueError("must be one of " + ", ".join(field.choices))
		if field.maximum is not None and len(value) > field.maximum:
			raise ValueError(f"must be at most {field.maximum:g} characters")
		if field.forbidden and any(c in value for c in field.forbidden):
			shown = ", ".join(repr(c) for c in field.forbidden)
			raise ValueError(f"must not hold any of {shown}")
		return value
	if field.kind == "number":
		if isinstance(value, bool) or not isinstance(value, int | float | str):
			raise ValueError("must be a number")
		try:
			number = float(value)
		except ValueError:
			raise ValueError("must be a number") from None
		if number != number or number in (float("inf"), float("-inf")):
			raise ValueError("must be a number")
		if field.minimum is not None and number < field.minimum:
			raise ValueError(f"must be at least {field.minimum:g}")
		if field.maximum is not None and number > field.maximum:
			raise ValueError(f"must be at most {field.maximum:,.2f}")
		return number
	if field.kind == "flag":
		if value in (0, 1, True, False):
			return int(value)
		raise ValueError("must be 0 or 1")
	if field.kind == "datetime":
		if not isinstance(value, str):
			raise ValueError("must be an ISO date or date-time")
		try:
			return (
				datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
			)
		except ValueError:
			raise ValueError("must be an ISO date or date-time") from None
	if field.kind == "date":
		if not isinstance(value, str):
			raise ValueError("must be an ISO date")
		try:
			return date.fromisoformat(value[:10]) if len(value) >= 10 else date.fromisoformat(value)
		except ValueError:
			raise ValueError("must be an ISO date") from None
	if field.kind == "names":
		if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
			raise ValueError("must be a list of names")
		names = [v.strip() for v in value]
		if len(set(names)) < len(names):
			raise ValueError("repeats a name")
		return names
	if field.kind == "amounts":
		if not isinstance(value, Mapping) or not value:
			raise ValueError("must map names to amounts")
		out = {}
		for key, amount in value.items():
			try:
				number = _value(Field(key, "number", minimum=0.01, maximum=MAX_AMOUNT), amount)
			except ValueError as e:
				raise ValueError(f"{key}: {e}") from None
			out[str(key).strip()] = number
		return out
	if field.kind == "version":
		if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
			raise ValueError("must be a number or an ISO timestamp")
		return str(value).strip()
	raise AssertionError(field.kind)


def _record(record: Mapping, spec: Sequence[Field], prefix: str = "") -> tuple[dict, list[tuple[str, str]]]:
	"""One record's clean fields and its problems as (field, reason); a nested field is named by its path
	(``buyer.gstin``, ``lines[2].qty``)."""
	out, problems = {}, []
	known = {f.name for f in spec}
	for name in sorted(set(record) - known, key=str):
		problems.append((f"{prefix}{name}", "unknown field"))
	for field in spec:
		value = record.get(field.name)
		if value is None or value == "" or (field.kind in ("object", "objects") and value in ({}, [])):
			if field.required:
				problems.append((f"{prefix}{field.name}", "is required"))
			continue
		if field.kind == "object":
			if not isinstance(value, Mapping):
				problems.append((f"{prefix}{field.name}", "must be an object"))
				continue
			out[field.name], found = _record(value, field.fields, f"{prefix}{field.name}.")
			problems += found
			continue
		if field.kind == "objects":
			if not isinstance(value, list):
				problems.append((f"{prefix}{field.name}", "must be a list of objects"))
				continue
			if field.maximum is not None and len(value) > field.maximum:
				problems.append((f"{prefix}{field.name}", f"must have at most {field.maximum:g} entries"))
				continue
			rows = []
			for i, row in enumerate(value):
				if not isinstance(row, Mapping):
					problems.append((f"{prefix}{field.name}[{i}]", "must be an object"))
					continue
				clean_row, found = _record(row, field.fields, f"{prefix}{field.name}[{i}].")
				rows.append(clean_row)
				problems += found
			out[field.name] = rows
			continue
		try:
			out[field.name] = _value(field, value)
		except ValueError as e:
			problems.append((f"{prefix}{field.name}", str(e)))
			continue
		if out[field.name] == "" and field.required:  # only blanks
			del out[field.name]
			problems.append((f"{prefix}{field.name}", "is required"))
	return out, problems


def check(records, spec: Sequence[Field], key: str | tuple[str, ...]) -> tuple[list[dict], list[Problem]]:
	"""Clean records and every problem found. ``key`` names the field (or fields, together) that must be
	unique in the batch."""
	if not isinstance(records, list):
		return [], [Problem(-1, "", "send a list of records")]
	if not records:
		return [], [Problem(-1, "", "the list is empty")]
	if len(records) > MAX_RECORDS:
		return [], [Problem(-1, "", f"at most {MAX_RECORDS} records per call")]
	keys = (key,) if isinstance(key, str) else tuple(key)
	clean, problems, seen = [], [], {}
	for index, record in enumerate(records):
		if not isinstance(record, Mapping):
			problems.append(Problem(index, "", "must be an object"))
			continue
		out, found = _record(record, spec)
		problems += [Problem(index, field, reason) for field, reason in found]
		if all(k in out for k in keys):
			value = tuple(out[k] for k in keys)
			if value in seen:
				problems.append(Problem(index, keys[-1], f"repeats record {seen[value]}"))
			else:
				seen[value] = index
		clean.append(out)
	return clean, problems


def compare_versions(incoming: str, stored: str | None) -> int:
	"""1 when ``incoming`` is newer than ``stored`` (or nothing is stored), 0 when the same, -1 when
	older. Numbers compare as numbers; anything else (ISO timestamps) as text."""
	if not stored:
		return 1
	try:
		a, b = float(incoming), float(stored)
	except ValueError:
		a, b = incoming, stored
	return (a > b) - (a < b)
