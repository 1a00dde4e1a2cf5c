"""The rule that makes a Tally import trustworthy: what DMS posted must be what Tally says, to a rupee's
rounding, line by line, tax head by tax head, and in total; and a Tally voucher must add up by itself
before it is compared with anything.

Nothing here touches the database: the caller reads the posted invoice's figures into PostedTotals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dms_app.core.tally import Number, TallyVoucher

ZERO = Decimal(0)
PAISA = Decimal("0.01")


def _decimal(value: Number | None) -> Decimal | None:
	if value is None:
		return None
	if isinstance(value, Decimal):
		return value
	return Decimal(str(value).replace(",", ""))


def format_amount(value: Number | None) -> str:
	"""An amount as Tally shows it, in Indian grouping to the paisa: 125000 -> "1,25,000.00"."""
	number = _decimal(value)
	if number is None:
		return "none"
	number = number.quantize(PAISA, rounding=ROUND_HALF_UP)
	sign = "-" if number < 0 else ""
	whole, _, fraction = f"{abs(number):.2f}".partition(".")
	head, tail = whole[:-3], whole[-3:]
	groups = []
	while len(head) > 2:
		groups.insert(0, head[-2:])
		head = head[:-2]
	if head:
		groups.insert(0, head)
	return sign + ",".join([*groups, tail]) + "." + fraction


@dataclass(frozen=True)
class Totals:
	"""A voucher's figures, every one positive for an ordinary sale and for a return alike.

	``lines``: each line's amount after its own discount, in line order; ``taxes``: tax head (CGST, SGST,
	IGST, Cess ...) -> amount; ``discount``: the invoice discount, positive when it reduces the total;
	``total``: what the party owes (or is owed back, for a return); ``charges``: other ledgers (freight ...)
	by name. Decimals, floats, ints or numeric strings.
	"""

	lines: tuple[Number, ...] = ()
	taxes: Mapping[str, Number] = field(default_factory=dict)
	discount: Number = 0
	round_off: Number = 0
	total: Number | None = 0
	charges: Mapping[str, Number] = field(default_factory=dict)


class TallyTotals(Totals):
	"""What Tally says (``tally_totals`` builds it from a TallyVoucher)."""


class PostedTotals(Totals):
	"""What DMS posted: each Sales Invoice Item's amount (after the line's discount, before the invoice
	discount), the taxes per head, the invoice discount amount, the rounding adjustment and the rounded
	grand total; for a return, the same figures made positive."""


@dataclass(frozen=True)
class Difference:
	field: str  # "line 2 amount", "CGST", "discount", "Freight Outward charge", "round-off", "total"
	tally: Decimal | None
	posted: Decimal | None

	@property
	def message(self) -> str:
		return f"{self.field}: Tally {format_amount(self.tally)}, DMS {format_amount(self.posted)}"

	def __str__(self) -> str:
		return self.message

	def as_dict(self) -> dict:
		return {
			"field": self.field,
			"tally": None if self.tally is None else str(self.tally),
			"posted": None if self.posted is None else str(self.posted),
			"message": self.message,
		}


def _by_name(figures: Mapping[str, Number]) -> dict[str, tuple[str, Decimal]]:
	named: dict[str, tuple[str, Decimal]] = {}
	for name, value in figures.items():
		key = name.strip().casefold()
		spelled, before = named.get(key, (name, ZERO))
		named[key] = (spelled, before + _decimal(value))
	return named


def reconcile(tally: TallyTotals, posted: PostedTotals, tolerance: Number = 1.0) -> list[Difference]:
	"""Every figure on which the two sides differ by more than ``tolerance`` (a rupee's rounding, by default):
	the line amounts (by position), the taxes (by head, case-insensitive; a head missing on one side counts
	0), the invoice discount, the other charges, the round-off and the total. No differences: the posting is
	faithful."""
	limit = _decimal(tolerance)
	differences: list[Difference] = []

	def compare(label: str, left: Number | None, right: Number | None) -> None:
		left, right = _decimal(left), _decimal(right)
		if left is None and right is None:
			return
		if left is None or right is None or abs(left - right) > limit:
			differences.append(Difference(label, left, right))

	for position in range(max(len(tally.lines), len(posted.lines))):
		compare(
			f"line {position + 1} amount",
			tally.lines[position] if position < len(tally.lines) else None,
			posted.lines[position] if position < len(posted.lines) else None,
		)
	for label, left, right in (("", tally.taxes, posted.taxes), (" charge", tally.charges, posted.charges)):
		ours, theirs = _by_name(left), _by_name(right)
		for key in dict.fromkeys([*ours, *theirs]):
			name = (ours.get(key) or theirs.get(key))[0]
			compare(f"{name}{label}", ours.get(key, (name, ZERO))[1], theirs.get(key, (name, ZERO))[1])
	compare("discount", tally.discount, posted.discount)
	compare("round-off", tally.round_off, posted.round_off)
	compare("total", tally.total, posted.total)
	return differences


def tally_totals(voucher: TallyVoucher) -> TallyTotals:
	"""A TallyVoucher's figures for ``reconcile``; ledgers the mapping did not know count as charges."""
	charges: dict[str, Decimal] = {}
	for entry in voucher.ledger_entries:
		if entry.kind in ("other", "unknown"):
			charges[entry.ledger] = charges.get(entry.ledger, ZERO) + entry.amount
	return TallyTotals(
		lines=tuple(line.amount for line in voucher.lines),
		taxes=voucher.taxes,
		discount=voucher.discount,
		round_off=voucher.round_off,
		total=voucher.total,
		charges=charges,
	)


# -- a voucher by itself ------------------------------------------------------------------------------


def expected_total(voucher: TallyVoucher) -> Decimal:
	"""What the party should be charged: the lines less the invoice discount plus taxes, other charges and
	the round-off (and any ledger the mapping did not know, which is reported by ``check_voucher``)."""
	return voucher.line_total + sum((entry.amount for entry in voucher.ledger_entries), ZERO)


@dataclass(frozen=True)
class Inconsistency:
	"""A voucher that does not add up by itself: the figure Tally states and what its parts make."""

	field: str
	stated: Decimal | None
	computed: Decimal | None
	message: str

	def __str__(self) -> str:
		return self.message


def _half_unit(value: Decimal) -> Decimal:
	"""Half of the last decimal place Tally wrote: a rate shown as 333.33 may be off by 0.005."""
	exponent = value.as_tuple().exponent
	return Decimal(5).scaleb(exponent - 1) if isinstance(exponent, int) and exponent < 0 else ZERO


def check_voucher(
	voucher: TallyVoucher, tolerance: Number = PAISA, *, unmapped_ledgers: bool = True
) -> list[Inconsistency]:
	"""Where a voucher does not add up: the party's total against lines - discount + taxes + round-off (+
	charges), each line's amount against billed quantity x rate less its discount (allowing for a rate
	rounded to its last decimal), each line's batch amounts against the line, a ledger the mapping does
	not classify (unless ``unmapped_ledgers`` is False: the voucher was read without the mapping, which is
	applied later), and a voucher without a party entry. Tally balances every voucher to the paisa, so the
	default tolerance is one paisa."""
	limit = _decimal(tolerance)
	found: list[Inconsistency] = []
	computed = expected_total(voucher)
	if voucher.total is None:
		found.append(
			Inconsistency(
				"total",
				None,
				computed,
				f"total: no ledger entry for the party {voucher.party_ledger or '(none named)'}, so Tally's "
				f"total is unknown; the lines and ledgers make {format_amount(computed)}",
			)
		)
	elif abs(voucher.total - computed) > limit:
		parts = [
			f"lines {format_amount(voucher.line_total)}",
			f"- discount {format_amount(voucher.discount)}",
			f"+ taxes {format_amount(sum(voucher.taxes.values(), ZERO))}",
		]
		charges = sum(voucher.other_charges.values(), ZERO) + sum(
			(e.amount for e in voucher.unknown_ledgers), ZERO
		)
		if charges:
			parts.append(f"+ charges {format_amount(charges)}")
		parts.append(f"+ round-off {format_amount(voucher.round_off)}")
		found.append(
			Inconsistency(
				"total",
				voucher.total,
				computed,
				f"total: {' '.join(parts)} = {format_amount(computed)}, "
				f"but Tally's total is {format_amount(voucher.total)}",
			)
		)
	for entry in voucher.unknown_ledgers if unmapped_ledgers else ():
		found.append(
			Inconsistency(
				f"ledger {entry.ledger}",
				entry.amount,
				None,
				f"ledger {entry.ledger} ({format_amount(entry.amount)}) is not in the ledger mapping: "
				"say whether it is a tax (and which), a discount, the round-off or another charge",
			)
		)
	for number, line in enumerate(voucher.lines, start=1):
		label = f"line {number} ({line.item})"
		amount = line.computed_amount()
		if amount is not None:
			# a rate Tally shows as 333.33 may be 333.3333: allow half its last place on every unit
			units = amount / line.rate.value if line.rate.value else ZERO
			if abs(amount - line.amount) > limit + abs(units) * _half_unit(line.rate.value):
				less = f" less {line.discount_percentage}%" if line.discount_percentage else ""
				found.append(
					Inconsistency(
						f"{label} amount",
						line.amount,
						amount,
						f"{label}: {str(line.billed).strip()} x {line.rate}{less} = {format_amount(amount)}, "
						f"but Tally's amount is {format_amount(line.amount)}",
					)
				)
		batch_amounts = [b.amount for b in line.batches]
		if batch_amounts and None not in batch_amounts:
			batches = sum(batch_amounts, ZERO)
			if abs(batches - line.amount) > limit:
				found.append(
					Inconsistency(
						f"{label} batches",
						line.amount,
						batches,
						f"{label}: the batches add up to {format_amount(batches)}, "
						f"but the line's amount is {format_amount(line.amount)}",
					)
				)
	return found


# -- an invoice of the batch shape (dms_app.core.secondary_sales), by the distributor's ledger mapping ------

TAX, DISCOUNT, ROUND_OFF, CHARGE = "Tax", "Discount", "Round Off", "Charge"
RULE_KINDS = (TAX, DISCOUNT, ROUND_OFF, CHARGE)


@dataclass(frozen=True)
class LedgerRule:
	"""What one ledger of the distributor's books is (a DMS Tally Ledger row): a tax of a head (CGST, SGST,
	IGST, Cess ...) posted to ``account``, an invoice discount, the round-off, or a charge (freight ...)
	posted to ``account``."""

	kind: str
	head: str | None = None
	account: str | None = None


@dataclass(frozen=True)
class Charge:
	ledger: str
	account: str
	amount: Decimal


@dataclass(frozen=True)
class LedgerPlan:
	"""How an invoice's ledgers are posted: the tax accounts its tax template must have (the template sets
	the rates; the books' tax amounts are what the posting is reconciled with), the invoice discount on the
	net total, the charges as actual amounts; the round-off is ERPNext's own rounding, reconciled too."""

	tax_accounts: frozenset[str] = frozenset()
	tax_ledgers: tuple[str, ...] = ()  # the ledgers that brought them
	taxes: Mapping[str, Decimal] = field(default_factory=dict)  # head -> the books' amount
	discount: Decimal = ZERO
	round_off: Decimal = ZERO
	charges: tuple[Charge, ...] = ()
	problems: tuple[str, ...] = ()  # ledgers the mapping does not know, or knows without an account

	def books(self, lines: Sequence[Number | None], total: Number | None) -> TallyTotals:
		"""The books' figures to reconcile the posting with (charges by ledger)."""
		charges: dict[str, Decimal] = {}
		for charge in self.charges:
			charges[charge.ledger] = charges.get(charge.ledger, ZERO) + charge.amount
		return TallyTotals(
			lines=tuple(ZERO if amount is None else amount for amount in lines),
			taxes=dict(self.taxes),
			discount=self.discount,
			round_off=self.round_off,
			total=total,
			charges=charges,
		)


def fold_name(name: str) -> str:
	"""A ledger or godown name as the books' spellings of it match: case and spacing aside."""
	return " ".join(name.split()).casefold()


def rules_by_ledger(rows: Iterable[tuple[str, LedgerRule]]) -> dict[str, LedgerRule]:
	"""Ledger name -> rule, matched regardless of case and spacing; a later row for the same ledger wins
	(give the OEM's rows first and the distributor's own after them)."""
	return {fold_name(name): rule for name, rule in rows}


def rule_for(rules: Mapping[str, LedgerRule], ledger: str) -> LedgerRule | None:
	return rules.get(fold_name(ledger))


def plan_ledgers(ledgers: Iterable[tuple[str, Number]], rules: Mapping[str, LedgerRule]) -> LedgerPlan:
	"""The (ledger, amount) entries of an invoice, amounts in the invoice's direction (a discount negative),
	as a LedgerPlan by ``rules`` (from ``rules_by_ledger``). Every ledger the rules do not name, and every
	tax or charge rule without an account, is a problem: nothing is guessed."""
	accounts: set[str] = set()
	tax_ledgers: list[str] = []
	taxes: dict[str, Decimal] = {}
	discount = round_off = ZERO
	charges: list[Charge] = []
	problems: list[str] = []
	for ledger, value in ledgers:
		amount = _decimal(value)
		rule = rule_for(rules, ledger)
		if rule is None:
			problems.append(
				f"ledger {ledger} ({format_amount(amount)}) is not mapped: map it in DMS Tally Ledger as a tax, "
				"a discount, the round-off or a charge"
			)
		elif rule.kind in (TAX, CHARGE) and not rule.account:
			problems.append(
				f"ledger {ledger}: its mapping names no account to post the {rule.kind.lower()} to"
			)
		elif rule.kind == TAX:
			accounts.add(rule.account)
			tax_ledgers.append(ledger)
			taxes[rule.head] = taxes.get(rule.head, ZERO) + amount
		elif rule.kind == DISCOUNT:
			discount -= amount
		elif rule.kind == ROUND_OFF:
			round_off += amount
		else:
			charges.append(Charge(ledger, rule.account, amount))
	return LedgerPlan(
		frozenset(accounts), tuple(tax_ledgers), taxes, discount, round_off, tuple(charges), tuple(problems)
	)


def pick_template(tax_accounts: frozenset[str], templates: Mapping[str, Iterable[str]]) -> str | None:
	"""The tax template (name -> its tax accounts) whose accounts are exactly ``tax_accounts``: intra-state
	CGST + SGST, inter-state IGST, with Cess where the books charge it. The first by name when several
	are; None when none is (or when there is no tax)."""
	if not tax_accounts:
		return None
	for name in sorted(templates):
		if frozenset(templates[name]) == tax_accounts:
			return name
	return None


def heads_by_account(rules: Mapping[str, LedgerRule]) -> dict[str, str]:
	"""Account -> tax head, to read a posted invoice's tax rows back as heads."""
	return {rule.account: rule.head for rule in rules.values() if rule.kind == TAX and rule.account}
