"""A distributor's account with the OEM: the statement, its ageing, exposure and the credit rule.

The account is what the distributor owes the OEM: the OEM ERP's invoices and debit notes, less payments
and credit notes (the OEM ERP's, and the DMS's own for approved scheme claims). ``Entry`` is one document's
effect on it (positive: owed, negative: paid or credited); the statement is the entries of a period in
date order with a running balance from the opening balance. ``OpenItem`` is what is still open of one
invoice (or, negative, a credit not set against any invoice) with its due date; ageing and the overdue
check read open items.

Exposure is what the account says is owed plus the approved orders the OEM ERP has not invoiced yet:
an invoice that names an order settles it, so each amount counts once whatever order the OEM ERP's
messages arrive in. Before a new order enters approval, the orders already waiting for approval count
too, so two orders placed at once cannot together pass a limit (``check``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

BUCKETS = ("0-30", "31-60", "61-90", "90+")


@dataclass(frozen=True)
class Entry:
	posting_date: date
	voucher_type: str
	voucher_no: str
	kind: str  # Invoice, Payment, Credit Note, Debit Note, Journal Entry
	amount: float  # positive: owed by the distributor; negative: paid or credited
	reference: str = ""  # the OEM ERP's number, when the OEM ERP sent it
	due_date: date | None = None
	remarks: str = ""


@dataclass(frozen=True)
class Line:
	entry: Entry
	debit: float
	credit: float
	balance: float


def running(opening: float, entries: Iterable[Entry]) -> list[Line]:
	"""The entries in date order (then by voucher) with debit, credit and the balance after each."""
	balance = opening
	lines = []
	for entry in sorted(entries, key=lambda e: (e.posting_date, e.voucher_no)):
		balance = round(balance + entry.amount, 2)
		lines.append(Line(entry, max(entry.amount, 0.0), max(-entry.amount, 0.0), balance))
	return lines


@dataclass(frozen=True)
class OpenItem:
	voucher_no: str
	due_date: date | None
	outstanding: float  # positive: still owed; negative: a credit not set against an invoice


@dataclass(frozen=True)
class Ageing:
	not_due: float
	buckets: dict[str, float]  # days past the due date: 0-30, 31-60, 61-90, 90+
	on_account: float  # credits not set against an invoice (negative or zero)

	@property
	def total(self) -> float:
		return round(self.not_due + sum(self.buckets.values()) + self.on_account, 2)


def bucket(days_overdue: int) -> str:
	if days_overdue <= 30:
		return "0-30"
	if days_overdue <= 60:
		return "31-60"
	if days_overdue <= 90:
		return "61-90"
	return "90+"


def ageing(items: Iterable[OpenItem], as_of: date) -> Ageing:
	"""Open amounts by how many days past their due date they are on ``as_of``."""
	not_due, on_account = 0.0, 0.0
	buckets = dict.fromkeys(BUCKETS, 0.0)
	for item in items:
		if item.outstanding < 0:
			on_account += item.outstanding
		elif item.due_date is None or item.due_date > as_of:
			not_due += item.outstanding
		else:
			key = bucket((as_of - item.due_date).days)
			buckets[key] += item.outstanding
	return Ageing(round(not_due, 2), {k: round(v, 2) for k, v in buckets.items()}, round(on_account, 2))


@dataclass(frozen=True)
class Overdue:
	amount: float
	invoices: tuple[str, ...]
	oldest_days: int


def overdue(items: Iterable[OpenItem], as_of: date, allowed_days: int) -> Overdue:
	"""Invoices still open more than ``allowed_days`` after their due date."""
	late = [
		(item, (as_of - item.due_date).days)
		for item in items
		if item.outstanding > 0 and item.due_date and (as_of - item.due_date).days > allowed_days
	]
	return Overdue(
		round(sum(item.outstanding for item, _ in late), 2),
		tuple(sorted(item.voucher_no for item, _ in late)),
		max((days for _, days in late), default=0),
	)


@dataclass(frozen=True)
class Position:
	"""Where a distributor stands: what it owes, what is committed, and its limit."""

	limit: float  # 0: no limit
	owed: float  # the account's balance (negative: an advance)
	unbilled: float  # approved orders the OEM ERP has not invoiced
	pending: float = 0.0  # orders waiting for approval (counted when placing a new one)
	overdue: Overdue = Overdue(0.0, (), 0)
	overdue_days: int = 0  # allowed days past due; 0: overdue invoices do not block
	hold: bool = False
	hold_reason: str = ""

	@property
	def exposure(self) -> float:
		return round(self.owed + self.unbilled, 2)

	@property
	def available(self) -> float | None:
		"""Credit left for new orders (after the orders waiting for approval); None without a limit."""
		if not self.limit or self.limit <= 0:
			return None
		return round(self.limit - self.exposure - self.pending, 2)


HOLD, OVERDUE, LIMIT = "hold", "overdue", "limit"


@dataclass(frozen=True)
class Refusal:
	code: str  # hold, overdue, limit
	amount: float = 0.0  # overdue: the overdue amount; limit: by how much the order goes over
	invoices: tuple[str, ...] = ()
	reason: str = ""  # hold: the DMS Manager's reason


def check(position: Position, order_value: float) -> list[Refusal]:
	"""Why an order of ``order_value`` cannot go ahead (empty: it can)."""
	refusals = []
	if position.hold:
		refusals.append(Refusal(HOLD, reason=position.hold_reason))
	if position.overdue_days > 0 and position.overdue.amount > 0:
		refusals.append(Refusal(OVERDUE, position.overdue.amount, position.overdue.invoices))
	available = position.available
	if available is not None and order_value > available + 0.005:
		refusals.append(Refusal(LIMIT, round(order_value - available, 2)))
	return refusals


def unbilled(orders: Iterable[tuple[str, float]], invoiced: Iterable[str]) -> float:
	"""The value of approved ``orders`` (name, value) that no invoice names."""
	settled = set(invoiced)
	return round(sum(value for name, value in orders if name not in settled), 2)
