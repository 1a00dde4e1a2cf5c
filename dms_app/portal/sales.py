"""A distributor's secondary sales on the portal: its invoices (and returns) to its retailers, a new
invoice with a live scheme preview, and bulk uploads of CSV or Tally XML files.

The distributor is always the logged-in user's own (dms_app.portal.context.resolve_distributor); a
``distributor`` argument is honoured only where the user may see that distributor (OEM staff). Every
query names it, so another distributor's invoice, retailer or warehouse is simply not found.

* :func:`preview` builds the invoice in memory and runs the path an insert runs up to the database
  write (validate, the secondary-sale rules and the schemes' pricing), inside a savepoint that is
  rolled back, so nothing is written and no scheme budget is used.
* :func:`create_invoice` builds the same invoice and inserts it as submitted, as the user (normal
  permissions), all or nothing.
* :func:`upload` hands a file to the bulk upload API (dms_app.api.secondary_sales.upload), which parses
  and posts it; large files run in the background and the page polls upload_status.
"""

import json
from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import cint, flt, fmt_money, nowdate

from dms_app.api import secondary_sales as upload_api
from dms_app.core import portal_sales as core
from dms_app.portal.context import resolve_distributor
from dms_app.schemes.engine import FREE_ROW

LIST_LIMIT = 200
SEARCH_LIMIT = 20
UPLOAD_FORMATS = ("csv", "tally")


class NotYours(frappe.PermissionError):
	"""A retailer, warehouse or upload of another distributor."""


# -- reading ------------------------------------------------------------------------------------------


def distributor_info(distributor: str) -> frappe._dict:
	info = frappe.db.get_value(
		"Distributor",
		distributor,
		["name", "company", "warehouse", "default_price_list", "status"],
		as_dict=True,
	)
	info.price_list = info.default_price_list or frappe.db.get_single_value(
		"DMS Settings", "default_price_list"
	)
	info.currency = frappe.get_cached_value("Company", info.company, "default_currency")
	return info


def sales_warehouses(distributor: str, main: str | None = None) -> list[str]:
	"""The distributor's warehouses it sells from (not groups, not its in-transit one), main first."""
	names = frappe.get_all(
		"Warehouse",
		filters={
			"distributor": distributor,
			"is_group": 0,
			"disabled": 0,
			"warehouse_type": ["!=", "Transit"],
		},
		pluck="name",
		order_by="name",
	)
	return sorted(names, key=lambda name: name != main)


def retailers(distributor: str) -> list[dict]:
	return frappe.get_all(
		"Customer",
		filters={"distributor": distributor, "disabled": 0},
		fields=["name", "customer_name", "retailer_code"],
		order_by="customer_name",
		limit=5000,
	)


def invoice_list(distributor: str, retailer: str | None = None, limit: int = LIST_LIMIT) -> list[dict]:
	filters = {"distributor": distributor, "docstatus": ["<", 2]}
	if retailer:
		filters["customer"] = retailer
	return frappe.get_all(
		"Sales Invoice",
		filters=filters,
		fields=[
			"name",
			"posting_date",
			"customer",
			"customer_name",
			"status",
			"docstatus",
			"is_return",
			"return_against",
			"grand_total",
			"dms_scheme_discount",
			"dms_external_ref",
		],
		order_by="posting_date desc, creation desc",
		limit=limit,
	)


def invoice_totals(distributor: str, retailer: str | None = None) -> dict:
	"""Submitted sales and returns of the distributor (all of them, not only the listed ones)."""
	invoice = frappe.qb.DocType("Sales Invoice")
	where = (invoice.distributor == distributor) & (invoice.docstatus == 1)
	if retailer:
		where &= invoice.customer == retailer
	rows = (
		frappe.qb.from_(invoice)
		.select(
			invoice.is_return,
			Count(invoice.name),
			Sum(invoice.grand_total),
			Sum(invoice.dms_scheme_discount),
		)
		.where(where)
		.groupby(invoice.is_return)
		.run()
	)
	totals = {"invoices": 0, "sales": 0.0, "returns": 0, "returned": 0.0, "scheme_discount": 0.0}
	for is_return, count, total, discount in rows:
		if is_return:
			totals["returns"] += count
			totals["returned"] += -flt(total)
			totals["scheme_discount"] += flt(discount)
		else:
			totals["invoices"] += count
			totals["sales"] += flt(total)
			totals["scheme_discount"] += flt(discount)
	return totals


def invoice_detail(distributor: str, name: str | None) -> dict | None:
	"""One invoice of ``distributor`` with its lines, schemes and loyalty points; None when the
	distributor has no such invoice."""
	if not name or not frappe.db.exists("Sales Invoice", {"name": name, "distributor": distributor}):
		return None
	doc = frappe.get_doc("Sales Invoice", name)
	benefits = json.loads(doc.dms_scheme_benefits or "[]") if doc.get("dms_scheme_benefits") else []
	given = core.schemes_given(benefits)
	names = scheme_names([g.scheme for g in given] + [row.get(FREE_ROW) for row in doc.items])
	returns = frappe.get_all(
		"Sales Invoice",
		filters={"return_against": doc.name, "distributor": distributor, "docstatus": 1},
		fields=["name", "posting_date", "grand_total"],
		order_by="posting_date",
	)
	points = frappe.get_all(
		"Loyalty Point Entry",
		filters={"invoice_type": "Sales Invoice", "invoice": doc.name},
		fields=["loyalty_points", "loyalty_program", "expiry_date", "redeem_against"],
	)
	return {
		"invoice": doc,
		"items": [row for row in doc.items],
		"schemes": [{"given": g, "scheme_name": names.get(g.scheme) or g.scheme} for g in given],
		"returns": returns,
		"points_earned": sum(flt(p.loyalty_points) for p in points if flt(p.loyalty_points) > 0),
		"points_redeemed": -sum(flt(p.loyalty_points) for p in points if flt(p.loyalty_points) < 0),
		"loyalty_program": next((p.loyalty_program for p in points), None),
		"scheme_names": names,
		"manual_discount": flt(doc.discount_amount) - flt(doc.dms_scheme_bill_discount),
		"scheme_discount": sum(g.discount for g in given),
	}


def scheme_names(schemes: list[str | None]) -> dict[str, str]:
	wanted = [name for name in set(schemes) if name]
	if not wanted:
		return {}
	return dict(
		frappe.get_all(
			"DMS Scheme", filters={"name": ["in", wanted]}, fields=["name", "scheme_name"], as_list=True
		)
	)


def _qty(value) -> str:
	return frappe.format_value(flt(value), {"fieldtype": "Float"})


def upload_list(distributor: str, limit: int = 20) -> list[dict]:
	return frappe.get_all(
		"DMS Upload",
		filters={"distributor": distributor},
		fields=[
			"name",
			"creation",
			"source_format",
			"status",
			"progress",
			"total_invoices",
			"created_invoices",
			"duplicate_invoices",
			"rejected_invoices",
		],
		order_by="creation desc",
		limit=limit,
	)


def upload_detail(distributor: str, name: str | None) -> dict | None:
	if not name or not frappe.db.exists("DMS Upload", {"name": name, "distributor": distributor}):
		return None
	return upload_api.upload_status(name)


def on_hand(warehouse: str, item_codes: list[str]) -> dict[str, float]:
	if not item_codes:
		return {}
	return {
		row.item_code: flt(row.actual_qty)
		for row in frappe.get_all(
			"Bin",
			filters={"warehouse": warehouse, "item_code": ["in", list(set(item_codes))]},
			fields=["item_code", "actual_qty"],
		)
	}


# -- the new invoice ----------------------------------------------------------------------------------


def line_messages() -> dict[str, str]:
	return {
		core.NOT_A_LINE: _("Line {0} cannot be read."),
		core.ITEM_REQUIRED: _("Line {0}: choose an item."),
		core.QTY_NOT_NUMBER: _("Line {0}: the quantity must be a number."),
		core.QTY_NOT_POSITIVE: _("Line {0}: the quantity must be greater than zero."),
		core.NO_LINES: _("Add at least one item."),
		core.TOO_MANY_LINES: _("An invoice can have at most {0} lines.").format(core.MAX_LINES_PER_INVOICE),
	}


def _parse(value):
	if isinstance(value, str):
		try:
			return json.loads(value)
		except json.JSONDecodeError:
			frappe.throw(_("The invoice lines cannot be read."), title=_("Invalid Lines"))
	return value


def _own_retailer(distributor: str, retailer: str | None) -> str:
	if not retailer:
		frappe.throw(_("Choose the retailer to invoice."), title=_("Retailer Required"))
	row = frappe.db.get_value("Customer", retailer, ["name", "distributor", "disabled"], as_dict=True)
	if not row or row.distributor != distributor:
		raise NotYours(_("{0} is not one of your retailers.").format(frappe.bold(retailer)))
	if row.disabled:
		frappe.throw(
			_("Retailer {0} is disabled.").format(frappe.bold(retailer)), title=_("Retailer Disabled")
		)
	return row.name


def _own_warehouse(distributor: str, info, warehouse: str | None) -> str:
	warehouse = warehouse or info.warehouse
	if not warehouse or warehouse not in sales_warehouses(distributor):
		raise NotYours(_("{0} is not one of your warehouses.").format(frappe.bold(warehouse or "")))
	return warehouse


def _check_items(lines: list[core.CartLine]) -> None:
	codes = {line.item_code for line in lines}
	usable = set(
		frappe.get_all(
			"Item",
			filters={"name": ["in", list(codes)], "disabled": 0, "is_sales_item": 1, "has_variants": 0},
			pluck="name",
		)
	)
	for number, line in enumerate(lines, start=1):
		if line.item_code not in usable:
			frappe.throw(
				_("Line {0}: item {1} does not exist or cannot be sold.").format(
					number, frappe.bold(line.item_code)
				),
				title=_("Invalid Item"),
			)


def build_invoice(
	distributor: str,
	retailer: str | None,
	lines,
	coupon_code: str | None = None,
	warehouse: str | None = None,
):
	"""The unsaved Sales Invoice the page describes, after checking that everything in it is the
	distributor's own and every line can be read."""
	info = distributor_info(distributor)
	retailer = _own_retailer(distributor, retailer)
	warehouse = _own_warehouse(distributor, info, warehouse)
	cart, problems = core.read_cart(_parse(lines))
	if problems:
		messages = line_messages()
		frappe.throw(
			"<br>".join(messages[p.code].format(p.line) for p in problems), title=_("Check the Lines")
		)
	_check_items(cart)
	return frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": info.company,
			"customer": retailer,
			"distributor": distributor,
			"posting_date": nowdate(),
			"update_stock": 1,
			"set_warehouse": warehouse,
			"selling_price_list": info.price_list,
			"dms_coupon_code": (coupon_code or "").strip() or None,
			"items": [
				{"item_code": line.item_code, "qty": line.qty, "warehouse": warehouse} for line in cart
			],
		}
	)


def validate_in_memory(doc) -> None:
	"""What Document.insert does before it writes (frappe/model/document.py), without naming the
	document from its series (a number would be used up) and without writing it. The document gets a
	placeholder name, as the desk gives an unsaved form, so its rows know their parent."""
	doc.set("__islocal", True)
	doc.name = f"new-sales-invoice-{frappe.generate_hash(length=10)}"
	doc._set_defaults()
	doc.set_user_and_timestamp()
	doc.set_docstatus()
	doc.check_permission("create")
	doc.check_if_latest()
	doc._validate_links()
	doc.run_method("before_insert")
	doc.set_parent_in_children()
	doc.validate_higher_perm_levels()
	doc.flags.in_insert = True
	doc.run_before_save_methods()
	doc._validate()
	doc.flags.in_insert = False


def describe(doc, warehouse: str) -> dict:
	"""The priced invoice as the page shows it: lines (free rows marked), discounts, totals, schemes."""
	currency = doc.currency

	def money(value):
		return fmt_money(flt(value), currency=currency)

	given = core.schemes_given(json.loads(doc.dms_scheme_benefits) if doc.get("dms_scheme_benefits") else [])
	names = scheme_names([g.scheme for g in given] + [row.get(FREE_ROW) for row in doc.items])
	stock = on_hand(warehouse, [row.item_code for row in doc.items])
	short = core.shortfalls([(row.item_code, flt(row.stock_qty) or flt(row.qty)) for row in doc.items], stock)
	lines = []
	for row in doc.items:
		base = flt(row.get("dms_base_rate")) or flt(row.price_list_rate) or flt(row.rate)
		lines.append(
			{
				"item_code": row.item_code,
				"item_name": row.item_name,
				"qty": flt(row.qty),
				"uom": row.uom,
				"free_under": row.get(FREE_ROW) or None,
				"free_under_name": names.get(row.get(FREE_ROW)) if row.get(FREE_ROW) else None,
				"base_rate": base,
				"rate": flt(row.rate),
				"scheme_discount": flt(row.get("dms_scheme_discount")),
				"amount": flt(row.amount),
				"on_hand": stock.get(row.item_code, 0.0),
				"short": row.item_code in short,
				"fmt": {
					"base_rate": money(base),
					"rate": money(row.rate),
					"scheme_discount": money(row.get("dms_scheme_discount")),
					"amount": money(row.amount),
				},
			}
		)
	totals = {
		"total": doc.total,
		"scheme_discount": doc.get("dms_scheme_discount"),
		"bill_discount": doc.get("dms_scheme_bill_discount"),
		"discount_amount": doc.discount_amount,
		"net_total": doc.net_total,
		"taxes": doc.total_taxes_and_charges,
		"grand_total": doc.grand_total,
		"rounded_total": doc.rounded_total or doc.grand_total,
	}
	return {
		"currency": currency,
		"lines": lines,
		"totals": {key: flt(value) for key, value in totals.items()},
		"fmt": {key: money(value) for key, value in totals.items()},
		"schemes": [
			{
				"scheme": g.scheme,
				"scheme_name": names.get(g.scheme) or g.scheme,
				"discount": g.discount,
				"bill_discount": g.bill_discount,
				"free": [{"item_code": item, "qty": qty} for item, qty in g.free],
				"value": g.value,
				"fmt_value": money(g.value),
			}
			for g in given
		],
		"short": [
			_("{0}: {1} needed, {2} on hand in {3}.").format(item, _qty(needed), _qty(have), warehouse)
			for item, (needed, have) in short.items()
		],
	}


@frappe.whitelist(methods=["POST"])
def preview(
	retailer: str | None = None,
	lines=None,
	coupon_code: str | None = None,
	warehouse: str | None = None,
	distributor: str | None = None,
) -> dict:
	"""The invoice the page describes, priced exactly as saving it would price it, without saving it:
	built in memory, validated inside a savepoint that is rolled back; nothing is named, inserted or
	committed, and no scheme budget is used (budgets are used on submit, engine.record)."""
	distributor = resolve_distributor(distributor)
	frappe.has_permission("Sales Invoice", "create", throw=True)
	frappe.db.savepoint("dms_sales_preview")
	try:
		doc = build_invoice(distributor, retailer, lines, coupon_code, warehouse)
		validate_in_memory(doc)
		result = describe(doc, doc.set_warehouse)
		result["notes"] = _notes()
		return result
	finally:
		frappe.db.rollback(save_point="dms_sales_preview")


def _notes() -> list[str]:
	"""Messages the validation left for the user (e.g. a scheme skipped for its budget), taken out of
	the response so the page shows them in the preview."""
	notes = []
	for message in frappe.local.message_log:
		text = message.get("message") if isinstance(message, dict) else message
		if text:
			notes.append(frappe.utils.strip_html(str(text)))
	frappe.clear_messages()
	return notes


@frappe.whitelist(methods=["POST"])
def create_invoice(
	retailer: str | None = None,
	lines=None,
	coupon_code: str | None = None,
	submit=1,
	warehouse: str | None = None,
	distributor: str | None = None,
) -> dict:
	"""Create (and by default submit) the invoice as the user, with the user's permissions: all or
	nothing (a savepoint is rolled back on any error, whoever the caller)."""
	distributor = resolve_distributor(distributor)
	frappe.has_permission("Sales Invoice", "create", throw=True)
	frappe.db.savepoint("dms_sales_create")
	try:
		doc = build_invoice(distributor, retailer, lines, coupon_code, warehouse)
		if cint(submit):
			# inserted as submitted: one pass of Frappe's submit (as dms_app.secondary_sales.ingest does)
			doc.docstatus = 1
		doc.insert()
	except Exception:
		frappe.db.rollback(save_point="dms_sales_create")
		raise
	frappe.db.release_savepoint("dms_sales_create")
	return {
		"name": doc.name,
		"docstatus": doc.docstatus,
		"url": "/dms/sales/view?" + urlencode({"name": doc.name}),
	}


@frappe.whitelist(methods=["GET"])
def search_items(txt: str | None = None, warehouse: str | None = None, distributor: str | None = None):
	"""Items the distributor holds in ``warehouse`` (default its main one) matching ``txt``, with stock
	on hand and list price."""
	distributor = resolve_distributor(distributor)
	info = distributor_info(distributor)
	warehouse = _own_warehouse(distributor, info, warehouse)
	bin_, item = frappe.qb.DocType("Bin"), frappe.qb.DocType("Item")
	query = (
		frappe.qb.from_(bin_)
		.join(item)
		.on(item.name == bin_.item_code)
		.select(item.name.as_("item_code"), item.item_name, item.stock_uom, bin_.actual_qty)
		.where(
			(bin_.warehouse == warehouse)
			& (bin_.actual_qty > 0)
			& (item.disabled == 0)
			& (item.is_sales_item == 1)
		)
		.orderby(item.name)
		.limit(SEARCH_LIMIT)
	)
	txt = (txt or "").strip()
	if txt:
		like = f"%{txt}%"
		query = query.where(item.name.like(like) | item.item_name.like(like))
	rows = query.run(as_dict=True)
	prices = {}
	if rows and info.price_list:
		prices = dict(
			frappe.get_all(
				"Item Price",
				filters={
					"price_list": info.price_list,
					"item_code": ["in", [r.item_code for r in rows]],
					"selling": 1,
				},
				fields=["item_code", "price_list_rate"],
				as_list=True,
			)
		)
	return [
		{
			**row,
			"actual_qty": flt(row.actual_qty),
			"price": flt(prices.get(row.item_code)),
			"fmt_price": fmt_money(flt(prices.get(row.item_code)), currency=info.currency),
		}
		for row in rows
	]


# -- uploads ------------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def upload(format: str | None = None, data: str | None = None, distributor: str | None = None) -> dict:
	"""Post a CSV or Tally XML file through the bulk upload API. The answer is the API's (results, or a
	queued upload to poll with dms_app.api.secondary_sales.upload_status) plus, for a CSV, where each
	invoice's lines are in the file (``file_lines``) so the page can point at the line of an error."""
	distributor = resolve_distributor(distributor)
	if format not in UPLOAD_FORMATS:
		frappe.throw(_("Choose a CSV or Tally XML file."), title=_("Invalid Format"))
	if not (data or "").strip():
		frappe.throw(_("The file is empty."), title=_("Empty File"))
	result = upload_api.upload(format=format, distributor=distributor, data=data)
	numbers = core.csv_line_numbers(data) if format == "csv" else {}
	if result.get("results"):
		result["results"] = core.locate_errors(result["results"], numbers)
	result["file_lines"] = numbers
	return result


@frappe.whitelist(methods=["GET"])
def csv_template(distributor: str | None = None):
	"""The upload CSV's header and two example lines (one invoice) with the distributor's own first
	retailer and item, when it has them."""
	distributor = resolve_distributor(distributor)
	retailer = next(iter(retailers(distributor)), None)
	info = distributor_info(distributor)
	items = frappe.get_all(
		"Bin",
		filters={"warehouse": info.warehouse or "", "actual_qty": [">", 0]},
		pluck="item_code",
		order_by="item_code",
		limit=2,
	) or ["ITEM-CODE"]
	example = {
		"external_ref": "INV-0001",
		"posting_date": nowdate(),
		"retailer_code": (retailer or {}).get("retailer_code") or "",
		"retailer_name": (retailer or {}).get("customer_name") or "Retailer Name",
	}
	frappe.response["type"] = "csv"
	frappe.response["doctype"] = "secondary-sales-template"
	frappe.response["result"] = core.template_csv(example, items)
