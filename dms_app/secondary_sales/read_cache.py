"""A transaction-scoped read cache for a batch of documents posted in one process.

Posting a Sales Invoice makes ERPNext read the same masters again and again (Item, Item Price, Cost
Center Allocation, Inventory Dimension, Account, Warehouse...): about 300 queries per invoice, most of
them asked before by the previous invoice of the batch. Inside ``reuse_reads()`` the database cursor
answers a repeated plain SELECT from memory as long as the answer cannot have changed, by the rules in
dms_app.core.read_cache (REPEATABLE READ snapshot, forgotten on the transaction's own writes to the
tables read, and on commit or rollback). Frappe's own result handling (as_dict, pluck...) still runs on
every answer, so callers get fresh objects each time.

One level up, a repeated ``frappe.db.get_values`` (and so ``get_value``, ``exists``...) of this
connection, and a repeated ``frappe.get_all`` while this connection is ``frappe.db``, are answered from
memory without building their query again (about 110 calls per invoice): a call's answer is kept under
the tables its statements read, as the cursor saw them, in the same ReadCache, so the same writes,
commits and rollbacks forget it (dms_app.core.read_cache). Calls that lock, use Frappe's own value
cache, or filter on the clock go through. ``frappe.get_all`` is the module's function, shared by every
thread of the process: while any block runs in the process, it is one dispatcher (installed by the first
block to start, removed by the last to end, under a lock) that hands a call to the block of the calling
thread's connection, or to Frappe's own function when that thread is in none. Overlapping blocks in a
threaded server therefore neither stack wrappers nor leave one behind.
Site config ``"dms_read_cache_calls": 0`` switches off this level alone.
"""

import threading
from contextlib import contextmanager

import frappe
from frappe.model.utils import is_virtual_doctype

from dms_app.core.read_cache import MISSING, CallRule, ReadCache, call_key, classify

GET_VALUES = CallRule(
	"get_values",
	(
		"doctype",
		"filters",
		"fieldname",
		"ignore",
		"as_dict",
		"debug",
		"order_by",
		"update",
		"cache",
		"for_update",
	),
	refuse=frozenset({"debug", "cache", "for_update", "skip_locked"}),
	require=frozenset({"run"}),
)
# frappe.get_all(doctype, *args, **kwargs) is DatabaseQuery(doctype).execute(*args, **kwargs) without
# permission checks. Not kept: filters that read the clock (between, timespan, previous, next; and a
# None or "" compared with a Date, Datetime or Time field reads as now).
GET_ALL = CallRule(
	"get_all",
	(
		"doctype",
		"fields",
		"filters",
		"or_filters",
		"docstatus",
		"group_by",
		"order_by",
		"limit_start",
		"limit_page_length",
		"as_list",
		"with_childnames",
		"debug",
	),
	refuse=frozenset({"debug", "with_comment_count", "save_user_settings", "save_user_settings_fields"}),
	require=frozenset({"run"}),
	scan=("filters", "or_filters"),
	refuse_words=frozenset({"between", "timespan", "previous", "next", ""}),
)


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
		cache = self._cache
		object.__setattr__(self, "_answer", None)
		if statement.kind != "read":
			if cache.recordings:
				cache.saw(statement)
			if statement.kind != "pass":
				cache.forget(statement)
			return self._real.execute(query, args)
		sql = self._real.mogrify(query, args)
		answer = cache.get(sql)
		if answer is None:
			self._real.execute(query, args)
			answer = _Answer(self._real.description, tuple(self._real.fetchall()), self._real._executed)
			cache.put(sql, statement, answer)
		if cache.recordings:  # a read that failed is not seen: the call raises or answers without it
			cache.saw(statement)
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


def _remembering(rule: CallRule, call, db, cursor: CachingCursor, refuse=None):
	"""``call`` answered from the cursor's cache when the same call was answered before and cannot
	have changed. Only while ``frappe.db`` is ``db`` reading through ``cursor``: the cache sees no
	statement that does not. ``refuse(args, kwargs)`` (asked on a miss) says a call may not be kept."""
	cache = cursor._cache

	def remembered(*args, **kwargs):
		key = call_key(rule, args, kwargs) if db._cursor is cursor and frappe.local.db is db else None
		if key is None:
			return call(*args, **kwargs)
		answer = cache.recall(key)
		if answer is not MISSING:
			return answer
		if refuse and refuse(args, kwargs):
			return call(*args, **kwargs)
		recording = cache.start()
		try:
			answer = call(*args, **kwargs)
		except BaseException:
			cache.stop(recording)
			raise
		cache.stop(recording, key, answer)
		return answer

	return remembered


def _virtual(args, kwargs) -> bool:
	"""A virtual doctype's list comes from its controller, not (only) from this database."""
	return bool(is_virtual_doctype(args[0] if args else kwargs.get("doctype")))


_dispatch_lock = threading.Lock()
_blocks = 0  # reuse_reads blocks with the call level on, in every thread of this process
_frappe_get_all = None  # frappe.get_all as it was when the first of them started


def _get_all(*args, **kwargs):
	"""frappe.get_all while any block runs: the calling thread's block answers, if it is in one."""
	db = getattr(frappe.local, "db", None)
	remembered = db.__dict__.get("dms_get_all") if db is not None else None
	return (remembered or _frappe_get_all)(*args, **kwargs)


def _start_dispatch() -> None:
	global _blocks, _frappe_get_all
	with _dispatch_lock:
		if _blocks == 0:
			_frappe_get_all = frappe.get_all
			frappe.get_all = _get_all
		_blocks += 1


def _end_dispatch() -> None:
	global _blocks
	with _dispatch_lock:
		_blocks -= 1
		if _blocks == 0 and frappe.get_all is _get_all:
			frappe.get_all = _frappe_get_all


@contextmanager
def reuse_reads():
	"""Serve repeated reads of this connection's transactions from memory while the block runs.

	Off when the site config says ``"dms_read_cache": 0`` (to compare, or to rule it out); the call
	level alone is off with ``"dms_read_cache_calls": 0``."""
	db = frappe.local.db
	if not db._conn:
		db.connect()  # Frappe connects on the first query; the block needs the cursor now
	cursor = db._cursor
	if isinstance(cursor, CachingCursor):  # already inside
		yield cursor._cache
		return
	cache = ReadCache()
	if not frappe.conf.get("dms_read_cache", 1):
		yield cache
		return
	db._cursor = caching = CachingCursor(cursor, cache)
	calls = frappe.conf.get("dms_read_cache_calls", 1) and "get_values" not in db.__dict__
	if calls:
		db.get_values = _remembering(GET_VALUES, db.get_values, db, caching)
		_start_dispatch()
		db.dms_get_all = _remembering(GET_ALL, _frappe_get_all, db, caching, _virtual)
	try:
		yield cache
	finally:
		if calls:
			db.__dict__.pop("get_values", None)
			db.__dict__.pop("dms_get_all", None)
			_end_dispatch()
		if db._cursor is not None and isinstance(db._cursor, CachingCursor):
			db._cursor = cursor
