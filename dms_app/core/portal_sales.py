"""Rules of the portal's secondary-sales pages that need no database: reading the lines a distributor
types into a new invoice, which of them the stock cannot cover, what each scheme gave an invoice, and
where a bulk upload's errors sit in the file that was uploaded.

Messages are codes here; dms_app.portal.sales turns them into translated sentences.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dms_app.core.secondary_sales import CSV_COLUMNS, MAX_LINES_PER_INVOICE

# problems with a typed line
NOT_A_LINE = "not_a_line"
ITEM_REQUIRED = "item_required"
QTY_NOT_NUMBER = "qty_not_number"
QTY_NOT_POSITIVE = "qty_not_positive"
NO_LINES = "no_lines"
TOO_MANY_LINES = "too_many_lines"


@dataclass(frozen=True)
class CartLine:
	item_code: str
	qty: float


@dataclass(frozen=True)
class LineProblem:
	line: int | None  # 1-based, None for the invoice as a whole
	field: str
	code: str


def read_cart(raw) -> tuple[list[CartLine], list[LineProblem]]:
	"""The lines of a new invoice as the page sends them (a list of {item_code, qty}), and what is
	wrong with them. Lines with neither item nor quantity (an empty row the user added) are skipped."""
	if not isinstance(raw, list):
		return [], [LineProblem(None, "lines", NO_LINES)]
	lines: list[CartLine] = []
	problems: list[LineProblem] = []
	for number, row in enumerate(raw, start=1):
		if not isinstance(row, dict):
			problems.append(LineProblem(number, "line", NOT_A_LINE))
			continue
		item_code = str(row.get("item_code") or "").strip()
		qty_text = str(row.get("qty") if row.get("qty") is not None else "").strip()
		if not item_code and not qty_text:
			continue
		if not item_code:
			problems.append(LineProblem(number, "item_code", ITEM_REQUIRED))
		qty = _number(qty_text)
		if qty is None:
			problems.append(LineProblem(number, "qty", QTY_NOT_NUMBER))
		elif qty <= 0:
			problems.append(LineProblem(number, "qty", QTY_NOT_POSITIVE))
		elif item_code:
			lines.append(CartLine(item_code, qty))
	if not lines and not problems:
		problems.append(LineProblem(None, "lines", NO_LINES))
	if len(lines) > MAX_LINES_PER_INVOICE:
		problems.append(LineProblem(None, "lines", TOO_MANY_LINES))
	return lines, problems


def _number(text: str) -> float | None:
	try:
		value = Decimal(text.replace(",", ""))
	except InvalidOperation:
		return None
	return float(value) if value.is_finite() else None


def shortfalls(needs: list[tuple[str, float]], on_hand: dict[str, float]) -> dict[str, tuple[float, float]]:
	"""item -> (needed, on hand) for the items whose lines together (free goods included) need more than
	the warehouse holds."""
	needed: dict[str, float] = {}
	for item_code, qty in needs:
		needed[item_code] = needed.get(item_code, 0.0) + qty
	return {
		item: (qty, on_hand.get(item, 0.0))
		for item, qty in sorted(needed.items())
		if qty > on_hand.get(item, 0.0) + 1e-9
	}


@dataclass
class SchemeGiven:
	scheme: str
	discount: float = 0.0  # line and bill discounts
	bill_discount: float = 0.0
	free: tuple[tuple[str, float], ...] = ()  # (item, qty)
	value: float = 0.0  # discounts plus free goods at their rate


def schemes_given(benefits: list[dict]) -> list[SchemeGiven]:
	"""What each scheme gave a document, from its dms_scheme_benefits (dms_app.core.schemes.Benefit
	as dicts), in scheme order."""
	given: dict[str, SchemeGiven] = {}
	free: dict[str, dict[str, float]] = {}
	for benefit in benefits:
		name = benefit.get("scheme")
		entry = given.setdefault(name, SchemeGiven(name))
		discount = float(benefit.get("discount") or 0)
		entry.discount += discount
		if benefit.get("line") is None:
			entry.bill_discount += discount
		entry.value += float(benefit.get("value") or 0)
		if benefit.get("free_item") and benefit.get("free_qty"):
			items = free.setdefault(name, {})
			items[benefit["free_item"]] = items.get(benefit["free_item"], 0.0) + float(benefit["free_qty"])
	for name, entry in given.items():
		entry.discount = _money(entry.discount)
		entry.bill_discount = _money(entry.bill_discount)
		entry.value = _money(entry.value)
		entry.free = tuple(sorted(free.get(name, {}).items()))
	return [given[name] for name in sorted(given)]


def _money(value: float) -> float:
	return math.floor(value * 100 + 0.5) / 100


def csv_line_numbers(text: str) -> dict[str, list[int]]:
	"""For a CSV in the upload template (dms_app.core.secondary_sales.csv_to_records): the file's line
	numbers of each invoice's lines, in order, keyed as upload errors name the invoice (the external
	reference, or the 1-based position in the batch when it has none). The header is line 1; a row
	whose quoted field spans lines is numbered by its last line."""
	reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
	numbers: dict[str, list[int]] = {}
	position = 0
	try:
		for row in reader:
			ref = (row.get("external_ref") or "").strip()
			if ref and ref in numbers:
				numbers[ref].append(reader.line_num)
				continue
			position += 1
			numbers.setdefault(ref or str(position), []).append(reader.line_num)
	except csv.Error:
		pass  # the upload itself reports an unreadable file
	return numbers


def locate_errors(results: list[dict], numbers: dict[str, list[int]]) -> list[dict]:
	"""``results`` of an upload with each row error given ``file_line``: the line of the file it is
	about (a header error: the invoice's first line), or None when the file does not tell."""
	located = []
	for result in results:
		lines = numbers.get(str(result.get("external_ref")))
		errors = []
		for error in result.get("errors") or []:
			own = numbers.get(str(error.get("invoice"))) or lines or []
			line = error.get("line")
			if line is None:
				file_line = own[0] if own else None
			else:
				file_line = own[line - 1] if 0 < line <= len(own) else None
			errors.append({**error, "file_line": file_line})
		located.append({**result, "errors": errors} if errors else dict(result))
	return located


def template_csv(example: dict, item_codes: list[str]) -> str:
	"""The upload CSV's header (dms_app.core.secondary_sales.CSV_COLUMNS) and one example invoice: the
	``example`` header values on one line per item."""
	out = io.StringIO()
	writer = csv.writer(out, lineterminator="\n")
	writer.writerow(CSV_COLUMNS)
	for index, item_code in enumerate(item_codes):
		line = {**example, "item_code": item_code, "qty": 10 if index == 0 else 5}
		writer.writerow([line.get(column, "") for column in CSV_COLUMNS])
	return out.getvalue()
