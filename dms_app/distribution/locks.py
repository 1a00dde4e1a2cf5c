"""The lock order of a distributor's documents, so that two of them made at once cannot deadlock.

1. The naming series row the document will be numbered from is made to exist first, with
   ``INSERT IGNORE`` (``ensure_series``). Frappe's own counter (``frappe.model.naming.getseries``) reads
   the row ``FOR UPDATE`` and inserts it when missing: two transactions numbering the first document of
   a series (a fresh site, every new year of a ``.YYYY.`` series) both take the gap lock, both try to
   insert, and MariaDB kills one of them (error 1213). With the row in place they queue on it instead.
   A distributor's Sales Invoices and Delivery Notes are numbered from its own series (the code before
   the counter: ACC-SINV-2026-D-NORTH-01-00001), so different distributors never share that row; a
   Document Naming Rule set up on the site still wins, as Frappe applies it first.
2. The distributor's own row is locked (``lock_distributor``) before the document is numbered and again
   before it is submitted: a distributor's invoices, orders, claims and uploads are then made one after
   the other, in the order they arrive, before any of them takes stock-ledger, Bin or series locks in
   an order of its own. Documents of different distributors still run side by side.

Work that spans many transactions (a background upload commits as it goes, an outbox stream commits
after every attempt) is kept to one worker at a time with a MariaDB named lock (``named_lock``): it is
held by the database session, across commits, and let go when released or when the session ends, so a
worker that dies never leaves it behind; and it holds across every machine that shares the database.

Where a deadlock can still happen (two distributors' postings meeting in ERPNext's ledgers), the bulk
upload retries the transaction, since each of its invoices is all-or-nothing and idempotent by its
external reference (dms_app.secondary_sales.ingest); a document saved in the desk or the portal is not
retried behind the user's back: they see the error and save again.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import frappe
from frappe.model.naming import NamingSeries

from dms_app.distribution.gst import series_for


@contextmanager
def named_lock(key: str) -> Iterator[bool]:
	"""Try to take the named lock ``key`` of this site without waiting; yields whether it was taken.
	MariaDB's lock names are server-wide (at most 64 characters), so the name is the site's database
	and the key, hashed."""
	name = "dms_" + hashlib.sha1(f"{frappe.conf.db_name}:{key}".encode()).hexdigest()
	taken = bool(frappe.db.sql("select get_lock(%s, 0)", name)[0][0])
	try:
		yield taken
	finally:
		if taken:
			frappe.db.sql("select release_lock(%s)", name)


def lock_distributor(distributor: str | None) -> None:
	if distributor:
		frappe.db.get_value("Distributor", distributor, "name", for_update=True)


def series_prefix(doc) -> str | None:
	"""The key of ``tabSeries`` that ``doc`` will be numbered from, when it is numbered from one."""
	autoname = frappe.get_meta(doc.doctype).autoname or ""
	try:
		if autoname.startswith("naming_series:") and doc.get("naming_series"):
			return NamingSeries(doc.naming_series).get_prefix()
		if autoname.startswith("format:") and "{#" in autoname:
			# _format_autoname numbers each braced part on its own, so every {#...} counts in the row ''
			return ""
	except frappe.ValidationError:
		return None  # an invalid series is Frappe's to refuse when it names the document
	return None


def ensure_series(doc) -> None:
	prefix = series_prefix(doc)
	if prefix is not None and not frappe.db.sql("select 1 from `tabSeries` where name = %s", prefix):
		frappe.db.sql("insert ignore into `tabSeries` (`name`, `current`) values (%s, 0)", prefix)


# Secondary sales come in volume from many distributors at once (uploads on several workers): numbered
# from one shared series they would all queue on its counter row, which each invoice holds from its
# naming to its commit. Each distributor's are numbered from its own series instead.
NUMBERED_PER_DISTRIBUTOR = ("Sales Invoice", "Delivery Note")


def before_insert(doc, method=None) -> None:
	"""doc_events before_insert of a distributor's documents: the distributor's own series for its sales,
	the series row first, then the distributor."""
	if not doc.get("distributor"):
		return
	if doc.doctype in NUMBERED_PER_DISTRIBUTOR and doc.get("naming_series"):
		doc.naming_series = series_for(doc.doctype, doc.naming_series, doc.distributor) or doc.naming_series
	ensure_series(doc)
	lock_distributor(doc.distributor)


def before_submit(doc, method=None) -> None:
	"""doc_events before_submit: a draft submitted later takes its distributor's lock before it posts."""
	lock_distributor(doc.get("distributor"))
