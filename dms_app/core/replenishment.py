"""How much a distributor should order of an item: the suggested quantity on the portal's Place Order page,
and the checks on a cart before it becomes an order. No frappe here; dms_app.portal.catalogue feeds it.

The suggestion keeps ``cover_days`` of recent sell-out in the distributor's pipeline::

    history   = min(window_days, days the distributor has been trading), at least 1
    daily     = max(sold in the last window_days, 0) / history
    target    = daily * cover_days
    pipeline  = max(on_hand, 0) + in_transit + on_order
    need      = target - pipeline
    suggested = 0                                          when need <= 0
              = round_up(need), at least min_order_qty     otherwise

- ``sold`` is the net quantity sold to retailers in the window (returns count against it);
- ``on_hand`` is stock in the distributor's own warehouses (negative stock counts as none), ``in_transit``
  what has been dispatched to it and not yet received, ``on_order`` what it has ordered and is not yet
  dispatched (orders awaiting approval, and approved orders' undispatched quantities);
- a distributor younger than the window is averaged over the days it has traded, so a new distributor's
  first weeks are not diluted by days it did not exist;
- round_up is to a whole unit when the item's unit must be whole (Nos, Box...), else to 0.001;
- with no sell-out in the window the suggestion is 0: the page shows it, the distributor decides.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

EPSILON = 1e-9
MAX_CART_LINES = 1000


def history_days(window_days: int, trading_since: date | None, today: date) -> int:
	"""Days of the window the distributor has traded: the window, cut to the days since ``trading_since``
	(both ends included) when that is shorter. Never below 1."""
	window = max(int(window_days), 1)
	if trading_since is None:
		return window
	return max(min(window, (today - trading_since).days + 1), 1)


def daily_rate(sold: float, history: int) -> float:
	"""Average units sold a day; returns more than sold (net negative) count as no sales."""
	return max(float(sold or 0), 0.0) / max(int(history), 1)


def round_up(qty: float, whole: bool = True) -> float:
	"""``qty`` rounded up to a whole unit (``whole``) or to 0.001; a hair above a step does not add a step."""
	if qty <= EPSILON:
		return 0.0
	step = 1 if whole else 1000
	return math.ceil(qty * step - EPSILON * step) / step


@dataclass(frozen=True)
class Suggestion:
	daily: float  # average units sold a day
	target: float  # daily * cover days
	pipeline: float  # on hand + in transit + on order
	qty: float  # the suggested order quantity


def suggest(
	sold: float,
	history: int,
	cover_days: int,
	on_hand: float = 0,
	in_transit: float = 0,
	on_order: float = 0,
	min_order_qty: float = 0,
	whole: bool = True,
) -> Suggestion:
	"""The suggested order quantity (see the module docstring); never negative."""
	daily = daily_rate(sold, history)
	target = daily * max(int(cover_days or 0), 0)
	pipeline = (
		max(float(on_hand or 0), 0.0) + max(float(in_transit or 0), 0.0) + max(float(on_order or 0), 0.0)
	)
	need = target - pipeline
	qty = 0.0
	if need > EPSILON:
		qty = max(round_up(need, whole), round_up(float(min_order_qty or 0), whole))
	return Suggestion(daily=daily, target=target, pipeline=pipeline, qty=qty)


def cover_days_for(distributor_days: int | None, default_days: int) -> int:
	"""The distributor's own days-of-cover norm when it has one (above 0), else the default."""
	return (
		int(distributor_days)
		if distributor_days and int(distributor_days) > 0
		else max(int(default_days or 0), 0)
	)


# The cart -------------------------------------------------------------------------------------------


class CartError(ValueError):
	"""A cart that cannot become an order. ``problem``: empty, too_many, no_item, bad_qty."""

	def __init__(self, problem: str, item_code: str | None = None, value=None):
		super().__init__(f"{problem}: {item_code or ''} {value if value is not None else ''}".strip())
		self.problem, self.item_code, self.value = problem, item_code, value


def parse_cart(lines: Iterable[Mapping] | None, max_lines: int = MAX_CART_LINES) -> dict[str, float]:
	"""The cart's quantities by item code, in first-seen order; lines of the same item are added up.

	Each line is a mapping with ``item_code`` and ``qty``. Raises CartError for an empty cart, more than
	``max_lines`` items, a line without an item code, or a quantity that is not a finite number above 0."""
	cart: dict[str, float] = {}
	for line in lines or ():
		if not isinstance(line, Mapping):
			raise CartError("no_item", None, line)
		code = line.get("item_code")
		code = code.strip() if isinstance(code, str) else ""
		if not code:
			raise CartError("no_item", None, line.get("item_code"))
		raw = line.get("qty")
		try:
			qty = float(raw) if not isinstance(raw, bool) else math.nan
		except (TypeError, ValueError):
			qty = math.nan
		if not math.isfinite(qty) or qty <= 0:
			raise CartError("bad_qty", code, raw)
		cart[code] = cart.get(code, 0.0) + qty
	if not cart:
		raise CartError("empty")
	if len(cart) > max_lines:
		raise CartError("too_many", None, max_lines)
	return cart
