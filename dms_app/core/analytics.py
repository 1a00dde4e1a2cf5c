"""Pure maths behind the channel analytics reports: period buckets, comparison windows, growth, pivots
and the channel stock balance. No frappe here; dms_app.analytics feeds it rows.

Periods are calendar periods (ISO weeks from Monday, months, quarters) clipped to the report's range,
so the first and last columns may be part periods; their labels say so by their dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

WEEKLY, MONTHLY, QUARTERLY = "Weekly", "Monthly", "Quarterly"
RANGES = (WEEKLY, MONTHLY, QUARTERLY)
MAX_PERIODS = 120  # columns one report shows; more is a range the user did not mean


@dataclass(frozen=True)
class Period:
	key: str  # a column fieldname: stable, no spaces
	label: str
	start: date
	end: date


def _month_start(day: date) -> date:
	return day.replace(day=1)


def _next_month(day: date) -> date:
	return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def periods(from_date: date, to_date: date, range_: str) -> list[Period]:
	"""The calendar periods that cover [from_date, to_date], each clipped to it, oldest first."""
	if range_ not in RANGES:
		raise ValueError(f"range must be one of {', '.join(RANGES)}, not {range_!r}")
	if to_date < from_date:
		raise ValueError("the end date is before the start date")
	out: list[Period] = []
	start = from_date
	while start <= to_date:
		if range_ == WEEKLY:
			natural_start = start - timedelta(days=start.weekday())
			following = natural_start + timedelta(days=7)
			year, week, _ = natural_start.isocalendar()
			key, label = f"w{year}_{week:02d}", f"{year} W{week:02d}"
		elif range_ == MONTHLY:
			natural_start = _month_start(start)
			following = _next_month(start)
			key, label = f"m{start.year}_{start.month:02d}", natural_start.strftime("%b %Y")
		else:
			quarter = (start.month - 1) // 3
			natural_start = date(start.year, quarter * 3 + 1, 1)
			following = _next_month(_next_month(_next_month(natural_start)))
			key, label = f"q{start.year}_{quarter + 1}", f"Q{quarter + 1} {start.year}"
		end = min(following - timedelta(days=1), to_date)
		out.append(Period(key, label, start, end))
		start = end + timedelta(days=1)
		if len(out) > MAX_PERIODS:
			raise ValueError(
				f"more than {MAX_PERIODS} {range_.lower()} periods: choose a longer range or fewer dates"
			)
	return out


def previous_window(from_date: date, to_date: date) -> tuple[date, date]:
	"""The window of equal length just before [from_date, to_date]."""
	days = (to_date - from_date).days + 1
	return from_date - timedelta(days=days), from_date - timedelta(days=1)


def _year_earlier(day: date) -> date:
	try:
		return day.replace(year=day.year - 1)
	except ValueError:  # 29 February
		return day.replace(year=day.year - 1, day=28)


def last_year_window(from_date: date, to_date: date) -> tuple[date, date]:
	"""The same dates a year earlier (29 February becomes the 28th)."""
	return _year_earlier(from_date), _year_earlier(to_date)


def growth(current: float, base: float) -> float | None:
	"""Growth of ``current`` over ``base`` in per cent; None when there is no base to grow from."""
	if not base:
		return None
	return round((current - base) / abs(base) * 100, 2)


def period_of(day: date, buckets: list[Period]) -> Period | None:
	"""The bucket holding ``day`` (buckets are contiguous and sorted), or None outside them all."""
	lo, hi = 0, len(buckets) - 1
	while lo <= hi:
		mid = (lo + hi) // 2
		if day < buckets[mid].start:
			hi = mid - 1
		elif day > buckets[mid].end:
			lo = mid + 1
		else:
			return buckets[mid]
	return None


@dataclass
class PivotRow:
	group: str
	by_period: dict[str, float]
	total: float = 0.0
	previous: float = 0.0
	last_year: float = 0.0


def pivot(
	current: Iterable[tuple[str, date, float]],
	buckets: list[Period],
	previous: Iterable[tuple[str, float]] = (),
	last_year: Iterable[tuple[str, float]] = (),
) -> list[PivotRow]:
	"""Rows of (group, date, amount) summed by group and period, with each group's totals in the
	previous window and a year earlier beside them. Sorted by total, largest first, then by group."""
	rows: dict[str, PivotRow] = {}

	def row(group: str) -> PivotRow:
		if group not in rows:
			rows[group] = PivotRow(group, {b.key: 0.0 for b in buckets})
		return rows[group]

	for group, day, amount in current:
		bucket = period_of(day, buckets)
		if bucket is None:
			continue
		r = row(group)
		r.by_period[bucket.key] += amount
		r.total += amount
	for group, amount in previous:
		row(group).previous += amount
	for group, amount in last_year:
		row(group).last_year += amount
	return sorted(rows.values(), key=lambda r: (-r.total, r.group))


@dataclass
class ChannelBalance:
	opening: float = 0.0
	received: float = 0.0  # primary: stock entries into the distributor's warehouses, net of transfers
	sold: float = 0.0  # secondary: leaving on invoices and delivery notes (a positive number)
	returned: float = 0.0  # coming back on credit notes and delivery returns
	adjusted: float = 0.0  # anything else: reconciliations, write-offs

	@property
	def closing(self) -> float:
		return self.opening + self.received - self.sold + self.returned + self.adjusted

	@property
	def net_sold(self) -> float:
		return self.sold - self.returned

	@property
	def build_up(self) -> float:
		"""How much the channel stock grew in the period: bought in beyond what was sold on."""
		return self.closing - self.opening


SELLING_VOUCHERS = frozenset({"Sales Invoice", "Delivery Note", "POS Invoice"})
PRIMARY_VOUCHERS = frozenset({"Stock Entry"})


def classify_movement(balance: ChannelBalance, voucher_type: str, qty: float) -> None:
	"""Add one stock ledger movement (signed quantity) inside the period to the balance."""
	if voucher_type in SELLING_VOUCHERS:
		if qty < 0:
			balance.sold -= qty
		else:
			balance.returned += qty
	elif voucher_type in PRIMARY_VOUCHERS:
		balance.received += qty
	else:
		balance.adjusted += qty


def days_of_cover(stock: float, sold: float, days: int) -> float | None:
	"""Days the stock lasts at the rate ``sold`` over ``days``; None when nothing sold (no rate)."""
	if sold <= 0 or days <= 0:
		return None
	return round(stock / (sold / days), 1)


@dataclass
class StockPosition:
	"""Channel stock of one row of the Channel Stock report (a distributor and SKU, or a roll-up)."""

	on_hand: float = 0.0  # in the distributor's own warehouses
	in_transit: float = 0.0  # dispatched by the OEM, not yet received
	value: float = 0.0
	sold_recent: float = 0.0  # net sell-out over the cover window, stock units
	oldest_days: int | None = None  # age of the oldest stock on hand (first in, first out)
	near_expiry: float = 0.0
	expired: float = 0.0

	@property
	def qty(self) -> float:
		return self.on_hand + self.in_transit

	def add(self, other: StockPosition) -> None:
		self.on_hand += other.on_hand
		self.in_transit += other.in_transit
		self.value += other.value
		self.sold_recent += other.sold_recent
		self.near_expiry += other.near_expiry
		self.expired += other.expired
		if other.oldest_days is not None:
			self.oldest_days = max(self.oldest_days or 0, other.oldest_days)


def roll_up(positions: dict[tuple, StockPosition], key) -> dict:
	"""Positions summed by ``key(position key)``: quantities and values add, the oldest age is kept."""
	out: dict = {}
	for k, position in positions.items():
		out.setdefault(key(k), StockPosition()).add(position)
	return out


@dataclass(frozen=True)
class SchemeReturn:
	cost: float  # what the scheme gave: discounts and free goods at their rate
	during: float  # sell-out of the goods it covers while it ran
	before: float  # the same over the equal period just before

	@property
	def uplift(self) -> float:
		return self.during - self.before

	@property
	def uplift_pct(self) -> float | None:
		return growth(self.during, self.before)

	@property
	def return_on_cost(self) -> float | None:
		"""Extra sell-out per unit of cost (2.0: every rupee given brought two more of sales)."""
		return round(self.uplift / self.cost, 2) if self.cost > 0 else None


def clip_window(
	start: date, end: date, from_date: date | None, to_date: date | None
) -> tuple[date, date] | None:
	"""[start, end] within [from_date, to_date] (either open), or None when they do not overlap."""
	start = max(start, from_date) if from_date else start
	end = min(end, to_date) if to_date else end
	return (start, end) if start <= end else None


MONTH_NAMES = (
	"January",
	"February",
	"March",
	"April",
	"May",
	"June",
	"July",
	"August",
	"September",
	"October",
	"November",
	"December",
)


def month_shares(percentages: dict[str, float] | None) -> dict[int, float]:
	"""Each calendar month's share (0-1) of a yearly target: ERPNext's Monthly Distribution percentages by
	month name, or an equal twelfth of the year without one."""
	if not percentages:
		return {month: 1 / 12 for month in range(1, 13)}
	return {n: float(percentages.get(name) or 0) / 100 for n, name in enumerate(MONTH_NAMES, start=1)}


def targets_by_period(yearly: float, buckets: list[Period], shares: dict[int, float]) -> dict[str, float]:
	"""A yearly target spread over the period columns: each month's share goes to the column holding its
	first day (the columns run from the start of a fiscal year, so they hold whole months)."""
	out = {b.key: 0.0 for b in buckets}
	for bucket in buckets:
		day = bucket.start.replace(day=1)
		if day < bucket.start:
			day = _next_month(day)
		while day <= bucket.end:
			out[bucket.key] += yearly * shares[day.month]
			day = _next_month(day)
	return out
