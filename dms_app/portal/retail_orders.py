"""A distributor's incoming retailer orders on the portal (/dms/retail-orders): the Sales Orders retailers
placed with it (dms_app.retail.orders: from the store, a beat visit or a marketplace), to accept with the
quantities it can serve, refuse with a reason, and invoice once accepted.

The distributor is the logged-in user's own (dms_app.portal.context.resolve_distributor); OEM staff name
it and may act only as DMS Managers. Every query names the distributor, so another distributor's order is
not found (404), exactly like a missing one. The documents are written as the caller, with its own
rights: the Distributor role reads, writes and submits Sales Orders, and submits Sales Invoices.

* :func:`accept` saves the draft with the quantities served (each no more than ordered; a line set to 0
  is removed; one line at least), which the schemes re-price, and submits it: the order is Accepted
  (dms_app.retail.orders.on_submit).
* :func:`refuse` keeps the draft unsubmitted, with the reason, as Refused.
* :func:`invoice` makes, in one step, the submitted Sales Invoice of what is still to bill, from the
  distributor's warehouse (update stock); the order's status follows (on_invoice_change).
"""

import json
from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.utils import flt

from dms_app.permissions import portal_distributors, require_role
from dms_app.portal.context import resolve_distributor
from dms_app.retail import orders
from dms_app.schemes.engine import FREE_ROW

LIST_LIMIT = 200
STATUSES = (
	orders.PLACED,
	orders.ACCEPTED,
	orders.PARTLY,
	orders.DELIVERED,
	orders.REFUSED,
	orders.CANCELLED,
)
STATUS_COLOURS = {
	orders.PLACED: "orange",
	orders.ACCEPTED: "blue",
	orders.PARTLY: "orange",
	orders.DELIVERED: "green",
	orders.REFUSED: "red",
	orders.CANCELLED: "red",
}
REASON_LENGTH = 500


class OrderNotFound(frappe.DoesNotExistError):
	"""No retailer order of this name for the caller's distributor (another's answers the same)."""


# -- reading ------------------------------------------------------------------------------------------


def order_list(distributor: str, status: str | None = None, limit: int = LIST_LIMIT) -> list[dict]:
	"""The distributor's retailer orders, newest first, of ``status`` when given."""
	filters = {"distributor": distributor, "dms_order_source": ["is", "set"]}
	if status:
		filters["dms_retail_status"] = status
	rows = frappe.get_all(
		"Sales Order",
		filters=filters,
		fields=[
			"name",
			"customer",
			"customer_name",
			"transaction_date",
			"creation",
			"dms_retail_status",
			"dms_order_source",
			"grand_total",
			"total_qty",
			"docstatus",
		],
		order_by="creation desc",
		limit=limit,
	)
	for row in rows:
		row.colour = STATUS_COLOURS.get(row.dms_retail_status, "")
	return rows


def status_counts(distributor: str) -> dict[str, int]:
	counts = frappe.get_all(
		"Sales Order",
		filters={"distributor": distributor, "dms_order_source": ["is", "set"]},
		fields=["dms_retail_status", "count(name) as n"],
		group_by="dms_retail_status",
	)
	return {row.dms_retail_status: row.n for row in counts if row.dms_retail_status}


def order_detail(distributor: str, name: str | None) -> dict | None:
	"""One retailer order of the distributor (None when it has none of that name), for its page."""
	if not name or not isinstance(name, str):
		return None
	if not frappe.db.exists(
		"Sales Order", {"name": name, "distributor": distributor, "dms_order_source": ["is", "set"]}
	):
		return None
	doc = frappe.get_doc("Sales Order", name)
	retailer = frappe.db.get_value(
		"Customer",
		doc.customer,
		["name", "customer_name", "mobile_no", "email_id", "primary_address", "territory"],
		as_dict=True,
	)
	invoices = frappe.get_all(
		"Sales Invoice Item",
		filters={"sales_order": doc.name, "parenttype": "Sales Invoice", "docstatus": 1},
		pluck="parent",
		distinct=True,
	)
	status = doc.dms_retail_status
	return {
		"order": doc,
		"items": doc.items,
		"retailer": retailer,
		"invoices": frappe.get_all(
			"Sales Invoice",
			filters={"name": ["in", invoices or [""]]},
			fields=["name", "posting_date", "grand_total"],
			order_by="creation asc",
		),
		"status": status,
		"colour": STATUS_COLOURS.get(status, ""),
		"can_answer": doc.docstatus == 0 and status == orders.PLACED,
		"can_invoice": doc.docstatus == 1
		and status in (orders.ACCEPTED, orders.PARTLY)
		and flt(doc.per_billed) < 99.99,
	}


# -- acting -------------------------------------------------------------------------------------------


def _caller_distributor(distributor: str | None) -> str:
	"""The caller's distributor: a portal user's own; OEM staff name it and must be DMS Managers."""
	if portal_distributors() is None:
		require_role("DMS Manager")
	return resolve_distributor(distributor)


def _own_order(distributor: str, order) -> "frappe.Document":
	if not isinstance(order, str) or not order.strip():
		frappe.throw(_("Name the order."), title=_("Invalid Order"))
	order = order.strip()
	if not frappe.db.exists(
		"Sales Order", {"name": order, "distributor": distributor, "dms_order_source": ["is", "set"]}
	):
		frappe.throw(
			_("There is no retailer order {0} of your distributor.").format(order),
			OrderNotFound,
			title=_("Order Not Found"),
		)
	return frappe.get_doc("Sales Order", order)


def _parse(value, what: str):
	if isinstance(value, str):
		try:
			return json.loads(value)
		except ValueError:
			frappe.throw(_("The {0} could not be read.").format(what), title=_("Invalid Request"))
	return value


def _must_be_placed(doc) -> None:
	if doc.docstatus != 0 or doc.dms_retail_status != orders.PLACED:
		frappe.throw(
			_("Order {0} is {1}: only a placed order can be accepted or refused.").format(
				doc.name, _(doc.dms_retail_status or "")
			),
			title=_("Not Allowed"),
		)


@frappe.whitelist(methods=["POST"])
def accept(
	order: str | None = None, quantities: str | dict | None = None, distributor: str | None = None
) -> dict:
	"""Accept the retailer's order with the quantities the distributor can serve (``quantities``:
	{item_code: qty}, each at most what was ordered; an item left out keeps its quantity; 0 removes
	the line, one line must be left). The order is saved with them, re-priced by the schemes, and
	submitted: its status becomes Accepted."""
	distributor = _caller_distributor(distributor)
	doc = _own_order(distributor, order)
	doc.check_permission("write")
	_must_be_placed(doc)
	quantities = _parse(quantities, _("quantities")) or {}
	if not isinstance(quantities, dict):
		frappe.throw(_("Give the quantities as {item code: quantity}."), title=_("Invalid Request"))
	ordered = {row.item_code: flt(row.qty) for row in doc.items if not row.get(FREE_ROW)}
	unknown = [code for code in quantities if code not in ordered]
	if unknown:
		frappe.throw(
			_("Not in order {0}: {1}").format(doc.name, ", ".join(str(c) for c in unknown[:20])),
			title=_("Invalid Quantities"),
		)
	served: dict[str, float] = {}
	for code, qty in ordered.items():
		value = quantities.get(code, qty)
		try:
			value = float(value)
		except (TypeError, ValueError):
			value = -1
		if value != value or value < 0 or value > qty + 1e-9:
			frappe.throw(
				_("{0}: serve between 0 and the {1} ordered.").format(code, frappe.format(qty, "Float")),
				title=_("Invalid Quantities"),
			)
		served[code] = value
	if not any(q > 0 for q in served.values()):
		frappe.throw(
			_("Serve at least one line, or refuse the order with a reason."), title=_("Invalid Quantities")
		)
	frappe.db.savepoint("dms_retail_accept")
	try:
		# the schemes' free rows are made again from what is served (dms_app.schemes.engine)
		doc.items = [row for row in doc.items if not row.get(FREE_ROW) and served.get(row.item_code, 0) > 0]
		for row in doc.items:
			row.qty = served[row.item_code]
		doc.save()
		doc.submit()
	except Exception:
		frappe.db.rollback(save_point="dms_retail_accept")
		raise
	frappe.db.release_savepoint("dms_retail_accept")
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def refuse(order: str | None = None, reason: str | None = None, distributor: str | None = None) -> dict:
	"""Refuse the retailer's order, with the reason the retailer is told. It stays an unsubmitted draft,
	Refused."""
	distributor = _caller_distributor(distributor)
	doc = _own_order(distributor, order)
	doc.check_permission("write")
	_must_be_placed(doc)
	reason = (reason or "").strip() if isinstance(reason, str) else ""
	if not reason:
		frappe.throw(_("Give the retailer a reason for refusing the order."), title=_("Reason Required"))
	if len(reason) > REASON_LENGTH:
		frappe.throw(
			_("Keep the reason under {0} characters.").format(REASON_LENGTH), title=_("Reason Too Long")
		)
	doc.db_set("dms_refusal_reason", reason, update_modified=False)
	orders.set_status(doc, orders.REFUSED)
	return _result(doc)


@frappe.whitelist(methods=["POST"])
def invoice(order: str | None = None, distributor: str | None = None) -> dict:
	"""Invoice an accepted order in one step: a submitted Sales Invoice of what is still to bill, from the
	distributor's warehouse, taking the stock out (update stock). The order's status follows it."""
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

	distributor = _caller_distributor(distributor)
	doc = _own_order(distributor, order)
	doc.check_permission("read")
	frappe.has_permission("Sales Invoice", "create", throw=True)
	if doc.docstatus != 1 or doc.dms_retail_status not in (orders.ACCEPTED, orders.PARTLY):
		frappe.throw(
			_("Order {0} is {1}: accept it before invoicing.").format(
				doc.name, _(doc.dms_retail_status or "")
			),
			title=_("Not Allowed"),
		)
	if flt(doc.per_billed) >= 99.99:
		frappe.throw(_("Order {0} is invoiced already.").format(doc.name), title=_("Not Allowed"))
	warehouse = frappe.db.get_value("Distributor", distributor, "warehouse")
	frappe.db.savepoint("dms_retail_invoice")
	try:
		inv = make_sales_invoice(doc.name)
		inv.distributor = distributor
		inv.update_stock = 1
		inv.set_warehouse = warehouse
		for row in inv.items:
			row.warehouse = row.warehouse or warehouse
		inv.insert()
		inv.submit()
	except Exception:
		frappe.db.rollback(save_point="dms_retail_invoice")
		raise
	frappe.db.release_savepoint("dms_retail_invoice")
	result = _result(frappe.get_doc("Sales Order", doc.name))
	result["invoice"] = inv.name
	result["invoice_total"] = flt(inv.grand_total)
	return result


def _result(doc) -> dict:
	return {
		"name": doc.name,
		"status": frappe.db.get_value("Sales Order", doc.name, "dms_retail_status"),
		"docstatus": doc.docstatus,
		"grand_total": flt(doc.grand_total),
		"url": "/dms/retail-orders/view?" + urlencode({"name": doc.name}),
	}
