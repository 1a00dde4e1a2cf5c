"""Compiled portal templates, kept for the life of the web worker.

Frappe makes a new Jinja environment for every request (frappe.set_user and frappe.init reset
``frappe.local.jenv``), so every page view parses and compiles every template it uses again (the page,
templates/dms/base.html, the pager). Measured on the portal load benchmark's machine that was about half
of a portal page's server time. The portal's renderer (dms_app.portal.renderer) sets this cache on the
request's environment before it renders a page. A Jinja bytecode cache shared by the worker process skips the parse and compile:
Jinja still reads each template's source and uses the cached code only while the source's checksum is
the same, so an edited template is compiled afresh.
"""

import os

from jinja2 import BytecodeCache


class MemoryBytecodeCache(BytecodeCache):
	"""Jinja bytecode by template, in this process's memory (gunicorn's sync workers: one request at a
	time per process)."""

	def __init__(self):
		self.store: dict[str, bytes] = {}

	def load_bytecode(self, bucket) -> None:
		code = self.store.get(bucket.key)
		if code is not None:
			bucket.bytecode_from_string(code)

	def dump_bytecode(self, bucket) -> None:
		self.store[bucket.key] = bucket.bytecode_to_string()

	def clear(self) -> None:
		self.store.clear()


CACHE = MemoryBytecodeCache()
# Off in a process started with DMS_TEMPLATE_CACHE=0 (benchmarks/portal_load.py --without-template-cache
# measures the difference).
DISABLED = os.environ.get("DMS_TEMPLATE_CACHE") == "0"


def use_for_request() -> None:
	"""Let this request's Jinja environment use the worker's compiled templates. Call it before the page's
	templates are loaded (a page's get_context runs before its template is rendered)."""
	from frappe.utils.jinja import get_jenv

	if not DISABLED:
		get_jenv().bytecode_cache = CACHE
