"""Which distributor serves a retailer's order, line by line.

A retailer's order goes to the distributor that serves it, decided per item so one retailer can be served
by different distributors for different divisions (item groups):

1. **explicit**: a distributor linked to the retailer (the Customer's serving distributor, or a DMS
   Retailer Link), for the item's division or for everything; a link for the item's own group or a
   group nearer to it beats a broader one;
2. **beat**: the distributor of a beat the retailer is on;
3. **territory**: an active distributor of the retailer's territory, or of the nearest territory above it
   that has one.

At each step exactly one distributor must come out. Two with equal claim is not guessed at: the line is
left unrouted, with the reason, for a DMS Manager to route, and the next step is not tried (a retailer
linked to two distributors is not then served by a third one of its territory). A line no step covers
is unrouted too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

EXPLICIT, BEAT, TERRITORY = "explicit", "beat", "territory"


@dataclass(frozen=True)
class Serving:
	distributor: str
	division: str | None = None  # an item group; None: every item


@dataclass(frozen=True)
class Retailer:
	servings: tuple[Serving, ...] = ()
	beat_distributors: tuple[str, ...] = ()
	# the distributors of each territory from the retailer's own up to the root, nearest first
	territory_distributors: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Line:
	item_code: str
	groups: tuple[str, ...] = ()  # the item's group, then its ancestors up to the root


@dataclass(frozen=True)
class Decision:
	distributor: str | None
	rule: str | None  # explicit, beat, territory; None when unrouted
	reason: str = ""  # why unrouted


@dataclass
class Routing:
	by_distributor: dict[str, list[str]] = field(default_factory=dict)  # distributor -> item codes
	rules: dict[str, str] = field(default_factory=dict)  # item code -> rule
	unrouted: dict[str, str] = field(default_factory=dict)  # item code -> reason

	@property
	def complete(self) -> bool:
		return not self.unrouted


def _one(candidates: Iterable[str]) -> tuple[str | None, list[str]]:
	names = sorted(set(candidates))
	return (names[0] if len(names) == 1 else None), names


def decide(retailer: Retailer, line: Line) -> Decision:
	"""The distributor for one line, by the first rule that names any."""
	matching = [
		(line.groups.index(s.division) if s.division in line.groups else len(line.groups), s.distributor)
		for s in retailer.servings
		if s.division is None or s.division in line.groups
	]
	if matching:
		nearest = min(depth for depth, _ in matching)
		chosen, names = _one(d for depth, d in matching if depth == nearest)
		if chosen:
			return Decision(chosen, EXPLICIT)
		return Decision(None, None, "linked to several distributors for this item: " + ", ".join(names))
	if retailer.beat_distributors:
		chosen, names = _one(retailer.beat_distributors)
		if chosen:
			return Decision(chosen, BEAT)
		return Decision(None, None, "on beats of several distributors: " + ", ".join(names))
	for level in retailer.territory_distributors:
		if level:
			chosen, names = _one(level)
			if chosen:
				return Decision(chosen, TERRITORY)
			return Decision(None, None, "several distributors serve its territory: " + ", ".join(names))
	return Decision(None, None, "no distributor serves this retailer")


def route(retailer: Retailer, lines: Sequence[Line]) -> Routing:
	"""Each line's distributor; lines of one distributor stay together in the order given."""
	out = Routing()
	for line in lines:
		decision = decide(retailer, line)
		if decision.distributor:
			out.by_distributor.setdefault(decision.distributor, []).append(line.item_code)
			out.rules[line.item_code] = decision.rule
		else:
			out.unrouted[line.item_code] = decision.reason
	return out
