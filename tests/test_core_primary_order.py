from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.approval import LEVELS
from dms_app.core.primary_order import (
	APPROVED,
	DRAFT,
	OEM_CONFIRMATION,
	hours_between,
	next_state,
	pending_state,
	sequence,
	sla_actions,
	time_in_states,
)

ASM, RSM, DMS = LEVELS


def test_sequence_skips_levels_the_route_does_not_need():
	assert sequence([ASM, DMS], True) == [pending_state(ASM), pending_state(DMS), OEM_CONFIRMATION, APPROVED]
	assert sequence([ASM], False) == [pending_state(ASM), APPROVED]


def test_next_state_walks_the_sequence():
	states = sequence([ASM, RSM], True)
	assert next_state(DRAFT, states) == pending_state(ASM)
	assert next_state(pending_state(ASM), states) == pending_state(RSM)
	assert next_state(pending_state(RSM), states) == OEM_CONFIRMATION
	assert next_state(OEM_CONFIRMATION, states) == APPROVED
	assert next_state(APPROVED, states) is None
	assert next_state(pending_state(DMS), states) is None  # not on this order's route


@given(st.lists(st.sampled_from(LEVELS), unique=True, min_size=1), st.booleans())
def test_walking_from_draft_visits_every_state_once_and_ends_approved(levels, oem):
	levels = sorted(levels, key=LEVELS.index)
	states = sequence(levels, oem)
	visited, state = [], DRAFT
	while (state := next_state(state, states)) is not None:
		visited.append(state)
	assert visited == states
	assert visited[-1] == APPROVED


def test_hours_between():
	start = datetime(2026, 11, 1, 9, 0)
	assert hours_between(start, start + timedelta(hours=30, minutes=30)) == 30.5
	assert hours_between(start, start - timedelta(hours=1)) == 0
	assert hours_between(None, start) == 0


def test_time_in_states_adds_the_open_state():
	now = datetime(2026, 11, 2, 12, 0)
	moves = [(DRAFT, 1.0), (pending_state(ASM), 5.5)]
	hours = time_in_states(moves, pending_state(RSM), now - timedelta(hours=2), now)
	assert hours == {DRAFT: 1.0, pending_state(ASM): 5.5, pending_state(RSM): 2.0}


def test_time_in_states_stops_at_a_final_state():
	now = datetime(2026, 11, 2, 12, 0)
	hours = time_in_states([(OEM_CONFIRMATION, 3.0)], APPROVED, now - timedelta(days=9), now)
	assert hours == {OEM_CONFIRMATION: 3.0}


def test_sla_actions():
	assert sla_actions(1, 24, reminded=False, escalated=False) == {"remind"}
	assert sla_actions(1, 24, reminded=True, escalated=False) == set()
	assert sla_actions(25, 24, reminded=True, escalated=False) == {"escalate"}
	assert sla_actions(25, 24, reminded=False, escalated=False) == {"remind", "escalate"}
	assert sla_actions(99, 24, reminded=True, escalated=True) == set()
	assert sla_actions(99, 0, reminded=True, escalated=False) == set()  # no SLA set
