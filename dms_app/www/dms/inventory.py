"""/dms/inventory: the distributor's stock by item and warehouse, batches, expiry and age.

A page of PAGE_LINES lines at a time (``?page=``), searched by item code or name (``?q=``); the totals,
the expiry warnings and the CSV export are about all of the stock."""

import frappe
from frappe import _
from frappe.utils import cint

from dms_app.core.portal import EXPIRED, NEAR_EXPIRY, NEAR_EXPIRY_DAYS
from dms_app.portal.context import link, prepare
from dms_app.portal.inventory import status_labels, stock_lines

no_cache = 1
PAGE_LINES = 50


def get_context(context):
	context.dms_page = "inventory"
	distributor = prepare(context, _("Inventory"))
	if not distributor:
		return
	lines = stock_lines(distributor)
	context.line_count = len(lines)
	context.total_value = sum(line.stock_value for line in lines)
	context.warnings = [line for line in lines if line.warning]
	q = (frappe.form_dict.get("q") or "").strip()[:140]
	if q:
		needle = q.casefold()
		lines = [x for x in lines if needle in x.item_code.casefold() or needle in x.item_name.casefold()]
	context.pages = max((len(lines) + PAGE_LINES - 1) // PAGE_LINES, 1)
	context.page_no = min(max(cint(frappe.form_dict.get("page")) or 1, 1), context.pages)
	context.start = (context.page_no - 1) * PAGE_LINES
	context.matches = len(lines)
	context.lines = lines[context.start : context.start + PAGE_LINES]
	context.q = q
	context.page_link = lambda n: link("/dms/inventory", context.query, q=q or None, page=n)
	context.clear_link = link("/dms/inventory", context.query)
	context.near_expiry_days = NEAR_EXPIRY_DAYS
	context.expired = EXPIRED
	context.near_expiry = NEAR_EXPIRY
	context.status_labels = status_labels()
	context.export_url = link(
		"/api/method/dms_app.portal.inventory.export_csv",
		distributor=distributor if context.query else None,
	)
