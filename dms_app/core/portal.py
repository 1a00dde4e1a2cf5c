"""Pure maths behind the distributor portal: month windows, stock ageing, expiry warnings, KPI shaping,
the order timeline and the CSV export of the inventory. No frappe here; dms_app.portal feeds it rows.

Ageing is an approximation: stock is assumed to leave a warehouse first in, first out, so what is on hand
is the most recent receipts into that warehouse. The age of a stock line is the days since the oldest of
those receipts (any incoming movement counts, transfers in included).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

NEAR_EXPIRY_DAYS = 30
EXPIRED = "expired"
NEAR_EXPIRY = "near"
OK = "ok"
AGEING_BUCKETS = ((30, "0-30"), (60, "31-60"), (90, "61-90"))
OLDEST_BUCKET = "90+"


def month_bounds(today: date) -> tuple[date, date]:
	"""First and last day of ``today``'s month."""
	start = today.replace(day=1)
	following = (start + timedelta(days=32)).replace(day=1)
	return start, following - timedelta(days=1)


def last_months(today: date, count: int) -> list[tuple[date, date]]:
	"""The ``count`` months ending with ``today``'s month, oldest first, as (first day, last day)."""
	months = []
	start, _end = month_bounds(today)
	for _ in range(count):
		months.append(month_bounds(start))
		start = (start - timedelta(days=1)).replace(day=1)
	return months[::-1]


def oldest_receipt_in_stock(receipts: Iterable[tuple[date, float]], on_hand: float) -> date | None:
	"""The date of the oldest receipt still (partly) on hand when stock leaves first in, first out.

	``receipts`` are (date, quantity received) in any order. With nothing on hand there is no age; with
	more on hand than the receipts explain (opening stock, corrections) the oldest receipt is returned."""
	if on_hand <= 0:
		return None
	remaining = on_hand
	oldest = None
	for when, qty in sorted(receipts, key=lambda r: r[0], reverse=True):
		if qty <= 0:
			continue
		oldest = when
		remaining -= qty
		if remaining <= 1e-9:
			break
	return oldest


def days_between(start: date | None, end: date) -> int | None:
	return None if start is None else max((end - start).days, 0)


def ageing_bucket(days: int | None) -> str | None:
	if days is None:
		return None
	for limit, label in AGEING_BUCKETS:
		if days <= limit:
			return label
	return OLDEST_BUCKET


def expiry_status(expiry: date | None, today: date, warn_days: int = NEAR_EXPIRY_DAYS) -> str | None:
	"""``expired`` (expiry before today), ``near`` (within ``warn_days``), ``ok``, or None without a date."""
	if expiry is None:
		return None
	if expiry < today:
		return EXPIRED
	if (expiry - today).days <= warn_days:
		return NEAR_EXPIRY
	return OK


@dataclass
class BatchLine:
	batch_no: str
	qty: float
	expiry_date: date | None = None
	days_to_expiry: int | None = None
	status: str | None = None


@dataclass
class StockLine:
	item_code: str
	item_name: str
	warehouse: str
	qty: float
	stock_value: float
	uom: str = ""
	age_days: int | None = None
	ageing_bucket: str | None = None
	batches: list[BatchLine] = field(default_factory=list)

	@property
	def warning(self) -> str | None:
		"""The worst expiry status of the batches on hand (expired before near), if any is not ok."""
		statuses = {b.status for b in self.batches}
		for status in (EXPIRED, NEAR_EXPIRY):
			if status in statuses:
				return status
		return None


def inventory(
	bins: Sequence[dict],
	receipts: Sequence[dict],
	batches: Sequence[dict],
	today: date,
	warn_days: int = NEAR_EXPIRY_DAYS,
) -> list[StockLine]:
	"""Stock lines by item and warehouse with age and batches.

	``bins``: item_code, item_name, warehouse, actual_qty, stock_value (, stock_uom); lines with no stock
	are left out. ``receipts``: item_code, warehouse, posting_date, qty (incoming movements).
	``batches``: item_code, warehouse, batch_no, qty (balance), expiry_date; batches with nothing left are
	left out. Sorted by item, then warehouse."""
	received: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
	for r in receipts:
		received[(r["item_code"], r["warehouse"])].append((r["posting_date"], float(r["qty"])))
	by_line: dict[tuple[str, str], list[BatchLine]] = defaultdict(list)
	for b in batches:
		if float(b["qty"]) <= 1e-9:
			continue
		expiry = b.get("expiry_date")
		by_line[(b["item_code"], b["warehouse"])].append(
			BatchLine(
				batch_no=b["batch_no"],
				qty=float(b["qty"]),
				expiry_date=expiry,
				days_to_expiry=None if expiry is None else (expiry - today).days,
				status=expiry_status(expiry, today, warn_days),
			)
		)
	lines = []
	for b in bins:
		qty = float(b["actual_qty"])
		if qty <= 1e-9:
			continue
		key = (b["item_code"], b["warehouse"])
		age = days_between(oldest_receipt_in_stock(received.get(key, ()), qty), today)
		lines.append(
			StockLine(
				item_code=b["item_code"],
				item_name=b.get("item_name") or b["item_code"],
				warehouse=b["warehouse"],
				qty=qty,
				stock_value=float(b.get("stock_value") or 0),
				uom=b.get("stock_uom") or "",
				age_days=age,
				ageing_bucket=ageing_bucket(age),
				batches=sorted(by_line.get(key, []), key=lambda x: (x.expiry_date or date.max, x.batch_no)),
			)
		)
	return sorted(lines, key=lambda line: (line.item_code, line.warehouse))


CSV_HEADER = (
	"item_code",
	"item_name",
	"warehouse",
	"qty",
	"uom",
	"stock_value",
	"age_days",
	"batch_no",
	"batch_qty",
	"expiry_date",
	"expiry_status",
)


def inventory_csv(
	lines: Sequence[StockLine], header: Sequence[str] = CSV_HEADER, labels: dict[str, str] | None = None
) -> str:
	"""One CSV row per stock line, or per batch where the line has batches. ``labels`` name the expiry
	statuses (translated), default their codes."""
	labels = labels or {}
	out = io.StringIO()
	writer = csv.writer(out, lineterminator="\n")
	writer.writerow(header)
	for line in lines:
		base = [
			line.item_code,
			line.item_name,
			line.warehouse,
			_num(line.qty),
			line.uom,
			_num(line.stock_value),
			"" if line.age_days is None else line.age_days,
		]
		if not line.batches:
			writer.writerow([*base, "", "", "", ""])
		for b in line.batches:
			writer.writerow(
				[
					*base,
					b.batch_no,
					_num(b.qty),
					b.expiry_date.isoformat() if b.expiry_date else "",
					b.status or "",
				]
			)
	return out.getvalue()


def _num(value: float) -> str:
	return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def top_items(rows: Iterable[dict], limit: int = 5) -> list[dict]:
	"""Items by value sold, highest first (ties by item code): item_code, item_name, qty, value.

	``rows`` may repeat an item (one per invoice line); returns net of returns, dropping items at or below
	zero."""
	totals: dict[str, dict] = {}
	for r in rows:
		t = totals.setdefault(
			r["item_code"],
			{
				"item_code": r["item_code"],
				"item_name": r.get("item_name") or r["item_code"],
				"qty": 0.0,
				"value": 0.0,
			},
		)
		t["qty"] += float(r.get("qty") or 0)
		t["value"] += float(r.get("value") or 0)
	ranked = sorted(
		(t for t in totals.values() if t["value"] > 0), key=lambda t: (-t["value"], t["item_code"])
	)
	return ranked[:limit]


def bar_heights(values: Sequence[float]) -> list[float]:
	"""Each value as a percentage (0-100) of the largest, for a bar chart; all 0 when nothing is positive."""
	peak = max((v for v in values if v > 0), default=0)
	return [round(max(v, 0) / peak * 100, 1) if peak else 0.0 for v in values]


def sell_through(sell_in: float, sell_out: float) -> float | None:
	"""Sell-out as a percentage of sell-in, or None without sell-in."""
	return round(sell_out / sell_in * 100, 1) if sell_in > 0 else None


# Order timeline ---------------------------------------------------------------------------------------

PLACED = "placed"
MOVED = "moved"
DISPATCH_DRAFTED = "dispatch_drafted"
DISPATCHED = "dispatched"
RECEIVED = "received"


@dataclass
class TimelineEvent:
	kind: str
	at: datetime
	data: dict = field(default_factory=dict)


def timeline(
	created: datetime,
	owner: str,
	approvals: Sequence[dict],
	dispatches: Sequence[dict],
	receipts: Sequence[dict],
) -> list[TimelineEvent]:
	"""An order's history, oldest first: placed, each workflow move (``approvals``: state, next_state,
	user, at, comment), each dispatch (name, docstatus, posting datetime ``at``, created ``creation``,
	carrier...) and each receipt (name, at, against, shortage reason). A draft dispatch is dated by its
	creation; events at the same moment keep that order."""
	events = [TimelineEvent(PLACED, created, {"user": owner})]
	events += [TimelineEvent(MOVED, a["at"] or created, dict(a)) for a in approvals]
	for d in dispatches:
		if d.get("docstatus") == 1:
			events.append(TimelineEvent(DISPATCHED, d["at"], dict(d)))
		elif d.get("docstatus") == 0:
			events.append(TimelineEvent(DISPATCH_DRAFTED, d["creation"], dict(d)))
	events += [TimelineEvent(RECEIVED, r["at"], dict(r)) for r in receipts]
	order = {PLACED: 0, MOVED: 1, DISPATCH_DRAFTED: 2, DISPATCHED: 3, RECEIVED: 4}
	return sorted(events, key=lambda e: (e.at, order[e.kind]))


def stage(workflow_state: str, dispatched: bool, received_fully: bool, received_any: bool) -> str:
	"""Where an order stands for the distributor: draft, pending, approved, in_transit, received,
	partly_received, rejected or cancelled."""
	if workflow_state == "Rejected":
		return "rejected"
	if workflow_state == "Cancelled":
		return "cancelled"
	if received_fully:
		return "received"
	if received_any:
		return "partly_received"
	if dispatched:
		return "in_transit"
	if workflow_state == "Approved":
		return "approved"
	if workflow_state in ("", "Draft", None):
		return "draft"
	return "pending"
