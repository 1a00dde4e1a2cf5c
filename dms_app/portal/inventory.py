"""Stock of one distributor by item and warehouse, with batches, expiry and age, and its CSV export.

Quantities and values come from Bin; batch balances from the Stock Ledger (Serial and Batch Bundle
entries, and the legacy batch_no of older entries) with the Batch's expiry date; ages from incoming
ledger entries (see dms_app.core.portal for the first-in-first-out approximation).
"""

from datetime import date

import frappe
from frappe import _
from frappe.query_builder.functions import Date, Sum
from frappe.utils import getdate, nowdate

from dms_app.core import portal
from dms_app.distribution.warehouses import owned_by
from dms_app.portal.context import resolve_distributor


def stock_lines(distributor: str, today: date | None = None) -> list[portal.StockLine]:
	today = getdate(today or nowdate())
	warehouses = owned_by(distributor)
	if not warehouses:
		return []
	bins = frappe.get_all(
		"Bin",
		filters={"warehouse": ["in", warehouses], "actual_qty": [">", 0]},
		fields=["item_code", "warehouse", "actual_qty", "stock_value", "stock_uom"],
	)
	if not bins:
		return []
	items = list({b.item_code for b in bins})
	names = dict(
		frappe.get_all("Item", filters={"name": ["in", items]}, fields=["name", "item_name"], as_list=True)
	)
	for b in bins:
		b.item_name = names.get(b.item_code)
	return portal.inventory(
		bins, incoming_entries(warehouses, items), batch_balances(warehouses, items), today
	)


def incoming_entries(warehouses: list[str], items: list[str]) -> list[dict]:
	"""The receipts (item_code, warehouse, posting_date, qty) of ``items`` into ``warehouses``. The date is
	read from the posting datetime, which the covering index dms_app.install.CHANNEL_INDEXES
	["dms_channel_moves"] holds (posting_date is not in it): MariaDB answers from the index alone."""
	sle = frappe.qb.DocType("Stock Ledger Entry")
	rows = (
		frappe.qb.from_(sle)
		.select(sle.item_code, sle.warehouse, Date(sle.posting_datetime), sle.actual_qty)
		.where(
			sle.warehouse.isin(warehouses)
			& sle.item_code.isin(items)
			& (sle.is_cancelled == 0)
			& (sle.actual_qty > 0)
		)
		.run()
	)
	return [
		{"item_code": item, "warehouse": warehouse, "posting_date": day, "qty": qty}
		for item, warehouse, day, qty in rows
	]


def batch_balances(warehouses: list[str], items: list[str]) -> list[dict]:
	sle = frappe.qb.DocType("Stock Ledger Entry")
	entry = frappe.qb.DocType("Serial and Batch Entry")
	where = (
		sle.warehouse.isin(warehouses)
		& sle.item_code.isin(items)
		& (sle.is_cancelled == 0)
		& (sle.has_batch_no == 1)
	)
	bundled = (
		frappe.qb.from_(sle)
		.join(entry)
		.on(entry.parent == sle.serial_and_batch_bundle)
		.select(sle.item_code, sle.warehouse, entry.batch_no, Sum(entry.qty).as_("qty"))
		.where(where & entry.batch_no.isnotnull())
		.groupby(sle.item_code, sle.warehouse, entry.batch_no)
		.run(as_dict=True)
	)
	legacy = (
		frappe.qb.from_(sle)
		.select(sle.item_code, sle.warehouse, sle.batch_no, Sum(sle.actual_qty).as_("qty"))
		.where(where & sle.serial_and_batch_bundle.isnull() & (sle.batch_no != ""))
		.groupby(sle.item_code, sle.warehouse, sle.batch_no)
		.run(as_dict=True)
	)
	balances: dict[tuple[str, str, str], float] = {}
	for row in bundled + legacy:
		key = (row.item_code, row.warehouse, row.batch_no)
		balances[key] = balances.get(key, 0.0) + float(row.qty or 0)
	if not balances:
		return []
	expiry = dict(
		frappe.get_all(
			"Batch",
			filters={"name": ["in", list({k[2] for k in balances})]},
			fields=["name", "expiry_date"],
			as_list=True,
		)
	)
	return [
		{
			"item_code": item,
			"warehouse": warehouse,
			"batch_no": batch,
			"qty": qty,
			"expiry_date": getdate(expiry[batch]) if expiry.get(batch) else None,
		}
		for (item, warehouse, batch), qty in balances.items()
	]


@frappe.whitelist(methods=["GET"])
def export_csv(distributor: str | None = None):
	"""The distributor's stock as CSV (one row per item and warehouse, or per batch). The distributor is
	the caller's own; ``distributor`` is honoured only where the caller may see it (OEM staff)."""
	distributor = resolve_distributor(distributor)
	lines = stock_lines(distributor)
	header = [
		_("Item Code"),
		_("Item Name"),
		_("Warehouse"),
		_("Quantity"),
		_("UOM"),
		_("Stock Value"),
		_("Age (Days)"),
		_("Batch"),
		_("Batch Quantity"),
		_("Expiry Date"),
		_("Expiry Status"),
	]
	frappe.response["type"] = "csv"
	frappe.response["doctype"] = f"stock-{distributor}-{nowdate()}"
	frappe.response["result"] = portal.inventory_csv(lines, header, status_labels())


def status_labels() -> dict[str, str]:
	return {portal.EXPIRED: _("Expired"), portal.NEAR_EXPIRY: _("Expires soon"), portal.OK: _("OK")}
