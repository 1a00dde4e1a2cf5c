"""Beats: a field sales person's route of retailers, worked on fixed days of the week.

Pure rules, no frappe: reading a beat's visit days ("Mon, Thu"), which beats are due on a date, the calls
a beat plans over a period, and the coverage arithmetic of the Beat Coverage report:

- planned calls: each retailer of a beat on each day of the period the beat is due;
- visited: the visits made (one per retailer, beat and day); of those, *on plan* the ones that answer a
  planned call (a visit on another day is still a call made, but covers no planned one);
- productive: visits that ended in an order; lines: the order lines those orders hold;
- coverage % = planned calls visited / planned calls; productivity % = productive / visited;
  lines per call = order lines / productive calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EVERY_DAY = {"daily", "everyday", "every day", "all", "all days"}


class VisitDaysError(ValueError):
	"""Visit days that could not be read; ``unknown`` holds the words that are no weekday."""

	def __init__(self, unknown: Sequence[str]):
		self.unknown = tuple(unknown)
		super().__init__("not a day of the week: " + ", ".join(self.unknown))


def _weekday(word: str) -> str | None:
	"""The weekday a word names: its full name or any start of it of two letters or more ("Th", "Thu",
	"Thurs"), in any case. "T" or "S" alone are ambiguous and name none."""
	word = word.lower().rstrip(".")
	if len(word) < 2:
		return None
	matches = [day for day in WEEKDAYS if day.lower().startswith(word)]
	return matches[0] if len(matches) == 1 else None


def parse_visit_days(text: str | None) -> tuple[str, ...]:
	"""The weekdays of ``text`` ("Mon, Thu", "monday/thursday", "Daily"), in week order, each once.
	Blank text: no day (the beat is worked on no fixed day). Raises VisitDaysError naming what is not a
	weekday."""
	words = [w for w in re.split(r"[\s,;/&+|]+", (text or "").strip()) if w and w.lower() != "and"]
	if " ".join(words).lower() in EVERY_DAY:
		return WEEKDAYS
	days, unknown = set(), []
	for word in words:
		day = _weekday(word)
		if day:
			days.add(day)
		else:
			unknown.append(word)
	if unknown:
		raise VisitDaysError(unknown)
	return tuple(day for day in WEEKDAYS if day in days)


def format_visit_days(days: Iterable[str]) -> str:
	"""The canonical way to write weekdays: "Mon, Thu" in week order."""
	chosen = set(days)
	return ", ".join(day[:3] for day in WEEKDAYS if day in chosen)


def weekday_of(day: date) -> str:
	return WEEKDAYS[day.weekday()]


def is_due(days: Iterable[str], day: date) -> bool:
	return weekday_of(day) in set(days)


def due_beats(beats: dict[str, Sequence[str]], day: date) -> list[str]:
	"""Names of the beats (name -> weekdays) due on ``day``, in the order given."""
	return [name for name, days in beats.items() if is_due(days, day)]


def due_first(beats: dict[str, Sequence[str]], day: date) -> list[str]:
	"""All the beats' names, those due on ``day`` first, each group in the order given."""
	due = due_beats(beats, day)
	return due + [name for name in beats if name not in due]


def due_dates(days: Iterable[str], start: date, end: date) -> list[date]:
	"""The dates from ``start`` to ``end`` (both included) that fall on one of ``days``."""
	wanted = {WEEKDAYS.index(d) for d in days}
	if not wanted or end < start:
		return []
	return [
		start + timedelta(n)
		for n in range((end - start).days + 1)
		if (start + timedelta(n)).weekday() in wanted
	]


class PositionError(ValueError):
	pass


def position(
	latitude: float | None, longitude: float | None, accuracy: float | None = None
) -> tuple[float, float, float | None] | None:
	"""A phone's position as (latitude, longitude, accuracy in metres), or None when it gave none.
	Raises PositionError for half a position or values no place on earth has."""
	if latitude is None and longitude is None:
		return None
	if latitude is None or longitude is None:
		raise PositionError("a position needs both latitude and longitude")
	latitude, longitude = float(latitude), float(longitude)
	if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
		raise PositionError("latitude must be within -90..90 and longitude within -180..180")
	if accuracy is not None:
		accuracy = float(accuracy)
		if not 0 <= accuracy <= 1_000_000:
			raise PositionError("accuracy must be a distance in metres")
	return latitude, longitude, accuracy


@dataclass(frozen=True)
class Call:
	"""A planned call: a retailer of a beat on a day the beat is due."""

	beat: str
	retailer: str
	day: date


@dataclass(frozen=True)
class Visit:
	"""A visit made, and what came of it."""

	beat: str
	retailer: str
	day: date
	ordered: bool = False
	lines: int = 0


def planned_calls(
	beat: str, days: Iterable[str], retailers: Sequence[str], start: date, end: date
) -> list[Call]:
	"""Every retailer of ``beat`` on every day of the period the beat is due, in visit order by day."""
	unique = list(dict.fromkeys(retailers))
	return [Call(beat, retailer, day) for day in due_dates(days, start, end) for retailer in unique]


def _pct(part: float, whole: float) -> float | None:
	return round(part / whole * 100, 2) if whole else None


@dataclass
class Coverage:
	planned: int = 0
	visited: int = 0
	on_plan: int = 0  # visits that answer a planned call
	productive: int = 0
	lines: int = 0

	@property
	def off_plan(self) -> int:
		return self.visited - self.on_plan

	@property
	def coverage_pct(self) -> float | None:
		return _pct(self.on_plan, self.planned)

	@property
	def productivity_pct(self) -> float | None:
		return _pct(self.productive, self.visited)

	@property
	def lines_per_call(self) -> float | None:
		return round(self.lines / self.productive, 2) if self.productive else None

	def add(self, other: Coverage) -> Coverage:
		return Coverage(
			self.planned + other.planned,
			self.visited + other.visited,
			self.on_plan + other.on_plan,
			self.productive + other.productive,
			self.lines + other.lines,
		)


def coverage(planned: Iterable[Call], visits: Iterable[Visit]) -> Coverage:
	"""The coverage of ``planned`` calls by ``visits``. A visit counts once per retailer, beat and day
	(with an order if any of its repeats has one); it is on plan when it answers one of ``planned``."""
	planned = set(planned)
	seen: dict[tuple[str, str, date], Visit] = {}
	for visit in visits:
		key = (visit.beat, visit.retailer, visit.day)
		if key not in seen or (visit.ordered and not seen[key].ordered):
			seen[key] = visit
	result = Coverage(planned=len(planned), visited=len(seen))
	for (beat, retailer, day), visit in seen.items():
		if Call(beat, retailer, day) in planned:
			result.on_plan += 1
		if visit.ordered:
			result.productive += 1
			result.lines += max(int(visit.lines), 0)
	return result
