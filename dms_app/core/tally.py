"""Tally's voucher export, read as it streams and kept faithful to what Tally wrote.

``read_vouchers`` turns an ENVELOPE/.../TALLYMESSAGE/VOUCHER export into one object per voucher, in file order:
a ``TallyVoucher`` for each sales or credit-note voucher in Tally's books, a ``SkippedVoucher`` with the reason
for every other one (cancelled, optional, deleted, post-dated, void, or not a sales type). Nothing is posted
here and nothing touches the database.

Tally's conventions undone here:

- AMOUNT is negative for a debit and positive for a credit. A sale debits the party (its AMOUNT is negative)
  and credits the items and taxes; a credit note does the opposite. Every amount on a TallyVoucher is turned
  into the voucher's direction: positive for what adds to the party's total, whether a sale or a return.
- Quantities and rates are text with their units: " 40 Pcs", " 24 Pcs =  2 Box" (the quantity and the same
  quantity in the item's other unit), "2 Box 6 Pcs" (a compound unit), "300.00/Box". They are kept as
  ``Quantity`` and ``Rate`` values; ``to_stock_uom`` and ``TallyLine.in_stock_uom`` convert them.
- The "Unicode" export is UTF-16 LE with a BOM and CRLF line ends; the other is UTF-8, with or without a BOM.
- Some exports carry character references XML does not allow (``&#4;`` before "Applicable"); they are dropped.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import BinaryIO

from dms_app.core.secondary_sales import BatchError

Number = Decimal | int | float | str

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

SALES_TYPES = frozenset({"Sales"})
RETURN_TYPES = frozenset({"Credit Note", "Sales Return"})
CASH_LEDGERS = frozenset({"Cash"})
LEDGER_KINDS = ("tax", "discount", "round_off", "other")

# Where a voucher names the buyer's GSTIN, mobile number and the item's HSN code; the first one present wins.
GSTIN_TAGS = ("PARTYGSTIN", "BASICBUYERGSTIN", "BASICBUYERSSALESTAXNO")
MOBILE_TAGS = ("PARTYMOBILENO", "PARTYMOBILE", "BASICBUYERMOBILENO", "BUYERMOBILENO")
HSN_TAGS = ("GSTHSNNAME", "HSNCODE", "GSTHSNSACCODE")
PRIMARY_BATCH = "primary batch"  # Tally's batch name for an item that is not tracked by batch

CHUNK_SIZE = 64 * 1024


class TallyFileError(BatchError):
	"""The file as a whole cannot be read as a Tally export (bad XML, wrong root, unknown encoding)."""

	def __init__(self, message: str, line: int | None = None, column: int | None = None):
		where = f" (line {line}, column {column})" if line is not None else ""
		super().__init__(message + where)
		self.line, self.column = line, column


class UnitError(ValueError):
	"""A quantity or rate that cannot be read, or cannot be converted for want of a conversion factor."""


# -- numbers, quantities, rates -----------------------------------------------------------------------

_NUMBER_TOKEN = re.compile(r"[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)")
_MONEY = re.compile(r"\s*([-+]?)\s*[^\d\s.,+-]*\s*([-+]?)\s*(\d[\d,]*(?:\.\d*)?|\.\d+)\s*%?\s*")
_PLAIN_NUMBER = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")
# " 10 Nos", " -2.5 Sq. Ft", " 10": one number and a unit without digits; anything else takes the long way
_PLAIN_QUANTITY = re.compile(r"\s*(-?\d+(?:\.\d+)?)(?:\s+([^\d\s=,+-](?:[^\d\s=,]| (?=[^\d\s=,]))*))?\s*")


def _to_decimal(value: Number) -> Decimal:
	if isinstance(value, Decimal):
		return value
	if isinstance(value, bool):
		raise UnitError(f"{value!r} is not a number")
	try:
		number = Decimal(str(value).strip().replace(",", ""))
	except InvalidOperation:
		raise UnitError(f"{value!r} is not a number")
	if not number.is_finite():
		raise UnitError(f"{value!r} is not a number")
	return number


def parse_amount(text: str | None) -> Decimal | None:
	"""Tally's amount text as a signed number: "-3,625.00" -> -3625.00. A foreign-currency amount
	("-$ 100.00 @ ₹ 83.00/$ = -₹ 8300.00") gives the company-currency figure after the last "=".
	Blank -> None; anything else -> UnitError."""
	if text is None:
		return None
	if _PLAIN_NUMBER.fullmatch(text):
		return Decimal(text)
	if not text.strip():
		return None
	part = text.rsplit("=", 1)[-1]
	match = _MONEY.fullmatch(part)
	if not match:
		raise UnitError(f"cannot read the amount {text.strip()!r}")
	sign = "-" if "-" in (match.group(1) + match.group(2)) else ""
	return Decimal(sign + match.group(3).replace(",", ""))


def _format_number(value: Decimal) -> str:
	return format(value, "f")


@dataclass(frozen=True, slots=True)
class Quantity:
	"""A quantity as Tally writes it. ``parts`` are (number, unit) pairs: one for " 40 Pcs", two for the
	compound "2 Box 6 Pcs"; ``alternate`` is the same quantity in the item's other unit, from the conversion
	statement " 24 Pcs =  2 Box". A sign applies to every part."""

	parts: tuple[tuple[Decimal, str], ...]
	alternate: tuple[tuple[Decimal, str], ...] = ()

	@property
	def is_mixed(self) -> bool:
		return len(self.parts) > 1

	@property
	def unit(self) -> str:
		"""The unit of the (first) part, "" when Tally wrote none."""
		return self.parts[0][1]

	@property
	def value(self) -> Decimal:
		"""The number, for a quantity in one unit; a compound quantity needs ``in_stock_uom``."""
		if self.is_mixed:
			raise UnitError(f"{str(self).strip()} is in more than one unit: convert it with a factor")
		return self.parts[0][0]

	@property
	def conversion(self) -> tuple[str, Decimal, str] | None:
		"""(unit, n, other unit) when the text states "a unit = b other unit": one unit is n of the other."""
		if len(self.parts) != 1 or len(self.alternate) != 1:
			return None
		(value, unit), (other_value, other_unit) = self.parts[0], self.alternate[0]
		if not value or not unit or not other_unit or unit.casefold() == other_unit.casefold():
			return None
		return unit, other_value / value, other_unit

	def in_stock_uom(self, factors: Mapping[str, Number], stock_uom: str | None = None) -> Decimal:
		"""The quantity in stock units; ``factors`` maps each unit to how many stock units it holds."""
		table = _factor_table(factors, stock_uom)
		if self.conversion:
			table = _with_conversions(table, stock_uom, [self.conversion])
		return sum((value * _factor(unit, table, stock_uom) for value, unit in self.parts), ZERO)

	def scaled(self, sign: int) -> Quantity:
		"""The quantity with every part's sign set to ``sign`` (1 or -1)."""
		if _signed_as(self.parts, sign < 0) and _signed_as(self.alternate, sign < 0):
			return self

		def directed(parts):
			return tuple((abs(value) * sign, unit) for value, unit in parts)

		return Quantity(directed(self.parts), directed(self.alternate))

	def __str__(self) -> str:
		def side(parts):
			texts = []
			for position, (value, unit) in enumerate(parts):
				number = _format_number(value if position == 0 else abs(value))
				texts.append(f"{number} {unit}".rstrip())
			return " " + " ".join(texts)

		return side(self.parts) + (" = " + side(self.alternate) if self.alternate else "")


def _signed_as(parts: tuple[tuple[Decimal, str], ...], negative: bool) -> bool:
	for value, _ in parts:
		if value.is_signed() != negative:
			return False
	return True


def _parse_parts(text: str, whole: str) -> tuple[tuple[Decimal, str], ...]:
	parts: list[tuple[Decimal, list[str]]] = []
	for token in text.split():
		if _NUMBER_TOKEN.fullmatch(token):
			parts.append((Decimal(token.replace(",", "")), []))
		elif parts:
			parts[-1][1].append(token)
		else:
			raise UnitError(f"cannot read the quantity {whole.strip()!r}")
	if not parts or (len(parts) > 1 and not all(units for _, units in parts)):
		raise UnitError(f"cannot read the quantity {whole.strip()!r}")
	negative = parts[0][0].is_signed()  # "-0 Box 6 Pcs" is negative too
	return tuple(
		(-abs(value) if negative else value, " ".join(units)) for value, units in parts
	)  # "-2 Box 6 Pcs": the sign is the whole quantity's


def parse_quantity(text: str | None) -> Quantity | None:
	"""Tally's quantity text: " 40 Pcs", " -10 Nos", " 1,200 Pcs", " 1 Box =  12 Pcs", "2 Box 6 Pcs".
	Blank -> None; anything else unreadable -> UnitError."""
	if text is None:
		return None
	plain = _PLAIN_QUANTITY.fullmatch(text)
	if plain:
		return Quantity(((Decimal(plain.group(1)), plain.group(2) or ""),))
	if not text.strip():
		return None
	sides = text.split("=")
	if len(sides) > 2:
		raise UnitError(f"cannot read the quantity {text.strip()!r}")
	parts = _parse_parts(sides[0], text)
	alternate = _parse_parts(sides[1], text) if len(sides) == 2 else ()
	return Quantity(parts, alternate)


@dataclass(frozen=True, slots=True)
class Rate:
	value: Decimal
	unit: str | None = None  # the unit the rate is per ("Box" in "300.00/Box"); None when Tally wrote none

	def __str__(self) -> str:
		return f"{_format_number(self.value)}/{self.unit}" if self.unit else _format_number(self.value)


def parse_rate(text: str | None) -> Rate | None:
	"""Tally's rate text: "300.00/Box", "1,250.00/Nos", "25". A foreign-currency rate ("$0.02 = ₹ 0.02/Nos")
	gives the company-currency rate after the "=". Blank -> None; anything else -> UnitError."""
	if text is None or not text.strip():
		return None
	part = text.rsplit("=", 1)[-1]
	number, _, unit = part.partition("/")
	try:
		value = parse_amount(number)
	except UnitError:
		raise UnitError(f"cannot read the rate {text.strip()!r}")
	if value is None:
		raise UnitError(f"cannot read the rate {text.strip()!r}")
	return Rate(value, unit.strip() or None)


def _factor_table(factors: Mapping[str, Number] | None, stock_uom: str | None) -> dict[str, Decimal]:
	table: dict[str, Decimal] = {}
	for unit, factor in (factors or {}).items():
		value = _to_decimal(factor)
		if value <= 0:
			raise UnitError(f"the factor for {unit} must be greater than zero")
		table[unit.strip().casefold()] = value
	if stock_uom:
		table[stock_uom.strip().casefold()] = ONE
	table.setdefault("", ONE)  # a quantity without a unit is in the item's own unit
	return table


def _factor(unit: str | None, table: Mapping[str, Decimal], stock_uom: str | None) -> Decimal:
	try:
		return table[(unit or "").strip().casefold()]
	except KeyError:
		target = f"the stock unit {stock_uom}" if stock_uom else "the stock unit"
		raise UnitError(f"no conversion from {unit} to {target}")


def _with_conversions(
	table: dict[str, Decimal], stock_uom: str | None, conversions: Iterable[tuple[str, Decimal, str]]
) -> dict[str, Decimal]:
	"""Add (or correct) factors from Tally's own statements "1 Box = 12 Pcs": the voucher says how Tally
	converted this line, so it wins over a factor the caller supplied."""
	table = dict(table)
	stock = (stock_uom or "").strip().casefold()
	pending = [(unit.casefold(), n, other.casefold()) for unit, n, other in conversions if n]
	for _ in range(len(pending)):
		left = []
		for unit, n, other in pending:
			if other in table and unit != stock:
				table[unit] = n * table[other]
			elif unit in table and other != stock:
				table[other] = table[unit] / n
			else:
				left.append((unit, n, other))
		if len(left) == len(pending):
			break
		pending = left
	return table


def to_stock_uom(
	qty: Number,
	unit: str | None,
	rate: Number | None,
	rate_unit: str | None,
	factors: Mapping[str, Number],
	stock_uom: str | None = None,
) -> tuple[Decimal, Decimal | None]:
	"""A quantity in ``unit`` and a rate per ``rate_unit`` as (quantity, rate) in stock units.

	``factors`` maps a unit (an item's or a global one, matched case-insensitively) to how many stock units it
	holds: {"Box": 12} when the stock unit is Pcs. ``stock_uom`` itself counts 1 and so does a blank unit.
	A rate without a unit is per ``unit``. The product is unchanged: qty x rate in stock units is Tally's
	qty (in the rate's unit) x rate, so the line amount after discount is the same.
	Raises UnitError for a unit the factors do not cover.
	"""
	table = _factor_table(factors, stock_uom)
	factor = _factor(unit, table, stock_uom)
	stock_qty = _to_decimal(qty) * factor
	if rate is None:
		return stock_qty, None
	rate_factor = _factor(rate_unit, table, stock_uom) if rate_unit else factor
	return stock_qty, _to_decimal(rate) / rate_factor


def _discounted(amount: Decimal, discount_percentage: Decimal) -> Decimal:
	return amount * (HUNDRED - discount_percentage) / HUNDRED


# -- what a voucher holds -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchAllocation:
	godown: str | None
	batch: str | None  # None for Tally's "Primary Batch": the item is not tracked by batch
	amount: Decimal | None = None  # in the voucher's direction, like the line's
	actual: Quantity | None = None
	billed: Quantity | None = None
	manufactured: str | None = None  # ISO date (MFDON)
	expiry: str | None = None  # ISO date, when EXPIRYPERIOD is a date
	expiry_period: str | None = None  # EXPIRYPERIOD as written: a date, or a period such as "24 Months"


@dataclass(frozen=True, slots=True)
class StockLine:
	"""A line's figures in stock units: the amount is on ``billed_qty``; ``actual_qty`` is what left the
	godown (more than billed when some of it is free)."""

	billed_qty: Decimal | None
	actual_qty: Decimal | None
	rate: Decimal | None  # per stock unit, before the line's discount

	@property
	def free_qty(self) -> Decimal:
		if self.billed_qty is None or self.actual_qty is None:
			return ZERO
		return self.actual_qty - self.billed_qty


@dataclass(frozen=True, slots=True)
class TallyLine:
	"""One stock item line. Quantities and amounts are in the voucher's direction: positive for what is sold
	on a sale, or returned on a credit note; Tally's own sign is undone."""

	item: str
	amount: Decimal  # Tally's line amount, after the line's discount and before any invoice discount
	billed: Quantity | None = None  # the quantity the amount is on
	actual: Quantity | None = None  # the quantity that moved (billed plus any free quantity)
	rate: Rate | None = None
	discount_percentage: Decimal = ZERO
	hsn: str | None = None
	ledger: str | None = None  # the sales ledger the line is booked to (ACCOUNTINGALLOCATIONS)
	batches: tuple[BatchAllocation, ...] = ()

	@property
	def godowns(self) -> tuple[str, ...]:
		return tuple(dict.fromkeys(b.godown for b in self.batches if b.godown))

	@property
	def conversions(self) -> list[tuple[str, Decimal, str]]:
		return [q.conversion for q in (self.billed, self.actual) if q is not None and q.conversion]

	def in_stock_uom(
		self, stock_uom: str | None = None, factors: Mapping[str, Number] | None = None
	) -> StockLine:
		"""Billed and actual quantities and the rate in stock units (the unit of the billed quantity when
		``stock_uom`` is not given). The line's own conversion statements ("24 Pcs = 2 Box") are used before
		``factors``. Raises UnitError when a unit cannot be converted."""
		quantity = self.billed or self.actual
		if not stock_uom:
			stock_uom = quantity.unit if quantity else (self.rate.unit if self.rate else None)
		table = _with_conversions(_factor_table(factors, stock_uom), stock_uom, self.conversions)

		def convert(q: Quantity | None) -> Decimal | None:
			if q is None:
				return None
			return sum((value * _factor(unit, table, stock_uom) for value, unit in q.parts), ZERO)

		rate = None
		if self.rate is not None:
			rate_unit = self.rate.unit or (quantity.unit if quantity else None)
			rate = self.rate.value / _factor(rate_unit, table, stock_uom)
		return StockLine(convert(self.billed), convert(self.actual), rate)

	def computed_amount(self) -> Decimal | None:
		"""Billed quantity x rate less the line's discount, when the line's own units allow the sum (the same
		unit, or Tally's conversion statement); None otherwise."""
		if self.rate is None or self.billed is None:
			return None
		try:
			stock = self.in_stock_uom(self.rate.unit or self.billed.unit)
		except UnitError:
			return None
		return _discounted(stock.billed_qty * stock.rate, self.discount_percentage)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
	"""A ledger line other than the party's. ``amount`` is in the voucher's direction: what it adds to the
	party's total (taxes and charges positive, a discount negative)."""

	ledger: str
	amount: Decimal
	kind: str  # "tax", "discount", "round_off", "other", or "unknown" when the mapping does not name it
	tax: str | None = None  # the tax head for kind "tax": CGST, SGST, IGST, Cess ...


@dataclass(frozen=True, slots=True)
class Buyer:
	"""Who the goods went to: the party ledger, or for a cash sale the buyer Tally was told about."""

	name: str | None
	address: tuple[str, ...] = ()
	mobile: str | None = None
	gstin: str | None = None
	state: str | None = None
	pincode: str | None = None


@dataclass(frozen=True, slots=True)
class TallyVoucher:
	external_ref: str | None  # VOUCHERNUMBER
	posting_date: str  # ISO date; Tally's text as it was when it is not a date (and a problem says so)
	voucher_type: str
	is_return: bool
	return_against: str | None
	party_ledger: str | None
	buyer: Buyer
	total: Decimal | None  # the party's amount in the voucher's direction; None without a party entry
	lines: tuple[TallyLine, ...] = ()
	ledger_entries: tuple[LedgerEntry, ...] = ()
	is_cash_sale: bool = False
	place_of_supply: str | None = None
	guid: str | None = None
	index: int = 0  # position among the file's vouchers, from 0
	problems: tuple[str, ...] = ()  # what could not be read as Tally wrote it; the caller decides

	@property
	def party_gstin(self) -> str | None:
		return self.buyer.gstin

	@property
	def line_total(self) -> Decimal:
		return sum((line.amount for line in self.lines), ZERO)

	@property
	def taxes(self) -> dict[str, Decimal]:
		"""Tax head -> amount, summed over the ledgers of each head, in the order they first appear."""
		heads: dict[str, Decimal] = {}
		for entry in self.ledger_entries:
			if entry.kind == "tax":
				heads[entry.tax] = heads.get(entry.tax, ZERO) + entry.amount
		return heads

	@property
	def discount(self) -> Decimal:
		"""The invoice discount, positive when it reduces the total."""
		return ZERO - sum((e.amount for e in self.ledger_entries if e.kind == "discount"), ZERO)

	@property
	def round_off(self) -> Decimal:
		return sum((e.amount for e in self.ledger_entries if e.kind == "round_off"), ZERO)

	@property
	def other_charges(self) -> dict[str, Decimal]:
		charges: dict[str, Decimal] = {}
		for entry in self.ledger_entries:
			if entry.kind == "other":
				charges[entry.ledger] = charges.get(entry.ledger, ZERO) + entry.amount
		return charges

	@property
	def unknown_ledgers(self) -> tuple[LedgerEntry, ...]:
		return tuple(e for e in self.ledger_entries if e.kind == "unknown")


@dataclass(frozen=True, slots=True)
class SkippedVoucher:
	external_ref: str | None
	posting_date: str | None  # ISO date, or Tally's text when it is not a date
	voucher_type: str | None
	reason: str
	guid: str | None = None
	index: int = 0


# -- reading the file ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Options:
	ledgers: Mapping[str, tuple[str, str | None]]
	sales: frozenset[str]
	returns: frozenset[str]
	cash: frozenset[str]
	kinds: frozenset[str] = frozenset()  # sales and returns


def _ledger_kind(ledger: str, value) -> tuple[str, str | None]:
	"""A mapping value: "tax:CGST", ("tax", "CGST"), "discount", "round_off" (or "round-off") or "other"."""
	if isinstance(value, str):
		kind, _, tax = value.partition(":")
	elif isinstance(value, tuple | list) and len(value) == 2:
		kind, tax = value
	else:
		raise ValueError(f"ledger {ledger}: {value!r} is not a ledger kind")
	kind = (kind or "").strip().lower().replace("-", "_")
	tax = (tax or "").strip() or None
	if kind not in LEDGER_KINDS or (kind == "tax") != bool(tax):
		raise ValueError(
			f"ledger {ledger}: {value!r} is not a ledger kind (tax:<head>, discount, round_off or other)"
		)
	return kind, tax


def read_vouchers(
	stream: BinaryIO,
	*,
	ledgers: Mapping[str, object] | None = None,
	sales_types: Collection[str] = SALES_TYPES,
	return_types: Collection[str] = RETURN_TYPES,
	cash_ledgers: Collection[str] = CASH_LEDGERS,
	chunk_size: int = CHUNK_SIZE,
) -> Iterator[TallyVoucher | SkippedVoucher]:
	"""Every VOUCHER of a Tally export on a binary stream, in file order, as it is read: memory does not grow
	with the file.

	``ledgers`` classifies the ledger entries other than the party's, by ledger name (case-insensitive):
	"tax:CGST" (or ("tax", "CGST")), "discount", "round_off" or "other"; a ledger it does not name is kept with
	kind "unknown", never guessed. A voucher is a sale when its VOUCHERTYPENAME or VCHTYPE is one of
	``sales_types``, a return when one of ``return_types`` (case-insensitive); a sale to one of
	``cash_ledgers`` takes its buyer from the buyer details (BASICBUYERNAME ...).

	Raises TallyFileError, when it gets there, for a file that is not a readable Tally export.
	"""
	mapping = {name.strip().casefold(): _ledger_kind(name, value) for name, value in (ledgers or {}).items()}
	sales = frozenset(t.strip().casefold() for t in sales_types)
	returns = frozenset(t.strip().casefold() for t in return_types)
	cash = frozenset(c.strip().casefold() for c in cash_ledgers)
	options = _Options(mapping, sales, returns, cash, sales | returns)
	return _read(stream, options, chunk_size)


def _read(stream: BinaryIO, options: _Options, chunk_size: int) -> Iterator[TallyVoucher | SkippedVoucher]:
	parser = ET.XMLPullParser(events=("start", "end"))
	chunks = _utf8_chunks(stream, chunk_size)
	stack: list[ET.Element] = []  # the open elements around the current voucher
	depth = 0  # how deep inside a voucher the parser is
	index = 0
	try:
		while True:
			data = next(chunks, None)
			if data is None:
				parser.close()
			else:
				parser.feed(data)
			for event, element in parser.read_events():
				if depth:  # a voucher's children stay until the voucher ends
					if event == "start":
						depth += 1
						continue
					depth -= 1
					if not depth:
						yield _read_voucher(element, index, options)
						index += 1
						element.clear()
						stack[-1].remove(element)
					continue
				if event == "start":
					if not stack and element.tag != "ENVELOPE":
						raise TallyFileError(
							f"not a Tally export: the root element is {element.tag}, not ENVELOPE"
						)
					if element.tag == "VOUCHER":
						depth = 1
					else:
						stack.append(element)
					continue
				stack.pop()
				if element.tag == "LINEERROR":
					raise TallyFileError(f"Tally answered with an error: {(element.text or '').strip()}")
				element.clear()
				if stack:
					stack[-1].remove(element)  # only the open elements stay in memory
			if data is None:
				return
	except ET.ParseError as e:
		line, column = e.position
		message = re.sub(r":? line \d+, column \d+$", "", str(e))
		raise TallyFileError(f"the XML cannot be read: {message}", line, column)


_BOMS = (
	(codecs.BOM_UTF8, "utf-8"),
	(codecs.BOM_UTF16_LE, "utf-16-le"),
	(codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*['\"]([A-Za-z0-9._-]+)['\"]")


def _encoding(head: bytes) -> tuple[str, int]:
	"""The file's encoding and the length of its byte order mark."""
	for bom, encoding in _BOMS:
		if head.startswith(bom):
			return encoding, len(bom)
	if head[:2] == b"<\x00":
		return "utf-16-le", 0
	if head[:2] == b"\x00<":
		return "utf-16-be", 0
	declared = _DECLARED.match(head[:400])
	if declared:
		name = declared.group(1).decode("ascii")
		try:
			encoding = codecs.lookup(name).name
		except LookupError:
			raise TallyFileError(f"the file declares the encoding {name}, which cannot be read")
		if not encoding.startswith(("utf-16", "utf-32")):  # a UTF-16 declaration on 8-bit bytes is wrong
			return encoding, 0
	return "utf-8", 0


def _utf8_chunks(stream: BinaryIO, chunk_size: int) -> Iterator[bytes]:
	"""The stream decoded as it comes, cleaned and re-encoded as UTF-8 for the parser."""
	head = b""
	while len(head) < 256:  # enough for a byte order mark and the XML declaration
		more = stream.read(chunk_size)
		if isinstance(more, str):
			raise TypeError("read_vouchers needs a binary stream: open the file with 'rb'")
		if not more:
			break
		head += more
	encoding, bom = _encoding(head)
	decoder = codecs.getincrementaldecoder(encoding)("strict")
	cleaner = _Cleaner()
	offset = 0
	chunk = head[bom:]
	while True:
		final = not chunk
		try:
			text = decoder.decode(chunk, final=final)
		except UnicodeDecodeError as e:
			raise TallyFileError(
				f"the file is not {encoding} text: cannot decode near byte {bom + offset + e.start}"
			)
		offset += len(chunk)
		data = cleaner.feed(text, final=final)
		if data:
			yield data.encode("utf-8")
		if final:
			return
		chunk = stream.read(chunk_size)


_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ENCODING_ATTRIBUTE = re.compile(r"^(<\?xml\b[^>]*?)\s+encoding\s*=\s*(['\"])[^'\"]*\2")


def _allowed(code: int) -> bool:
	return (
		code in (0x9, 0xA, 0xD)
		or 0x20 <= code <= 0xD7FF
		or 0xE000 <= code <= 0xFFFD
		or 0x10000 <= code <= 0x10FFFF
	)


def _keep_allowed_reference(match: re.Match) -> str:
	code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
	return match.group(0) if _allowed(code) else ""


class _Cleaner:
	"""Drops what XML does not allow (``&#4;``, raw control characters) and the declaration's encoding (the
	parser is given UTF-8 whatever the file was), holding back a reference split between two chunks."""

	def __init__(self):
		self.pending = ""
		self.started = False

	def feed(self, text: str, final: bool = False) -> str:
		text = self.pending + text
		self.pending = ""
		if not self.started:
			text = text.lstrip()
			undecided = len(text) < 5 and "<?xml".startswith(text)
			if not final and (undecided or (text.startswith("<?xml") and "?>" not in text)):
				self.pending = text
				return ""
			text = _ENCODING_ATTRIBUTE.sub(r"\1", text, count=1)
			self.started = True
		if not final:
			amp = text.rfind("&")
			if amp >= 0 and ";" not in text[amp:] and len(text) - amp < 16:
				self.pending, text = text[amp:], text[:amp]
		return _BAD_CHARS.sub("", _CHAR_REF.sub(_keep_allowed_reference, text))


# -- one voucher --------------------------------------------------------------------------------------


_YES = frozenset({"Yes", "yes", "YES"})
_NO = frozenset({"No", "no", "NO"})
_UNKNOWN = ("unknown", None)
_LIST_TAGS = {tag: f"{tag}.LIST" for tag in ("ADDRESS", "BASICBUYERADDRESS")}


class _Node:
	"""An element's children by tag, gathered in one pass: a voucher is looked up dozens of times."""

	__slots__ = ("by_tag", "element", "repeated")

	def __init__(self, element: ET.Element):
		self.element = element
		first: dict[str, ET.Element] = {}
		repeated: dict[str, list[ET.Element]] | None = None
		for child in element:
			tag = child.tag
			if tag not in first:
				first[tag] = child
			elif repeated is None:
				repeated = {tag: [first[tag], child]}
			elif tag in repeated:
				repeated[tag].append(child)
			else:
				repeated[tag] = [first[tag], child]
		self.by_tag, self.repeated = first, repeated

	def all(self, tag: str) -> Sequence[ET.Element]:
		if self.repeated is not None and tag in self.repeated:
			return self.repeated[tag]
		return (self.by_tag[tag],) if tag in self.by_tag else ()

	def raw(self, tag: str) -> str | None:
		found = self.by_tag.get(tag)
		return None if found is None else found.text

	def text(self, tag: str) -> str | None:
		value = self.raw(tag)
		return (value.strip() or None) if value else None

	def first(self, tags: Iterable[str]) -> str | None:
		for tag in tags:
			value = self.text(tag)
			if value:
				return value
		return None

	def yes(self, tag: str) -> bool:
		value = self.raw(tag)
		if value is None or value in _NO:
			return False
		return value in _YES or value.strip().casefold() == "yes"

	def attribute(self, name: str) -> str | None:
		return (self.element.get(name) or "").strip() or None

	def values(self, tag: str) -> tuple[str, ...]:
		"""The values of a Tally list: <ADDRESS.LIST><ADDRESS>line 1</ADDRESS>...</ADDRESS.LIST>."""
		holders = self.all(_LIST_TAGS[tag])
		if not holders:
			return ()
		values = []
		for holder in holders:
			for value in holder:
				text = (value.text or "").strip() if value.tag == tag else ""
				if text:
					values.append(text)
		return tuple(values)


_TALLY_DATE = re.compile(r"\d{8}")
_DATE_FORMATS = ("%d-%b-%Y", "%d-%b-%y", "%Y-%m-%d", "%d/%m/%Y")


@lru_cache(maxsize=1024)
def _iso_date(text: str | None) -> str | None:
	if not text:
		return None
	text = text.strip()
	if _TALLY_DATE.fullmatch(text):
		try:
			return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
		except ValueError:
			return None
	for fmt in _DATE_FORMATS:
		try:
			return datetime.strptime(text, fmt).date().isoformat()
		except ValueError:
			continue
	return None


# A day's export repeats the same quantities, rates, amounts and names; the values are immutable, so each
# distinct text is read once. The caches are bounded (about a megabyte in all): memory stays flat.
_cached_amount = lru_cache(maxsize=1024)(parse_amount)
_cached_quantity = lru_cache(maxsize=1024)(parse_quantity)
_cached_rate = lru_cache(maxsize=1024)(parse_rate)
_fold = lru_cache(maxsize=2048)(str.casefold)


class _Reader:
	"""Reads the figures of one voucher, noting what it cannot read instead of guessing. The work is split in
	small functions on purpose: tracemalloc (the memory test) pays per allocation for the depth of the line
	in its function."""

	__slots__ = ("problems", "sign")

	def __init__(self, problems: list[str], sign: int):
		self.problems = problems
		self.sign = sign  # -1 on a return: Tally's signs turned into the voucher's direction

	def amount(self, node: _Node, tag: str, label: str, name: str = "") -> Decimal | None:
		try:
			value = _cached_amount(node.raw(tag))
		except UnitError as e:
			self.problems.append(f"{label}{name}: {e}")
			return None
		return value if value is None or self.sign == 1 else -value

	def quantity(self, node: _Node, tag: str, label: str, direction: int) -> Quantity | None:
		try:
			value = _cached_quantity(node.raw(tag))
		except UnitError as e:
			self.problems.append(f"{label}: {e}")
			return None
		return None if value is None else value.scaled(direction)

	def rate(self, node: _Node, label: str) -> Rate | None:
		try:
			return _cached_rate(node.raw("RATE"))
		except UnitError as e:
			self.problems.append(f"{label}: {e}")
			return None

	def discount(self, node: _Node, label: str) -> Decimal:
		text = node.raw("DISCOUNT")
		if not text or not text.strip():
			return ZERO
		try:
			return _cached_amount(text)
		except UnitError:
			self.problems.append(f"{label}: cannot read the discount {text.strip()!r}")
			return ZERO

	def batch(self, node: _Node, direction: int, label: str) -> BatchAllocation:
		expiry_period = node.text("EXPIRYPERIOD")
		expiry = _iso_date(expiry_period)
		if expiry is None and "EXPIRYPERIOD" in node.by_tag:
			expiry = _iso_date(node.by_tag["EXPIRYPERIOD"].get("P"))
		batch = node.text("BATCHNAME")
		return BatchAllocation(
			godown=node.text("GODOWNNAME"),
			batch=None if batch and _fold(batch) == PRIMARY_BATCH else batch,
			amount=self.amount(node, "AMOUNT", label),
			actual=self.quantity(node, "ACTUALQTY", label, direction),
			billed=self.quantity(node, "BILLEDQTY", label, direction),
			manufactured=_iso_date(node.text("MFDON")),
			expiry=expiry,
			expiry_period=expiry_period,
		)

	def batches(self, node: _Node, direction: int, label: str) -> tuple[BatchAllocation, ...]:
		allocations = node.all("BATCHALLOCATIONS.LIST")
		if not allocations:
			return ()
		found = []
		for allocation in allocations:
			if len(allocation):
				found.append(self.batch(_Node(allocation), direction, f"{label} batch {len(found) + 1}"))
		return tuple(found)

	def line(self, node: _Node, number: int, ledger: str | None) -> TallyLine | None:
		item = node.text("STOCKITEMNAME")
		if not item:
			return None  # Tally's empty list elements
		label = f"line {number} ({item})"
		amount = self.amount(node, "AMOUNT", label)
		if amount is None:
			amount = ZERO
		direction = -1 if amount.is_signed() and amount else 1
		return TallyLine(
			item=item,
			amount=amount,
			billed=self.quantity(node, "BILLEDQTY", label, direction),
			actual=self.quantity(node, "ACTUALQTY", label, direction),
			rate=self.rate(node, label),
			discount_percentage=self.discount(node, label),
			hsn=node.first(HSN_TAGS),
			ledger=_sales_ledger(node) or ledger,
			batches=self.batches(node, direction, label),
		)


def _sales_ledger(line: _Node) -> str | None:
	for allocation in line.all("ACCOUNTINGALLOCATIONS.LIST"):
		name = _Node(allocation).text("LEDGERNAME")
		if name:
			return name
	return None


def _skip_reason(
	voucher: _Node, voucher_type: str | None, kind: str, other_kind: str, options: _Options
) -> str | None:
	action = voucher.attribute("ACTION")
	if (action and _fold(action) == "delete") or voucher.yes("ISDELETED"):
		return "deleted in Tally"
	if voucher.yes("ISCANCELLED"):
		return "cancelled in Tally"
	if voucher.yes("ISVOID"):
		return "void in Tally"
	if voucher.yes("ISOPTIONAL"):
		return "optional (memorandum) voucher: not in Tally's books"
	if voucher.yes("ISPOSTDATED"):
		return "post-dated voucher: not yet in Tally's books"
	if kind not in options.kinds and other_kind not in options.kinds:
		return f"{voucher_type or 'a voucher without a type'} is not a sales or credit-note voucher type"
	return None


def _return_against(voucher: _Node, problems: list[str]) -> str | None:
	against = []
	for allocation in voucher.element.iter("BILLALLOCATIONS.LIST"):
		bill = _Node(allocation)
		name = bill.text("NAME")
		if name and _fold(bill.text("BILLTYPE") or "") == "agst ref" and name not in against:
			against.append(name)
	if len(against) > 1:
		problems.append(f"against more than one invoice ({', '.join(against)}); the first is taken")
	if against:
		return against[0]
	if voucher.text("REFERENCE"):
		return voucher.text("REFERENCE")
	for notes in voucher.all("INVOICEDELNOTES.LIST"):
		number = _Node(notes).text("BASICSHIPPINGDOCUMENTNO")
		if number:
			return number
	return None


def _same_name(one: str, other: str) -> bool:
	return one == other or _fold(one.strip()) == _fold(other.strip())


def _ledger_nodes(voucher: _Node) -> list[tuple[str, _Node]]:
	entries = []
	for entry in voucher.all("LEDGERENTRIES.LIST") or voucher.all("ALLLEDGERENTRIES.LIST"):
		node = _Node(entry)
		name = node.text("LEDGERNAME")
		if name:
			entries.append((name, node))
	return entries


def _party_entry(entries: list[tuple[str, _Node]], party: str | None) -> _Node | None:
	for _, node in entries:
		if node.yes("ISPARTYLEDGER"):
			return node
	if party:
		for name, node in entries:
			if _same_name(name, party):
				return node
	return None


def _total(read: _Reader, party_entry: _Node | None, party: str | None) -> Decimal | None:
	if party_entry is None:
		read.problems.append(f"no ledger entry for the party {party}" if party else "no party ledger")
		return None
	amount = read.amount(party_entry, "AMOUNT", "party ledger ", party)
	return None if amount is None else -amount  # the party's debit on a sale, turned positive


def _lines(read: _Reader, voucher: _Node, entries: list[tuple[str, _Node]]) -> list[TallyLine]:
	lines: list[TallyLine] = []
	for entry in voucher.all("ALLINVENTORYENTRIES.LIST") or voucher.all("INVENTORYENTRIES.LIST"):
		line = read.line(_Node(entry), len(lines) + 1, None)
		if line:
			lines.append(line)
	for name, node in entries:  # the accounting view: the items sit under their sales ledger
		for allocation in node.all("INVENTORYALLOCATIONS.LIST"):
			line = read.line(_Node(allocation), len(lines) + 1, name)
			if line:
				lines.append(line)
	if not lines:
		read.problems.append("no stock item lines")
	return lines


def _ledger_entries(
	read: _Reader, entries: list[tuple[str, _Node]], party_entry: _Node | None, options: _Options
) -> tuple[LedgerEntry, ...]:
	found = []
	for name, node in entries:
		if node is party_entry or "INVENTORYALLOCATIONS.LIST" in node.by_tag:
			continue
		amount = read.amount(node, "AMOUNT", "ledger ", name)
		kind, tax = options.ledgers.get(_fold(name.strip()), _UNKNOWN)
		found.append(LedgerEntry(name, ZERO if amount is None else amount, kind, tax))
	return tuple(found)


def _buyer(voucher: _Node, party: str | None, is_cash: bool, options: _Options, problems: list[str]) -> Buyer:
	if is_cash:
		name = voucher.text("BASICBUYERNAME")
		mailing = voucher.text("PARTYMAILINGNAME")
		if not name and mailing and _fold(mailing) not in options.cash:
			name = mailing
		if not name:
			problems.append("a cash sale without the buyer's name (BASICBUYERNAME)")
		address = voucher.values("BASICBUYERADDRESS") or voucher.values("ADDRESS")
	else:
		name = party
		address = voucher.values("ADDRESS") or voucher.values("BASICBUYERADDRESS")
	return Buyer(
		name=name,
		address=address,
		mobile=voucher.first(MOBILE_TAGS),
		gstin=voucher.first(GSTIN_TAGS),
		state=voucher.text("STATENAME") or voucher.text("BASICBUYERSTATE"),
		pincode=voucher.text("PARTYPINCODE"),
	)


def _read_voucher(element: ET.Element, index: int, options: _Options) -> TallyVoucher | SkippedVoucher:
	voucher = _Node(element)
	type_name, type_attribute = voucher.text("VOUCHERTYPENAME"), voucher.attribute("VCHTYPE")
	kind = _fold(type_name) if type_name else ""
	other_kind = _fold(type_attribute) if type_attribute else ""
	reason = _skip_reason(voucher, type_name or type_attribute, kind, other_kind, options)
	if reason:
		raw_date = voucher.text("DATE")
		return SkippedVoucher(
			external_ref=voucher.text("VOUCHERNUMBER"),
			posting_date=_iso_date(raw_date) or raw_date,
			voucher_type=type_name or type_attribute,
			reason=reason,
			guid=voucher.text("GUID") or voucher.attribute("REMOTEID"),
			index=index,
		)
	return _sale(
		voucher,
		type_name or type_attribute,
		kind in options.returns or other_kind in options.returns,
		index,
		options,
	)


def _header_problems(ref: str | None, raw_date: str | None, posting_date: str | None) -> list[str]:
	problems: list[str] = []
	if not ref:
		problems.append("no voucher number")
	if not posting_date:
		problems.append(f"the date {raw_date!r} is not a date" if raw_date else "no date")
	return problems


def _sale(voucher: _Node, voucher_type: str, is_return: bool, index: int, options: _Options) -> TallyVoucher:
	ref, raw_date = voucher.text("VOUCHERNUMBER"), voucher.text("DATE")
	posting_date = _iso_date(raw_date)
	read = _Reader(_header_problems(ref, raw_date, posting_date), -1 if is_return else 1)
	party = voucher.text("PARTYLEDGERNAME") or voucher.text("PARTYNAME")
	entries = _ledger_nodes(voucher)
	party_entry = _party_entry(entries, party)
	if party_entry is not None and not party:
		party = party_entry.text("LEDGERNAME")
	is_cash = bool(party) and _fold(party.strip()) in options.cash
	return TallyVoucher(
		external_ref=ref,
		posting_date=posting_date or raw_date or "",
		voucher_type=voucher_type,
		is_return=is_return,
		return_against=_return_against(voucher, read.problems) if is_return else None,
		party_ledger=party,
		total=_total(read, party_entry, party),
		lines=tuple(_lines(read, voucher, entries)),
		ledger_entries=_ledger_entries(read, entries, party_entry, options),
		buyer=_buyer(voucher, party, is_cash, options, read.problems),
		is_cash_sale=is_cash,
		place_of_supply=voucher.text("PLACEOFSUPPLY"),
		guid=voucher.text("GUID") or voucher.attribute("REMOTEID"),
		index=index,
		problems=tuple(read.problems),
	)


# -- the batch record of dms_app.core.secondary_sales -------------------------------------------------


def _by_allocation(line: TallyLine) -> list[TallyLine]:
	"""A line whose quantity Tally allocates to several godowns or batches, as one line per allocation
	(each with its quantity and amount); any other line as it is."""
	parts = line.batches
	if len(parts) < 2 or any(b.amount is None or (b.billed or b.actual) is None for b in parts):
		return [line]
	return [
		replace(line, amount=b.amount, billed=b.billed or b.actual, actual=b.actual or b.billed, batches=(b,))
		for b in parts
	]


def _where(line: TallyLine) -> dict:
	"""The godown and batch a line's goods left from, when Tally names one (a line split over several is
	split by ``_by_allocation`` first)."""
	godowns = line.godowns
	batches = [b for b in line.batches if b.batch]
	where = {}
	if len(godowns) == 1:
		where["godown"] = godowns[0]
	if len(batches) == 1:
		where.update(
			batch=batches[0].batch, batch_expiry=batches[0].expiry, batch_manufactured=batches[0].manufactured
		)
	return where


def to_record(
	voucher: TallyVoucher, stock_units: Mapping[str, tuple[str, Mapping[str, Number]]] | None = None
) -> dict:
	"""The voucher as the plain record ``secondary_sales.parse_invoices`` validates.

	``stock_units`` maps a Tally item name to (stock uom, factors) so quantities and rates are in stock
	units; an item it does not name stays in the unit of its billed quantity, converted through the line's
	own statement ("24 Pcs = 2 Box") when its rate is per another unit. A free quantity (actual more than
	billed) becomes a second line at rate 0; a line Tally allocates to several godowns or batches, a line
	per allocation, each with its godown and batch. The record keeps the books' figures the posting is reconciled
	with: each line's amount, every ledger entry but the party's (taxes, discounts, round-off, charges; what
	each is, the distributor's ledger mapping says) and the total. Raises UnitError, naming the line, for a
	unit it cannot convert.
	"""
	lines = []
	for number, whole in enumerate(voucher.lines, start=1):
		stock_uom, factors = (stock_units or {}).get(whole.item, (None, None))
		for line in _by_allocation(whole):
			try:
				stock = line.in_stock_uom(stock_uom, factors)
			except UnitError as e:
				raise UnitError(f"{voucher.external_ref} line {number} ({line.item}): {e}")
			qty = stock.billed_qty if stock.billed_qty is not None else stock.actual_qty
			rate = stock.rate
			if rate is None and qty and line.discount_percentage < HUNDRED:
				rate = line.amount / _discounted(qty, line.discount_percentage)
			where = _where(line)
			lines.append(
				{
					"item_code": line.item,
					"qty": None if qty is None else _format_number(qty),
					"rate": None if rate is None else _format_number(rate),
					"discount_percentage": _format_number(line.discount_percentage),
					"amount": _format_number(line.amount),
					"hsn": line.hsn,
					**where,
				}
			)
			if stock.free_qty > 0:
				lines.append(
					{
						"item_code": line.item,
						"qty": _format_number(stock.free_qty),
						"rate": "0",
						"discount_percentage": "0",
						"amount": "0",
						"hsn": line.hsn,
						**where,
					}
				)
	return {
		"external_ref": voucher.external_ref,
		"posting_date": voucher.posting_date,
		"retailer": {
			"name": voucher.buyer.name,
			"tax_id": voucher.buyer.gstin,
			"mobile": voucher.buyer.mobile,
		},
		"is_return": voucher.is_return,
		"return_against": voucher.return_against,
		"lines": lines,
		"ledgers": [
			{"ledger": entry.ledger, "amount": _format_number(entry.amount)}
			for entry in voucher.ledger_entries
		],
		"total": None if voucher.total is None else _format_number(voucher.total),
		"place_of_supply": voucher.place_of_supply,
	}
