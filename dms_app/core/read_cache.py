"""Which SQL statements a transaction-scoped read cache may answer, and which ones make it forget.

Why such a cache is exact: MariaDB runs Frappe's transactions at REPEATABLE READ, so every plain
(non-locking) SELECT inside one transaction reads the same snapshot. Asking the same question twice
gives the same answer unless this transaction itself wrote to one of the tables the question reads
(its own writes are visible to it) or the transaction ended. So an answer may be reused until then:

- a cacheable read is a SELECT (or a WITH ... SELECT) naming at least one table, not a locking read (FOR UPDATE, LOCK IN
  SHARE MODE, FOR SHARE), and calling nothing whose value changes between calls (NOW(), RAND(),
  NEXTVAL(), LAST_INSERT_ID(), a session variable, ...); its answer is kept under the tables it names;
- a write (INSERT, UPDATE, DELETE, REPLACE) forgets the answers that name a table it names;
- anything else (COMMIT, ROLLBACK, ROLLBACK TO SAVEPOINT, START TRANSACTION, DDL, SET, ...) and any
  write whose tables cannot be told forget everything. Creating or releasing a savepoint changes no data.

One level up, a whole call such as ``frappe.db.get_values(...)`` may be answered the same way, which
skips building its query: its key is the full call (every argument, by type and value; a call with an
argument that is not plain data, or asking for a lock, a debug print or an unrun query, is not kept),
and its answer is kept only when every statement the call ran was a cacheable read, under the union of
the tables those reads named (plus the tables of DocType definitions, which shape the query). It is
then forgotten exactly when one of those reads would be. Each caller gets its own copy of the answer.

Tables are recognised by Frappe's naming: every table is ``tab<DocType>``, written `tab<DocType>` or,
for one-word names, bare (capitalised, as DocType names are). A name that only looks like a table (inside a string literal) can only make a
read less cacheable or a write forget more, never the other way round.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

TABLE = re.compile(r"`(tab[^`]+)`|\b(tab[A-Z][A-Za-z0-9_]*)\b")
LOCKING = re.compile(r"\bfor\s+update\b|\block\s+in\s+share\s+mode\b|\bfor\s+share\b", re.I)
VOLATILE = re.compile(
	r"\b(?:now|sysdate|curdate|curtime|current_date|current_time|current_timestamp|localtime"
	r"|localtimestamp|utc_date|utc_time|utc_timestamp|unix_timestamp|rand|uuid|uuid_short|nextval"
	r"|lastval|setval|last_insert_id|found_rows|row_count|connection_id|sleep|get_lock|release_lock"
	r"|is_free_lock|is_used_lock|benchmark|database|user|current_user|session_user|system_user)\s*\(",
	re.I,
)
WRITES = ("insert", "update", "delete", "replace")
WRITE_VERB = re.compile(r"\b(?:insert|update|delete|replace)\b", re.I)
NO_CHANGE = ("savepoint", "release")


@dataclass(frozen=True)
class Statement:
	kind: str  # "read" (cacheable), "pass" (run, change nothing), "write" (forget `tables`), "reset" (forget all)
	tables: frozenset[str] = frozenset()


def tables_of(query: str) -> frozenset[str]:
	return frozenset(quoted or bare for quoted, bare in TABLE.findall(query))


@lru_cache(maxsize=4096)  # the same few hundred statement texts come back for every document
def classify(query: str) -> Statement:
	text = query.lstrip(" \t\r\n(")
	verb = text[:16].split(None, 1)[0].lower() if text else ""
	if verb == "select" or (verb == "with" and not WRITE_VERB.search(query)):
		tables = tables_of(query)
		if not tables or LOCKING.search(query) or VOLATILE.search(query) or "@" in query:
			return Statement("pass")
		return Statement("read", tables)
	if verb in WRITES:
		tables = tables_of(query)
		return Statement("write", tables) if tables else Statement("reset")
	if verb in NO_CHANGE:
		return Statement("pass")
	return Statement("reset")


# Writing these changes how Frappe builds a query on a doctype, so a call's answer depends on them too.
DEFINITION_TABLES = frozenset({"tabDocType", "tabDocField", "tabCustom Field", "tabProperty Setter"})
SCALARS = frozenset({str, int, float, bool, type(None), Decimal, date, datetime, time, timedelta, bytes})


@dataclass(frozen=True)
class CallRule:
	"""How a call's arguments make its key: ``params`` names the positional ones in order; a call
	is not kept if an argument in ``refuse`` is truthy or one in ``require`` (when given) is falsy, or
	if the arguments named in ``scan`` hold None or a string that is one of ``refuse_words`` (any
	case, "" included when listed)."""

	name: str
	params: tuple[str, ...]
	refuse: frozenset[str] = frozenset()
	require: frozenset[str] = frozenset()
	scan: tuple[str, ...] = ()
	refuse_words: frozenset[str] = frozenset()


class _NotPlain(Exception):
	pass


def _plain(value):
	kind = type(value)
	if kind in SCALARS:
		return (kind, str(value) if kind is Decimal else value)  # Decimal("1.0") == Decimal("1.00")
	if kind is list or kind is tuple:
		return (kind, tuple(_plain(item) for item in value))
	if isinstance(value, dict):
		return (kind, tuple((_plain(k), _plain(v)) for k, v in value.items()))
	raise _NotPlain


def _scalars(value):
	if isinstance(value, list | tuple):
		for item in value:
			yield from _scalars(item)
	elif isinstance(value, dict):
		for key, item in value.items():
			yield key
			yield from _scalars(item)
	else:
		yield value


def _refused_value(value, words) -> bool:
	return value is None or (type(value) is str and value.strip().lower() in words)


def call_key(rule: CallRule, args: tuple, kwargs: dict):
	"""The key of one call under ``rule``, or None when the call may not be kept."""
	if len(args) > len(rule.params):
		return None
	bound = dict(zip(rule.params, args, strict=False))
	for name, value in kwargs.items():
		if name in bound:
			return None  # the call itself will refuse this
		bound[name] = value
	for name in rule.refuse:
		if bound.get(name):
			return None
	for name in rule.require:
		if name in bound and not bound[name]:
			return None
	try:
		key = (rule.name, _plain(tuple(sorted(bound.items()))))
	except (_NotPlain, TypeError):
		return None
	for name in rule.scan:
		if any(_refused_value(value, rule.refuse_words) for value in _scalars(bound.get(name, ()))):
			return None
	return key


def fresh(value):
	"""A copy of an answer that shares nothing mutable with it (rows, dicts, lists)."""
	kind = type(value)
	if kind in SCALARS:
		return value
	if kind is list:
		return [fresh(item) for item in value]
	if kind is tuple:
		return tuple(fresh(item) for item in value)
	if isinstance(value, dict):
		return kind((key, fresh(item)) for key, item in value.items())
	return copy.deepcopy(value)


class Recording:
	"""What the statements run during one call read, and whether all of them were cacheable reads."""

	__slots__ = ("only_reads", "tables")

	def __init__(self):
		self.tables: set[str] = set(DEFINITION_TABLES)
		self.only_reads = None  # None until a statement is seen


class _Call:
	__slots__ = ("answer", "tables")

	def __init__(self, tables, answer):
		self.tables, self.answer = tables, answer


MISSING = object()


class ReadCache:
	"""Answers of cacheable reads by their exact SQL text, and of whole calls by ``call_key``, both
	forgotten per ``classify``."""

	def __init__(self):
		self.answers: dict[object, object] = {}
		self.by_table: dict[str, set] = {}
		self.hits = self.misses = 0
		self.call_hits = self.call_misses = 0
		self.recordings: list[Recording] = []

	def get(self, sql: str):
		answer = self.answers.get(sql)
		if answer is None:
			self.misses += 1
		else:
			self.hits += 1
		return answer

	def put(self, sql: str, statement: Statement, answer) -> None:
		self._keep(sql, statement.tables, answer)

	def _keep(self, key, tables, answer) -> None:
		self.answers[key] = answer
		for table in tables:
			self.by_table.setdefault(table, set()).add(key)

	def saw(self, statement: Statement) -> None:
		"""The cursor ran ``statement`` (called while a call is being recorded)."""
		read = statement.kind == "read"
		for recording in self.recordings:
			recording.only_reads = read and recording.only_reads is not False
			recording.tables.update(statement.tables)

	def recall(self, key):
		"""A fresh copy of the kept answer of a call, or MISSING."""
		call = self.answers.get(key)
		if call is None:
			self.call_misses += 1
			return MISSING
		self.call_hits += 1
		for recording in self.recordings:  # an enclosing call read these tables through this one
			recording.tables.update(call.tables)
			if recording.only_reads is None:
				recording.only_reads = True
		return fresh(call.answer)

	def start(self) -> Recording:
		recording = Recording()
		self.recordings.append(recording)
		return recording

	def stop(self, recording: Recording, key=None, answer=MISSING) -> None:
		"""End ``recording``; keep ``answer`` under ``key`` if the call ran cacheable reads only."""
		self.recordings.remove(recording)
		if key is not None and answer is not MISSING and recording.only_reads:
			self._keep(key, recording.tables, _Call(frozenset(recording.tables), fresh(answer)))

	def forget(self, statement: Statement) -> None:
		if statement.kind == "reset":
			self.answers.clear()
			self.by_table.clear()
			return
		for table in statement.tables:
			for key in self.by_table.pop(table, ()):
				self.answers.pop(key, None)
