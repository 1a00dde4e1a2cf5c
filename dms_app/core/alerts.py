"""Channel anomaly rules: pure functions from aggregates to findings. No frappe here;
dms_app.channel_analytics.alerts reads the aggregates, runs the rules and records the findings.

Every finding has a ``key`` that names what it found, not when it was looked for: the same anomaly seen
by the next day's run has the same key and is not raised again, while a new occurrence (another period,
another silence, another pair of invoices) has a new one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

SELL_OUT_ABOVE_SUPPLY = "Sell-out Above Supply"
DUPLICATE_INVOICE = "Duplicate Invoice"
CLAIM_ABOVE_LEDGER = "Claim Above Ledger"
SILENT_DISTRIBUTOR = "Silent Distributor"
DEAD_STOCK = "Dead Stock"
SELL_OUT_SPIKE = "Sell-out Spike"
RULES = (
	SELL_OUT_ABOVE_SUPPLY,
	DUPLICATE_INVOICE,
	CLAIM_ABOVE_LEDGER,
	SILENT_DISTRIBUTOR,
	DEAD_STOCK,
	SELL_OUT_SPIKE,
)

QTY_TOLERANCE = 1e-6
MONEY_TOLERANCE = 0.01


@dataclass(frozen=True)
class Finding:
	rule: str
	key: str
	distributor: str | None
	message: str
	item_code: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	period_start: date | None = None
	period_end: date | None = None
	measured: float = 0.0
	threshold: float = 0.0


def _key(*parts) -> str:
	return "|".join("" if p is None else str(p) for p in parts)


@dataclass(frozen=True)
class StockFlow:
	distributor: str
	item_code: str
	opening: float
	received: float
	sold: float  # leaving on sales documents, positive
	returned: float


def sell_out_above_supply(flows: Iterable[StockFlow], start: date, end: date) -> list[Finding]:
	"""A distributor sold more of an SKU in a period than it had (opening) and was supplied (primary
	receipts, returns from retailers): the stock came from somewhere the OEM does not see, such as
	another channel's goods, a positive stock adjustment, or invoices for goods never held."""
	findings = []
	for f in flows:
		supply = f.opening + f.received + f.returned
		if f.sold > supply + QTY_TOLERANCE:
			findings.append(
				Finding(
					SELL_OUT_ABOVE_SUPPLY,
					_key(SELL_OUT_ABOVE_SUPPLY, f.distributor, f.item_code, start, end),
					f.distributor,
					f"{f.distributor} sold {f.sold:g} of {f.item_code} from {start} to {end}, "
					f"but held {f.opening:g} and received {f.received + f.returned:g}.",
					item_code=f.item_code,
					period_start=start,
					period_end=end,
					measured=f.sold,
					threshold=supply,
				)
			)
	return findings


@dataclass(frozen=True)
class InvoiceShape:
	name: str
	distributor: str
	customer: str
	posting_date: date
	external_ref: str | None
	lines: tuple[tuple[str, float, float], ...]  # (item_code, qty, rate), any order


def duplicate_invoices(invoices: Iterable[InvoiceShape]) -> list[Finding]:
	"""The same retailer invoice entered twice under different references: one distributor, one
	retailer, one date and the very same lines. One finding per such set of invoices."""
	groups: dict[tuple, list[InvoiceShape]] = defaultdict(list)
	for inv in invoices:
		lines = tuple(sorted((item, round(qty, 6), round(rate, 6)) for item, qty, rate in inv.lines))
		groups[(inv.distributor, inv.customer, inv.posting_date, lines)].append(inv)
	findings = []
	for (distributor, customer, posting_date, _lines), same in groups.items():
		if len(same) < 2:
			continue
		same = sorted(same, key=lambda inv: inv.name)
		names = [inv.name for inv in same]
		refs = ", ".join(inv.external_ref or inv.name for inv in same)
		findings.append(
			Finding(
				DUPLICATE_INVOICE,
				_key(DUPLICATE_INVOICE, *names),
				distributor,
				f"{distributor} invoiced {customer} the same lines {len(same)} times on {posting_date}: {refs}.",
				reference_doctype="Sales Invoice",
				reference_name=names[-1],
				period_start=posting_date,
				period_end=posting_date,
				measured=len(same),
				threshold=1,
			)
		)
	return findings


@dataclass(frozen=True)
class ClaimSupport:
	claim: str
	distributor: str
	claimed: float
	supported: float  # the ledger entries of its lines that still stand


def claims_above_ledger(claims: Iterable[ClaimSupport]) -> list[Finding]:
	"""A claim asking for more than the scheme ledger entries it rests on still support (entries
	cancelled, reversed or reduced after the claim was made)."""
	return [
		Finding(
			CLAIM_ABOVE_LEDGER,
			_key(CLAIM_ABOVE_LEDGER, c.claim, round(c.claimed, 2), round(c.supported, 2)),
			c.distributor,
			f"Claim {c.claim} of {c.distributor} asks for {c.claimed:.2f}; its ledger entries support {c.supported:.2f}.",
			reference_doctype="DMS Scheme Claim",
			reference_name=c.claim,
			measured=c.claimed,
			threshold=c.supported,
		)
		for c in claims
		if c.claimed > c.supported + MONEY_TOLERANCE
	]


def silent_distributors(last_sale: Mapping[str, date | None], today: date, days: int) -> list[Finding]:
	"""Distributors whose latest secondary sale is more than ``days`` days old (or who never sent any).
	The key holds the last sale's date: the same silence is raised once, a later one again."""
	findings = []
	for distributor, last in sorted(last_sale.items()):
		silent_for = None if last is None else (today - last).days
		if silent_for is not None and silent_for <= days:
			continue
		since = (
			"has never sent secondary sales" if last is None else f"has sent no secondary sales since {last}"
		)
		findings.append(
			Finding(
				SILENT_DISTRIBUTOR,
				_key(SILENT_DISTRIBUTOR, distributor, last),
				distributor,
				f"{distributor} {since}.",
				period_start=last,
				period_end=today,
				measured=-1 if silent_for is None else silent_for,
				threshold=days,
			)
		)
	return findings


@dataclass(frozen=True)
class StockAge:
	distributor: str
	item_code: str
	on_hand: float
	last_moved: date | None  # the latest movement out (sale, transfer out), None if never


def dead_stock(stock: Iterable[StockAge], today: date, days: int, since: date | None = None) -> list[Finding]:
	"""Stock on hand that has not moved out for more than ``days`` days. Stock that never moved is
	judged from ``since`` (when it came in, if known by the caller, else it is reported)."""
	findings = []
	for s in stock:
		if s.on_hand <= QTY_TOLERANCE:
			continue
		reference = s.last_moved or since
		idle = None if reference is None else (today - reference).days
		if idle is not None and idle <= days:
			continue
		findings.append(
			Finding(
				DEAD_STOCK,
				_key(DEAD_STOCK, s.distributor, s.item_code, s.last_moved),
				s.distributor,
				f"{s.on_hand:g} of {s.item_code} at {s.distributor} "
				+ (f"has not moved since {s.last_moved}." if s.last_moved else "has never moved."),
				item_code=s.item_code,
				period_start=s.last_moved,
				period_end=today,
				measured=s.on_hand,
				threshold=days,
			)
		)
	return findings


def sell_out_spikes(
	series: Mapping[tuple[str, str], list[float]],
	periods: list[tuple[date, date]],
	factor: float,
	minimum: float = 0.0,
) -> list[Finding]:
	"""The last period's sell-out of a distributor and SKU above ``factor`` times its trailing average
	(the periods before it). ``series`` holds one value per period of ``periods``, oldest first. A
	trailing average of nothing is no base (a first sale is no spike), nor is a last value at or below
	``minimum``."""
	if len(periods) < 2:
		return []
	start, end = periods[-1]
	findings = []
	for (distributor, item_code), values in sorted(series.items()):
		*trailing, last = values
		average = sum(trailing) / len(trailing)
		if average <= 0 or last <= minimum or last <= factor * average:
			continue
		findings.append(
			Finding(
				SELL_OUT_SPIKE,
				_key(SELL_OUT_SPIKE, distributor, item_code, start, end),
				distributor,
				f"{distributor} sold {last:g} of {item_code} from {start} to {end}, "
				f"{last / average:.1f}x its average of {average:g} over the {len(trailing)} periods before.",
				item_code=item_code,
				period_start=start,
				period_end=end,
				measured=last,
				threshold=factor * average,
			)
		)
	return findings
