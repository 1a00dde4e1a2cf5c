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

Tables are recognised by Frappe's naming: every table is ``tab<DocType>``, written `tab<DocType>` or,
for one-word names, bare (capitalised, as DocType names are). A name that only looks like a table (inside a string literal) can only make a
read less cacheable or a write forget more, never the other way round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


class ReadCache:
	"""Answers of cacheable reads by their exact SQL text, forgotten per ``classify``."""

	def __init__(self):
		self.answers: dict[str, object] = {}
		self.by_table: dict[str, set[str]] = {}
		self.hits = self.misses = 0

	def get(self, sql: str):
		answer = self.answers.get(sql)
		if answer is None:
			self.misses += 1
		else:
			self.hits += 1
		return answer

	def put(self, sql: str, statement: Statement, answer) -> None:
		self.answers[sql] = answer
		for table in statement.tables:
			self.by_table.setdefault(table, set()).add(sql)

	def forget(self, statement: Statement) -> None:
		if statement.kind == "reset":
			self.answers.clear()
			self.by_table.clear()
			return
		for table in statement.tables:
			for sql in self.by_table.pop(table, ()):
				self.answers.pop(sql, None)
