"""A transaction-scoped read cache for a batch of documents posted in one process.

Posting a Sales Invoice makes ERPNext read the same masters again and again (Item, Item Price, Cost
Center Allocation, Inventory Dimension, Account, Warehouse...): about 300 queries per invoice, most of
them asked before by the previous invoice of the batch. Inside ``reuse_reads()`` the database cursor
answers a repeated plain SELECT from memory as long as the answer cannot have changed, by the rules in
dms_app.core.read_cache (REPEATABLE READ snapshot, forgotten on the transaction's own writes to the
tables read, and on commit or rollback). Frappe's own result handling (as_dict, pluck...) still runs on
every answer, so callers get fresh objects each time.
"""

from contextlib import contextmanager

import frappe

from dms_app.core.read_cache import ReadCache, classify


class _Answer:
	__slots__ = ("description", "executed", "rows")

	def __init__(self, description, rows, executed):
		self.description, self.rows, self.executed = description, rows, executed


class CachingCursor:
	"""Wraps a buffered pymysql cursor; everything not about reading answers goes to the real cursor."""

	def __init__(self, cursor, cache: ReadCache):
		object.__setattr__(self, "_real", cursor)
		object.__setattr__(self, "_cache", cache)
		object.__setattr__(self, "_answer", None)
		object.__setattr__(self, "_position", 0)

	def execute(self, query, args=None):
		statement = classify(query)
		object.__setattr__(self, "_answer", None)
		if statement.kind != "read":
			if statement.kind != "pass":
				self._cache.forget(statement)
			return self._real.execute(query, args)
		sql = self._real.mogrify(query, args)
		answer = self._cache.get(sql)
		if answer is None:
			self._real.execute(query, args)
			answer = _Answer(self._real.description, tuple(self._real.fetchall()), self._real._executed)
			self._cache.put(sql, statement, answer)
		object.__setattr__(self, "_answer", answer)
		object.__setattr__(self, "_position", 0)
		return len(answer.rows)

	@property
	def description(self):
		return self._answer.description if self._answer else self._real.description

	@property
	def rowcount(self):
		return len(self._answer.rows) if self._answer else self._real.rowcount

	@property
	def _executed(self):
		return self._answer.executed if self._answer else self._real._executed

	def fetchall(self):
		if not self._answer:
			return self._real.fetchall()
		rows = self._answer.rows[self._position :]
		object.__setattr__(self, "_position", len(self._answer.rows))
		return rows

	def fetchmany(self, size=None):
		if not self._answer:
			return self._real.fetchmany(size)
		end = self._position + (size or 1)
		rows = self._answer.rows[self._position : end]
		object.__setattr__(self, "_position", min(end, len(self._answer.rows)))
		return rows

	def fetchone(self):
		rows = self.fetchmany(1) if self._answer else None
		return (rows[0] if rows else None) if self._answer else self._real.fetchone()

	def __getattr__(self, name):
		return getattr(self._real, name)

	def __setattr__(self, name, value):
		setattr(self._real, name, value)


@contextmanager
def reuse_reads():
	"""Serve repeated reads of this connection's transactions from memory while the block runs.

	Off when the site config says ``"dms_read_cache": 0`` (to compare, or to rule it out)."""
	db = frappe.db
	cursor = db._cursor
	if isinstance(cursor, CachingCursor):  # already inside
		yield cursor._cache
		return
	cache = ReadCache()
	if not frappe.conf.get("dms_read_cache", 1):
		yield cache
		return
	db._cursor = CachingCursor(cursor, cache)
	try:
		yield cache
	finally:
		if db._cursor is not None and isinstance(db._cursor, CachingCursor):
			db._cursor = cursor
