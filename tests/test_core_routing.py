"""Routing a retailer's order to the distributor that serves it: explicit link, then beat, then territory."""

from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.routing import BEAT, EXPLICIT, TERRITORY, Line, Retailer, Serving, decide, route

TEA = Line("TEA", ("Tea", "Beverages", "All Item Groups"))
SOAP = Line("SOAP", ("Soap", "Personal Care", "All Item Groups"))


def test_explicit_link_first_then_beat_then_territory():
	r = Retailer((Serving("A"),), ("B",), (("C",),))
	assert (decide(r, TEA).distributor, decide(r, TEA).rule) == ("A", EXPLICIT)
	r = Retailer((), ("B",), (("C",),))
	assert (decide(r, TEA).distributor, decide(r, TEA).rule) == ("B", BEAT)
	r = Retailer((), (), ((), ("C",)))  # none in its own territory, one in the territory above
	assert (decide(r, TEA).distributor, decide(r, TEA).rule) == ("C", TERRITORY)


def test_a_retailer_served_by_two_distributors_for_two_divisions_is_split():
	r = Retailer((Serving("BEV", "Beverages"), Serving("PC", "Personal Care")))
	routing = route(r, [TEA, SOAP])
	assert routing.by_distributor == {"BEV": ["TEA"], "PC": ["SOAP"]} and routing.complete


def test_the_nearer_division_wins_over_a_link_for_everything():
	r = Retailer((Serving("ALL"), Serving("TEA-ONLY", "Tea")))
	assert decide(r, TEA).distributor == "TEA-ONLY"
	assert decide(r, SOAP).distributor == "ALL"


def test_equal_claims_are_not_guessed_and_the_next_rule_is_not_tried():
	r = Retailer((Serving("A"), Serving("B")), (), (("C",),))
	d = decide(r, TEA)
	assert d.distributor is None and "A, B" in d.reason
	d = decide(Retailer((), ("A", "B")), TEA)
	assert d.distributor is None and "beats" in d.reason
	d = decide(Retailer((), (), (("A", "B"),)), TEA)
	assert d.distributor is None and "territory" in d.reason


def test_nobody_serves():
	routing = route(Retailer(), [TEA])
	assert routing.unrouted == {"TEA": "no distributor serves this retailer"} and not routing.complete


names = st.sampled_from(["A", "B", "C", "D"])


@given(
	st.lists(st.tuples(names, st.sampled_from([None, "Tea", "Beverages"])), max_size=4),
	st.lists(names, max_size=3),
	st.lists(st.lists(names, max_size=2), max_size=3),
)
def test_every_line_is_routed_once_or_kept_with_a_reason(servings, beats, territories):
	r = Retailer(
		tuple(Serving(d, g) for d, g in servings), tuple(beats), tuple(tuple(t) for t in territories)
	)
	routing = route(r, [TEA, SOAP])
	placed = [code for codes in routing.by_distributor.values() for code in codes]
	assert sorted(placed + list(routing.unrouted)) == ["SOAP", "TEA"]
	assert all(routing.unrouted[c] for c in routing.unrouted)
