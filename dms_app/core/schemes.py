"""Trade schemes: which offers a cart earns, as plain data.

One function, :func:`evaluate`, takes a cart (lines, the buyer, the channel, the date, coupon codes)
and the active schemes, and returns every benefit with the scheme and the line that earned it. The
controllers turn the result into rates, free rows and ledger entries; nothing here reads a database.

The rules, in the order a reader needs them:

* A scheme applies to a cart when channel, company, validity dates, buyer (distributor, retailer,
  territory and customer-group trees, given as each node's lineage) and coupon all match; to a line
  when the line's item, one of its item groups (lineage) or its brand is listed, or the scheme lists
  none.
* Line schemes are evaluated in priority order (higher first, then name); bill-value schemes after
  all line schemes, each on the net the lines and earlier bill discounts leave.
* ``Slab Discount``: each line on its own (as ERPNext's pricing rules do) picks the slab its quantity
  or value falls in. ``Mixed SKU Slab``: the lines the scheme covers are counted together. A slab
  gives a percentage, or an amount per unit; for ``Bill Value`` an amount off the bill.
* ``Free Goods``: every whole ``buy_qty`` of a line earns ``free_qty`` of the free item (the same
  item when none is named), so free quantities are whole multiples of ``free_qty``.
* ``Quantity Per Period`` schemes earn nothing on a cart: :func:`period_rebate` settles them.
* Stacking: a combinable scheme adds to what a line already has, never past the line's value; an
  exclusive scheme only takes lines no scheme has touched, and no scheme touches them after it. An
  exclusive bill-value scheme applies only to a cart that earned nothing else.
* Budget: a scheme with a remaining budget (value, or quantity) applies in full or not at all.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

PRIMARY, SECONDARY = "Primary", "Secondary"
CHANNELS = (PRIMARY, SECONDARY)

SLAB = "Slab Discount"
MIXED_SLAB = "Mixed SKU Slab"
FREE_GOODS = "Free Goods"
BILL_VALUE = "Bill Value"
PER_PERIOD = "Quantity Per Period"
TYPES = (SLAB, MIXED_SLAB, FREE_GOODS, BILL_VALUE, PER_PERIOD)

QUANTITY, VALUE = "Quantity", "Value"
PERCENTAGE, AMOUNT = "Percentage", "Amount"

CURRENCY_PLACES = 2


@dataclass(frozen=True)
class Slab:
	"""Applies when ``low <= basis <= high`` (``high`` None: no upper end)."""

	low: float
	high: float | None = None
	discount_type: str = PERCENTAGE
	discount: float = 0.0

	def holds(self, basis: float) -> bool:
		return basis >= self.low and (self.high is None or basis <= self.high)


@dataclass(frozen=True)
class Scheme:
	name: str
	scheme_type: str
	channel: str = SECONDARY
	basis: str = QUANTITY
	slabs: tuple[Slab, ...] = ()
	buy_qty: float = 0.0
	free_qty: float = 0.0
	free_item: str | None = None
	items: frozenset[str] = frozenset()
	item_groups: frozenset[str] = frozenset()
	brands: frozenset[str] = frozenset()
	company: str | None = None
	territories: frozenset[str] = frozenset()
	customer_groups: frozenset[str] = frozenset()
	distributors: frozenset[str] = frozenset()
	retailers: frozenset[str] = frozenset()
	valid_from: str | None = None  # ISO dates, inclusive
	valid_upto: str | None = None
	priority: int = 0
	exclusive: bool = False
	coupon_code: str | None = None
	budget_type: str | None = None  # QUANTITY or VALUE; None: no cap
	budget_left: float | None = None

	def covers_items(self) -> bool:
		return bool(self.items or self.item_groups or self.brands)


@dataclass(frozen=True)
class Line:
	key: str
	item_code: str
	qty: float
	rate: float
	item_groups: frozenset[str] = frozenset()  # the item's group and its ancestors
	brand: str | None = None

	@property
	def value(self) -> float:
		return self.qty * self.rate


@dataclass(frozen=True)
class Buyer:
	company: str | None = None
	distributor: str | None = None
	retailer: str | None = None
	territories: frozenset[str] = frozenset()  # the buyer's territory and its ancestors
	customer_groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Cart:
	channel: str
	date: str
	buyer: Buyer
	lines: tuple[Line, ...]
	coupon_codes: frozenset[str] = frozenset()
	prices: dict[str, float] = field(default_factory=dict)  # rates of free items not in the cart


@dataclass(frozen=True)
class Benefit:
	scheme: str
	line: str | None  # key of the line that earned it; None for a bill discount
	discount: float = 0.0
	free_item: str | None = None
	free_qty: float = 0.0
	value: float = 0.0  # what the benefit is worth: the discount, or the free goods at their rate
	qty: float = 0.0  # the quantity it counts against a quantity budget


@dataclass
class Outcome:
	benefits: list[Benefit] = field(default_factory=list)
	skipped: dict[str, str] = field(default_factory=dict)  # scheme -> why it did not apply

	def line_discount(self, key: str) -> float:
		return _money(math.fsum(b.discount for b in self.benefits if b.line == key))

	@property
	def bill_discount(self) -> float:
		return _money(math.fsum(b.discount for b in self.benefits if b.line is None))

	@property
	def total_discount(self) -> float:
		"""Every line discount and the bill discount."""
		return _money(math.fsum(b.discount for b in self.benefits))

	def free_lines(self) -> list[tuple[str, str, float]]:
		"""(scheme, free item, qty), one per scheme and item, sorted."""
		totals: dict[tuple[str, str], float] = {}
		for b in self.benefits:
			if b.free_qty:
				totals[(b.scheme, b.free_item)] = totals.get((b.scheme, b.free_item), 0) + b.free_qty
		return [(scheme, item, qty) for (scheme, item), qty in sorted(totals.items())]

	def by_scheme(self) -> dict[str, float]:
		totals: dict[str, list[float]] = {}
		for b in self.benefits:
			totals.setdefault(b.scheme, []).append(b.value)
		return {name: _money(math.fsum(values)) for name, values in sorted(totals.items())}


# -- checks ---------------------------------------------------------------------------------------


def check_scheme(scheme: Scheme) -> list[str]:
	"""What is wrong with a scheme's terms, as sentences; empty when it can be saved."""
	problems = []
	if scheme.scheme_type not in TYPES:
		problems.append(f"Scheme type must be one of {', '.join(TYPES)}.")
	if scheme.channel not in CHANNELS:
		problems.append("Channel must be Primary or Secondary.")
	if scheme.valid_from and scheme.valid_upto and scheme.valid_upto < scheme.valid_from:
		problems.append(f"Valid Upto {scheme.valid_upto} is before Valid From {scheme.valid_from}.")
	if scheme.scheme_type == FREE_GOODS:
		if scheme.buy_qty <= 0:
			problems.append("Buy Quantity must be more than 0.")
		if scheme.free_qty <= 0 or scheme.free_qty != int(scheme.free_qty):
			problems.append("Free Quantity must be a whole number more than 0.")
	elif scheme.scheme_type in TYPES:
		if not scheme.slabs:
			problems.append("Add at least one slab.")
		problems.extend(check_slabs(scheme.slabs))
	if scheme.budget_type and scheme.budget_left is not None and scheme.budget_left < 0:
		problems.append("Budget cannot be negative.")
	return problems


def check_slabs(slabs: tuple[Slab, ...] | list[Slab]) -> list[str]:
	problems = []
	for number, slab in enumerate(slabs, 1):
		if slab.low < 0:
			problems.append(f"Slab {number}: From cannot be negative.")
		if slab.high is not None and slab.high < slab.low:
			problems.append(f"Slab {number}: To {slab.high:g} is below From {slab.low:g}.")
		if slab.discount < 0:
			problems.append(f"Slab {number}: the discount cannot be negative.")
		if slab.discount_type == PERCENTAGE and slab.discount > 100:
			problems.append(f"Slab {number}: a percentage cannot be more than 100.")
		if slab.discount_type not in (PERCENTAGE, AMOUNT):
			problems.append(f"Slab {number}: discount type must be Percentage or Amount.")
	ordered = sorted(enumerate(slabs, 1), key=lambda pair: pair[1].low)
	for (first, lower), (second, upper) in itertools.pairwise(ordered):
		if lower.high is None or upper.low <= lower.high:
			problems.append(f"Slabs {first} and {second} overlap.")
	return problems


# -- evaluation -----------------------------------------------------------------------------------


def applies_to_cart(scheme: Scheme, cart: Cart) -> bool:
	buyer = cart.buyer
	return (
		scheme.channel == cart.channel
		and (not scheme.company or scheme.company == buyer.company)
		and (not scheme.valid_from or scheme.valid_from <= cart.date)
		and (not scheme.valid_upto or cart.date <= scheme.valid_upto)
		and (not scheme.distributors or buyer.distributor in scheme.distributors)
		and (not scheme.retailers or buyer.retailer in scheme.retailers)
		and (not scheme.territories or bool(scheme.territories & buyer.territories))
		and (not scheme.customer_groups or bool(scheme.customer_groups & buyer.customer_groups))
		and (not scheme.coupon_code or scheme.coupon_code.upper() in {c.upper() for c in cart.coupon_codes})
	)


def applies_to_line(scheme: Scheme, line: Line) -> bool:
	if not scheme.covers_items():
		return True
	return (
		line.item_code in scheme.items
		or bool(scheme.item_groups & line.item_groups)
		or (line.brand is not None and line.brand in scheme.brands)
	)


def evaluate(cart: Cart, schemes: list[Scheme] | tuple[Scheme, ...]) -> Outcome:
	outcome = Outcome()
	active = [s for s in schemes if s.scheme_type != PER_PERIOD and applies_to_cart(s, cart)]
	line_first = sorted(active, key=lambda s: (s.scheme_type == BILL_VALUE, -s.priority, s.name))
	lines = sorted(cart.lines, key=lambda line: line.key)
	given: dict[str | None, float] = {line.key: 0.0 for line in lines}  # discount each line has so far
	given[None] = 0.0
	touched: set[str] = set()
	locked: set[str] = set()
	for scheme in line_first:
		if scheme.scheme_type == BILL_VALUE:
			if scheme.exclusive and outcome.benefits:
				continue
			open_lines = [line for line in lines if line.key not in locked]
		else:
			open_lines = [
				line
				for line in lines
				if line.key not in locked
				and not (scheme.exclusive and line.key in touched)
				and applies_to_line(scheme, line)
			]
		proposed = [b for b in _propose(scheme, open_lines, given, cart) if b.discount or b.free_qty]
		if not proposed:
			continue
		if not _within_budget(scheme, proposed):
			outcome.skipped[scheme.name] = "budget"
			continue
		earned = {benefit.line for benefit in proposed if benefit.line is not None}
		for benefit in proposed:
			given[benefit.line] += benefit.discount  # the key None holds what bill discounts took
		touched |= earned
		if scheme.exclusive:
			locked |= {line.key for line in open_lines} if scheme.scheme_type == BILL_VALUE else earned
		outcome.benefits.extend(proposed)
	return outcome


def period_rebate(scheme: Scheme, qty: float, value: float) -> float:
	"""What a buyer earns from a Quantity Per Period scheme for what it bought in the period."""
	slab = _slab(scheme, qty if scheme.basis == QUANTITY else value)
	if slab is None:
		return 0.0
	if slab.discount_type == PERCENTAGE:
		return _money(value * slab.discount / 100)
	return _money(qty * slab.discount)


def _propose(scheme: Scheme, lines: list[Line], given: dict[str | None, float], cart: Cart) -> list[Benefit]:
	if not lines:
		return []
	if scheme.scheme_type == SLAB:
		return [
			b
			for line in lines
			if (b := _line_discount(scheme, line, _slab(scheme, _basis(scheme, [line])), given))
		]
	if scheme.scheme_type == MIXED_SLAB:
		slab = _slab(scheme, _basis(scheme, lines))
		return [b for line in lines if (b := _line_discount(scheme, line, slab, given))]
	if scheme.scheme_type == FREE_GOODS:
		return [b for line in lines if (b := _free_goods(scheme, line, cart))]
	if scheme.scheme_type == BILL_VALUE:
		net = math.fsum(line.value - given[line.key] for line in lines) - given[None]
		slab = _slab(scheme, net)
		if slab is None:
			return []
		off = net * slab.discount / 100 if slab.discount_type == PERCENTAGE else slab.discount
		off = min(_money(off), _money_down(net))
		return [Benefit(scheme.name, None, discount=off, value=off)]
	return []


def _basis(scheme: Scheme, lines: list[Line]) -> float:
	if scheme.basis == VALUE:
		return math.fsum(line.value for line in lines)
	return math.fsum(line.qty for line in lines)


def _slab(scheme: Scheme, basis: float) -> Slab | None:
	return next((slab for slab in scheme.slabs if slab.holds(basis)), None)


def _line_discount(scheme: Scheme, line: Line, slab: Slab | None, given: dict[str, float]) -> Benefit | None:
	if slab is None or line.qty <= 0 or line.rate <= 0:
		return None
	if slab.discount_type == PERCENTAGE:
		off = line.value * slab.discount / 100
	else:
		off = min(slab.discount, line.rate) * line.qty
	off = min(_money(off), _money_down(line.value - given[line.key]))
	if off <= 0:
		return None
	return Benefit(scheme.name, line.key, discount=off, value=off, qty=line.qty)


def _free_goods(scheme: Scheme, line: Line, cart: Cart) -> Benefit | None:
	multiples = math.floor(line.qty / scheme.buy_qty + 1e-9) if scheme.buy_qty > 0 else 0
	if multiples <= 0:
		return None
	item = scheme.free_item or line.item_code
	qty = multiples * scheme.free_qty
	rate = line.rate if item == line.item_code else cart.prices.get(item, 0.0)
	return Benefit(scheme.name, line.key, free_item=item, free_qty=qty, value=_money(qty * rate), qty=qty)


def _within_budget(scheme: Scheme, proposed: list[Benefit]) -> bool:
	if not scheme.budget_type or scheme.budget_left is None:
		return True
	if scheme.budget_type == QUANTITY:
		return math.fsum(b.qty for b in proposed) <= scheme.budget_left + 1e-9
	return math.fsum(b.value for b in proposed) <= scheme.budget_left + 1e-9


def _money(amount: float) -> float:
	return round(amount + 0.0, CURRENCY_PLACES)


def _money_down(amount: float) -> float:
	"""Rounded down to the currency's places, so a capped discount never passes the cap."""
	scale = 10**CURRENCY_PLACES
	return math.floor(round(amount * scale, 6)) / scale


# -- invoices from the distributor's books, and returns -------------------------------------------
#
# An invoice uploaded from a distributor's books (Tally ...) already carries the price the retailer paid:
# its rates are the truth and the engine never prices it. What the schemes would have given the same cart
# at list price explains the discount the books gave, and only that much is recorded as the schemes'
# benefit (the ledger that claims and budgets are made of): a scheme that would give more than the books
# gave is recorded at what was given; a discount, free quantity or bill discount no scheme explains is
# reported as unexplained. A return gives back its share of what the invoice it returns recorded.


@dataclass(frozen=True)
class Given:
	"""A paid line of an uploaded invoice: what the books gave off its list price (quantity x (list rate
	- rate), in money)."""

	key: str
	discount: float


@dataclass
class Explanation:
	benefits: list[Benefit] = field(default_factory=list)  # the schemes' share of what was given
	unexplained: dict[str, float] = field(default_factory=dict)  # line key, "bill" or "free <item>" -> money

	@property
	def total_unexplained(self) -> float:
		return _money(math.fsum(self.unexplained.values()))


def _scaled(benefit: Benefit, factor: float) -> Benefit:
	if factor >= 1:
		return benefit
	return Benefit(
		scheme=benefit.scheme,
		line=benefit.line,
		discount=_money_down(benefit.discount * factor),
		free_item=benefit.free_item,
		free_qty=benefit.free_qty * factor,
		value=_money_down(benefit.value * factor),
		qty=benefit.qty * factor,
	)


def explain(
	outcome: Outcome,
	given: list[Given] | tuple[Given, ...],
	free_given: dict[str, float],
	bill_given: float,
	prices: dict[str, float],
	tolerance: float = 1.0,
) -> Explanation:
	"""What of the books' discounts the schemes explain. ``outcome`` is ``evaluate`` on the invoice's paid
	lines at list price; ``free_given`` the quantity the books gave free, by item; ``bill_given`` the
	invoice discount; ``prices`` the list rates that value free goods no scheme explains. Amounts within
	``tolerance`` (a rupee's rounding) are not reported as unexplained."""
	found = Explanation()

	def share(benefits: list[Benefit], offered: float, gave: float, label: str, unit_value: float = 1.0):
		if gave > 0 and offered > 0:
			found.benefits.extend(_scaled(b, min(1.0, gave / offered)) for b in benefits)
		extra = (gave - offered) * unit_value
		if extra > tolerance:
			found.unexplained[label] = _money(extra)

	for line in given:
		benefits = [b for b in outcome.benefits if b.line == line.key and not b.free_qty and b.discount]
		share(benefits, math.fsum(b.discount for b in benefits), line.discount, line.key)
	free_items = sorted({b.free_item for b in outcome.benefits if b.free_qty} | set(free_given))
	for item in free_items:
		benefits = [b for b in outcome.benefits if b.free_qty and b.free_item == item]
		offered = math.fsum(b.free_qty for b in benefits)
		share(benefits, offered, free_given.get(item, 0.0), f"free {item}", prices.get(item, 0.0))
	bill = [b for b in outcome.benefits if b.line is None and b.discount]
	share(bill, math.fsum(b.discount for b in bill), bill_given, "bill")
	return found


@dataclass(frozen=True)
class Earned:
	"""A benefit a sale recorded (a ledger entry), with the item of the line that earned it (None for a
	bill discount)."""

	benefit: Benefit
	item_code: str | None


def given_back(
	earned: list[Earned] | tuple[Earned, ...],
	sold: dict[str, float],
	returned: dict[str, float],
	sold_value: float,
	returned_value: float,
) -> list[tuple[str | None, Benefit]]:
	"""What a return gives back of its invoice's benefits, as negative benefits with the item they are on:
	a line's benefit (discount or free goods) in the share of that item's quantity returned, a bill
	discount in the share of the value returned. ``sold`` and ``returned`` are quantities by item, the
	values the invoice's and the return's totals before the bill discount, all positive."""
	back = []
	for entry in earned:
		if entry.item_code is None:
			share = returned_value / sold_value if sold_value else 0.0
		else:
			share = (
				returned.get(entry.item_code, 0.0) / sold[entry.item_code]
				if sold.get(entry.item_code)
				else 0.0
			)
		share = min(share, 1.0)
		if share <= 0:
			continue
		b = entry.benefit
		back.append(
			(
				entry.item_code,
				Benefit(
					scheme=b.scheme,
					line=b.line,
					discount=-_money(b.discount * share),
					free_item=b.free_item,
					free_qty=-b.free_qty * share,
					value=-_money(b.value * share),
					qty=-b.qty * share,
				),
			)
		)
	return back
