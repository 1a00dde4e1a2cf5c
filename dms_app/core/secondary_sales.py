"""Secondary-sales batches (distributor -> retailer invoices) in one normalized shape, from JSON, CSV
or Tally's XML export, with row-level errors that name the invoice, the line and the field.

Nothing here touches the database: matching retailers and items and posting the invoices happens in
dms_app.secondary_sales.ingest.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

MAX_LINES_PER_INVOICE = 500


@dataclass
class LineIn:
	item_code: str
	qty: float
	rate: float | None = None  # None: take the price list rate
	discount_percentage: float = 0.0
	amount: float | None = None  # the line's amount in the distributor's books, after its discount
	hsn: str | None = None  # the HSN/SAC code the books give the line
	godown: str | None = None  # where the books say the goods left from (DMS Godown Mapping)
	batch: str | None = None
	batch_expiry: str | None = None  # ISO date


@dataclass
class LedgerIn:
	"""A ledger line of the books other than the party's and the sales ledgers (a tax, a discount, a
	round-off, a charge), in the invoice's direction: positive when it adds to the total. What it is, and
	where it is posted, comes from the distributor's ledger mapping (DMS Tally Ledger)."""

	ledger: str
	amount: float


@dataclass
class RetailerRef:
	"""How the source names the retailer; matched in this order: code, tax id, mobile, name."""

	code: str | None = None
	tax_id: str | None = None
	mobile: str | None = None
	name: str | None = None

	def is_empty(self) -> bool:
		return not (self.code or self.tax_id or self.mobile or self.name)


@dataclass
class InvoiceIn:
	external_ref: str
	posting_date: str  # ISO date
	retailer: RetailerRef
	lines: list[LineIn] = field(default_factory=list)
	is_return: bool = False
	return_against: str | None = None  # external reference of the original invoice
	index: int = 0  # position in the batch, from 0
	ledgers: list[LedgerIn] = field(default_factory=list)
	total: float | None = None  # the invoice total in the books; given, the posting is reconciled with it
	place_of_supply: str | None = None  # the state the books name, e.g. "Maharashtra" or "27-Maharashtra"


@dataclass(frozen=True)
class RowError:
	invoice: str | int  # external reference, or position when there is none
	line: int | None  # 1-based line number, None for the header
	field: str
	message: str

	def as_dict(self) -> dict:
		return {"invoice": self.invoice, "line": self.line, "field": self.field, "message": self.message}


class BatchError(ValueError):
	"""The batch as a whole cannot be read (malformed JSON, XML or CSV)."""


# -- values -------------------------------------------------------------------------------------------


def _number(value, *, allow_none=False) -> float | None:
	if value is None or (isinstance(value, str) and not value.strip()):
		if allow_none:
			return None
		raise ValueError("is required")
	if isinstance(value, bool):
		raise ValueError("must be a number")
	try:
		number = Decimal(str(value).strip().replace(",", ""))
	except InvalidOperation:
		raise ValueError("must be a number")
	if not number.is_finite():
		raise ValueError("must be a number")
	return float(number)


def _date(value) -> str:
	text = str(value or "").strip()
	for fmt in ("%Y-%m-%d", "%Y%m%d", "%d-%m-%Y", "%d/%m/%Y"):
		try:
			return datetime.strptime(text, fmt).date().isoformat()
		except ValueError:
			continue
	raise ValueError("must be a date (YYYY-MM-DD)")


def _text(value) -> str | None:
	text = str(value).strip() if value is not None else ""
	return text or None


def _flag(value) -> bool:
	if isinstance(value, bool):
		return value
	return str(value or "").strip().lower() in {"1", "yes", "true", "y"}


# -- the normalized shape ------------------------------------------------------------------------------


def in_posting_order(invoices: list[InvoiceIn]) -> list[InvoiceIn]:
	"""The order to post a batch in: by posting date, batch order within a day. Posted out of date order,
	every back-dated invoice would make ERPNext repost the stock valuation of all that came after it."""
	return sorted(invoices, key=lambda invoice: (invoice.posting_date, invoice.index))


def parse_invoices(records: list, errors: list[RowError]) -> list[InvoiceIn]:
	"""Turn plain dicts (the JSON API's shape) into invoices; invalid invoices add errors and are left
	out. Duplicate external references within the batch: the later ones are errors."""
	if not isinstance(records, list):
		raise BatchError("invoices must be a list")
	invoices: list[InvoiceIn] = []
	seen: dict[str, int] = {}
	for index, record in enumerate(records):
		invoice = _parse_invoice(index, record, errors)
		if invoice is None:
			continue
		if invoice.external_ref in seen:
			errors.append(
				RowError(
					invoice.external_ref,
					None,
					"external_ref",
					f"appears more than once in this batch (first at position {seen[invoice.external_ref] + 1})",
				)
			)
			continue
		seen[invoice.external_ref] = index
		invoices.append(invoice)
	return invoices


def _parse_invoice(index: int, record, errors: list[RowError]) -> InvoiceIn | None:
	if not isinstance(record, dict):
		errors.append(RowError(index + 1, None, "invoice", "must be an object"))
		return None
	ref = _text(record.get("external_ref"))
	label: str | int = ref or index + 1
	found: list[RowError] = []
	if not ref:
		found.append(RowError(label, None, "external_ref", "is required"))
	try:
		posting_date = _date(record.get("posting_date"))
	except ValueError as e:
		found.append(RowError(label, None, "posting_date", str(e)))
		posting_date = ""
	retailer_data = record.get("retailer") or {}
	if not isinstance(retailer_data, dict):
		retailer_data = {"code": retailer_data}
	retailer = RetailerRef(
		code=_text(retailer_data.get("code")),
		tax_id=_text(retailer_data.get("tax_id")),
		mobile=_text(retailer_data.get("mobile")),
		name=_text(retailer_data.get("name")),
	)
	if retailer.is_empty():
		found.append(RowError(label, None, "retailer", "give a code, tax id, mobile or name"))

	raw_lines = record.get("lines")
	lines: list[LineIn] = []
	if not isinstance(raw_lines, list) or not raw_lines:
		found.append(RowError(label, None, "lines", "at least one line is required"))
		raw_lines = []
	elif len(raw_lines) > MAX_LINES_PER_INVOICE:
		found.append(RowError(label, None, "lines", f"at most {MAX_LINES_PER_INVOICE} lines per invoice"))
		raw_lines = []
	for number, raw in enumerate(raw_lines, start=1):
		line = _parse_line(label, number, raw, found)
		if line:
			lines.append(line)
	ledgers = _parse_ledgers(label, record.get("ledgers"), found)
	try:
		total = _number(record.get("total"), allow_none=True)
	except ValueError as e:
		found.append(RowError(label, None, "total", str(e)))
		total = None
	if found:
		errors.extend(found)
		return None
	return InvoiceIn(
		external_ref=ref,
		posting_date=posting_date,
		retailer=retailer,
		lines=lines,
		is_return=_flag(record.get("is_return")),
		return_against=_text(record.get("return_against")),
		index=index,
		ledgers=ledgers,
		total=total,
		place_of_supply=_text(record.get("place_of_supply")),
	)


def _parse_ledgers(label, raw, errors: list[RowError]) -> list[LedgerIn]:
	if raw in (None, ""):
		return []
	if not isinstance(raw, list):
		errors.append(RowError(label, None, "ledgers", "must be a list of {ledger, amount}"))
		return []
	ledgers = []
	for number, entry in enumerate(raw, start=1):
		name = _text(entry.get("ledger")) if isinstance(entry, dict) else None
		if not name:
			errors.append(RowError(label, None, "ledgers", f"entry {number}: a ledger name is required"))
			continue
		try:
			ledgers.append(LedgerIn(name, _number(entry.get("amount"))))
		except ValueError as e:
			errors.append(RowError(label, None, "ledgers", f"{name}: the amount {e}"))
	return ledgers


def _parse_line(label, number: int, raw, errors: list[RowError]) -> LineIn | None:
	if not isinstance(raw, dict):
		errors.append(RowError(label, number, "line", "must be an object"))
		return None
	found: list[RowError] = []
	item_code = _text(raw.get("item_code"))
	if not item_code:
		found.append(RowError(label, number, "item_code", "is required"))
	values: dict[str, float | None] = {}
	checks = {
		"qty": (False, lambda v: v > 0, "must be greater than zero"),
		"rate": (True, lambda v: v >= 0, "cannot be negative"),
		"discount_percentage": (True, lambda v: 0 <= v <= 100, "must be between 0 and 100"),
	}
	for name, (optional, valid, message) in checks.items():
		try:
			value = _number(raw.get(name), allow_none=optional)
		except ValueError as e:
			found.append(RowError(label, number, name, str(e)))
			continue
		if value is not None and not valid(value):
			found.append(RowError(label, number, name, message))
		values[name] = value
	try:
		amount = _number(raw.get("amount"), allow_none=True)
	except ValueError as e:
		found.append(RowError(label, number, "amount", str(e)))
	if found:
		errors.extend(found)
		return None
	expiry = _text(raw.get("batch_expiry"))
	if expiry:
		try:
			expiry = _date(expiry)
		except ValueError as e:
			found.append(RowError(label, number, "batch_expiry", str(e)))
	if found:
		errors.extend(found)
		return None
	return LineIn(
		item_code,
		values["qty"],
		values["rate"],
		values["discount_percentage"] or 0.0,
		amount,
		_text(raw.get("hsn")),
		_text(raw.get("godown")),
		_text(raw.get("batch")),
		expiry,
	)


# -- CSV template ------------------------------------------------------------------------------------

CSV_COLUMNS = (
	"external_ref",
	"posting_date",
	"retailer_code",
	"retailer_tax_id",
	"retailer_mobile",
	"retailer_name",
	"item_code",
	"qty",
	"rate",
	"discount_percentage",
	"is_return",
	"return_against",
)


def csv_to_records(text: str) -> list[dict]:
	"""One CSV row per invoice line; consecutive rows with the same external_ref form one invoice."""
	reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
	if (
		not reader.fieldnames
		or "external_ref" not in reader.fieldnames
		or "item_code" not in reader.fieldnames
	):
		raise BatchError(f"the CSV needs a header row with the columns: {', '.join(CSV_COLUMNS)}")
	records: list[dict] = []
	by_ref: dict[str, dict] = {}
	for row in reader:
		ref = (row.get("external_ref") or "").strip()
		record = by_ref.get(ref) if ref else None
		if record is None:
			record = {
				"external_ref": ref,
				"posting_date": row.get("posting_date"),
				"retailer": {
					"code": row.get("retailer_code"),
					"tax_id": row.get("retailer_tax_id"),
					"mobile": row.get("retailer_mobile"),
					"name": row.get("retailer_name"),
				},
				"is_return": row.get("is_return"),
				"return_against": row.get("return_against"),
				"lines": [],
			}
			records.append(record)
			if ref:
				by_ref[ref] = record
		record["lines"].append(
			{
				"item_code": row.get("item_code"),
				"qty": row.get("qty"),
				"rate": row.get("rate"),
				"discount_percentage": row.get("discount_percentage"),
			}
		)
	return records


# -- Tally XML ---------------------------------------------------------------------------------------


def tally_to_records(
	text: str,
	skipped: list[dict] | None = None,
	errors: list[RowError] | None = None,
	stock_units=None,
) -> list[dict]:
	"""The sales and credit-note vouchers of a Tally XML export as plain records, read by
	dms_app.core.tally: cancelled, optional, deleted and post-dated vouchers and other voucher types are
	left out, each appended to ``skipped`` as {external_ref, posting_date, voucher_type, reason}; a cash
	sale's retailer is its buyer (BASICBUYERNAME), not the cash ledger; quantities and rates are in the
	billed unit, a line's own unit statement ("24 Pcs = 2 Box") converting a rate per another unit, and
	a free quantity is a line at rate 0; ``stock_units`` (see dms_app.core.tally.to_record: Tally item
	name -> (stock unit, {unit: factor}), a Mapping or anything with its ``get``) puts them in the item's
	stock unit. A voucher that does not add up by itself, or with a unit it cannot convert, is no record:
	it is appended to ``errors`` with every reason (the invoice is rejected, the others go on); without
	``errors`` it refuses the file."""
	from dms_app.core import tally
	from dms_app.core.reconcile import check_voucher

	records = []
	for voucher in tally.read_vouchers(io.BytesIO(text.encode("utf-8"))):
		if isinstance(voucher, tally.SkippedVoucher):
			if skipped is not None:
				skipped.append(
					{
						"external_ref": voucher.external_ref,
						"posting_date": voucher.posting_date,
						"voucher_type": voucher.voucher_type,
						"reason": voucher.reason,
					}
				)
			continue
		label = voucher.external_ref or voucher.index
		# a voucher that does not add up by itself is no voucher to post (its ledgers are judged when it
		# is posted, by the distributor's ledger mapping)
		inconsistent = [
			RowError(label, None, "books", problem.message)
			for problem in check_voucher(voucher, unmapped_ledgers=False)
		]
		try:
			record = tally.to_record(voucher, stock_units)
		except tally.UnitError as e:
			inconsistent.append(RowError(label, None, "qty", str(e)))
		else:
			if inconsistent:  # all that is wrong with it, in one answer
				parse_invoices([record], inconsistent)
		if inconsistent:
			if errors is None:
				raise BatchError("; ".join(e.message for e in inconsistent))
			errors.extend(inconsistent)
			continue
		records.append(record)
	return records


# -- matching ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Retailer:
	name: str
	distributor: str | None
	customer_name: str = ""
	code: str | None = None
	tax_id: str | None = None
	mobile: str | None = None


def match_retailer(ref: RetailerRef, distributor: str, known: list[Retailer]) -> tuple[str, str | None]:
	"""Find the retailer ``ref`` means among ``known`` customers (the retailers the distributor serves,
	with its own codes for them, and any customer another distributor serves that shares the batch's tax
	ids or mobile numbers). The rule, in order:

	1. retailer code, 2. tax id, 3. mobile number, 4. name (case-insensitive), each among the
	distributor's own retailers;
	5. a retailer another distributor serves with the same tax id, else the one with the same mobile
	number: one real retailer is one Customer, so it is linked to this distributor too ("link"), not
	made twice (retailer codes are each distributor's own, so they do not link);
	6. otherwise a new retailer is created when a name is given.

	Returns ("match", customer), ("link", customer), ("create", None) or ("error", message).
	"""
	own = [r for r in known if r.distributor == distributor]
	others = [r for r in known if r.distributor != distributor]
	keys = (
		("code", ref.code, lambda r: r.code),
		("tax id", ref.tax_id, lambda r: r.tax_id),
		("mobile", ref.mobile, lambda r: r.mobile),
		("name", ref.name and ref.name.casefold(), lambda r: (r.customer_name or "").casefold()),
	)
	for _label, wanted, value_of in keys:
		if not wanted:
			continue
		found = [r for r in own if value_of(r) == wanted]
		if found:
			return "match", sorted(r.name for r in found)[0]
	for wanted, value_of in ((ref.tax_id, lambda r: r.tax_id), (ref.mobile, lambda r: r.mobile)):
		found = sorted({r.name for r in others if wanted and value_of(r) == wanted})
		if len(found) == 1:
			return "link", found[0]
		if len(found) > 1:
			return "error", f"several retailers have {wanted}: " + ", ".join(found)
	if ref.name:
		return "create", None
	return "error", "no retailer of this distributor matches; give a name to create one"


def hsn_agrees(books: str, item: str) -> bool:
	"""Whether the HSN code the books give a line is the item's: the same code, or one of them the other's
	heading (Tally often keeps 4 or 6 digits where the item has 8)."""
	books, item = "".join(books.split()), "".join(item.split())
	return books.startswith(item) or item.startswith(books)
