"""The states of a primary order (a Material Request from OEM depot to a distributor) and how it moves.

The approval route (dms_app.core.approval.route) decides which level states an order passes; after the
last level comes OEM confirmation (when switched on) and then Approved.
"""

from __future__ import annotations

from collections.abc import Sequence

from dms_app.core.approval import LEVELS

DRAFT = "Draft"
OEM_CONFIRMATION = "Pending OEM Confirmation"
APPROVED = "Approved"
REJECTED = "Rejected"
CANCELLED = "Cancelled"


def pending_state(level: str) -> str:
	return f"Pending {level} Approval"


PENDING_STATES = {pending_state(level): level for level in LEVELS}


def sequence(levels: Sequence[str], require_oem_confirmation: bool) -> list[str]:
	"""The states an order passes after Draft, in order."""
	states = [pending_state(level) for level in levels]
	if require_oem_confirmation:
		states.append(OEM_CONFIRMATION)
	states.append(APPROVED)
	return states


def next_state(current: str, states: Sequence[str]) -> str | None:
	"""The state an approval moves ``current`` to, or None when nothing follows."""
	path = [DRAFT, *states]
	if current not in path or current == path[-1]:
		return None
	return path[path.index(current) + 1]


def hours_between(start, end) -> float:
	"""Hours from ``start`` to ``end`` (datetimes), never negative."""
	if not start or not end:
		return 0.0
	return max((end - start).total_seconds() / 3600, 0.0)


FINAL_STATES = frozenset({APPROVED, REJECTED, CANCELLED})


def time_in_states(moves, current: str, current_since, now) -> dict[str, float]:
	"""Hours an order spent in each state.

	``moves`` are (from_state, hours_in_from_state) pairs from the approval log; the open time of the
	current state counts too unless the order has reached a final state.
	"""
	hours: dict[str, float] = {}
	for state, spent in moves:
		hours[state] = hours.get(state, 0.0) + (spent or 0.0)
	if current not in FINAL_STATES:
		hours[current] = hours.get(current, 0.0) + hours_between(current_since, now)
	return hours


def sla_actions(waited_hours: float, sla_hours: float, reminded: bool, escalated: bool) -> set[str]:
	"""What the SLA job does for an order waiting at a level: "remind" the approver once, and
	"escalate" once the level has waited past its SLA."""
	actions = set()
	if not reminded:
		actions.add("remind")
	if sla_hours and waited_hours > sla_hours and not escalated:
		actions.add("escalate")
	return actions
