"""Inbound APIs for the OEM ERP: items, prices, distributor credit, dispatch (logistics) status.

All are POST, for users with the DMS Integration role (API key and secret), and take a list of
records, each with the ERP's ``version`` of the record. A call is all-or-nothing:

- 422 with every problem (record index, field, reason) when a record is malformed;
- 404 when a record names an unknown document;
- 409 when a record is older than what the DMS already has (stale version);
- 401 when DMS Settings has an Inbound Signing Secret and X-DMS-Signature does not match the body.

Sending the same version again changes nothing and reports ``unchanged``: calls can be retried safely.
Order acknowledgement is ``dms_app.api.primary_orders.acknowledge_order``.
"""

from collections.abc import Iterable

import frappe
from frappe import _

from dms_app.api.errors import BadSignature, InvalidPayload, StaleVersion, require_args
from dms_app.core import inbound
from dms_app.core.outbox import SIGNATURE_HEADER, verify
from dms_app.distribution import gst
from dms_app.permissions import require_role


def _authorise() -> None:
	require_role("DMS Integration")
	settings = frappe.get_cached_doc("DMS Settings")
	if not settings.get("inbound_signing_secret") or not getattr(frappe.local, "request", None):
		return
	secret = settings.get_password("inbound_signing_secret")
	body = frappe.request.get_data(cache=True)
	if not verify(secret, body, frappe.get_request_header(SIGNATURE_HEADER)):
		frappe.throw(
			_("The {0} header does not match the body.").format(SIGNATURE_HEADER),
			BadSignature,
			title=_("Bad Signature"),
		)


def _parse(records, spec, key: str) -> list[dict]:
	if isinstance(records, str):
		try:
			records = frappe.parse_json(records)
		except ValueError:
			frappe.throw(_("The records are not valid JSON."), InvalidPayload, title=_("Invalid Payload"))
	clean, problems = inbound.check(records, spec, key)
	if problems:
		lines = [
			_("Record {0}: {1} {2}").format(p.index, p.field, p.reason) if p.index >= 0 else p.reason
			for p in problems[:50]
		]
		frappe.throw("<br>".join(lines), InvalidPayload, title=_("Invalid Payload"))
	return clean


def _require_known(doctype: str, names: set[str], found: Iterable[str] | None = None) -> None:
	"""404 naming every one of ``names`` that does not exist (``found``: the names already read)."""
	if found is None:
		found = frappe.get_all(doctype, filters={"name": ["in", list(names)]}, pluck="name")
	missing = sorted(names - set(found))
	if missing:
		frappe.throw(
			_("Unknown {0}: {1}").format(_(doctype), ", ".join(missing[:20])),
			frappe.DoesNotExistError,
			title=_("Not Found"),
		)


def _refuse_stale(stale: list[str]) -> None:
	if stale:
		frappe.throw(
			_("Older than the version the DMS has: {0}").format(", ".join(stale[:20])),
			StaleVersion,
			title=_("Stale Version"),
		)


def _outcome(new: bool, order: int) -> str:
	return "created" if new else ("updated" if order > 0 else "unchanged")


@frappe.whitelist(methods=["POST"])
def upsert_items(items=None) -> list[dict]:
	"""Create or update Items. New items need item_name, item_group and stock_uom."""
	_authorise()
	require_args(items=items)
	records = _parse(items, inbound.ITEM, "item_code")
	stored = dict(
		frappe.get_all(
			"Item",
			filters={"name": ["in", [r["item_code"] for r in records]]},
			fields=["name", "dms_erp_version"],
			as_list=True,
		)
	)
	new = [r["item_code"] for r in records if r["item_code"] not in stored]
	needed = ("item_name", "item_group", "stock_uom", *(("gst_hsn_code",) if gst.hsn_required() else ()))
	missing = [
		f"{r['item_code']}: {f}" for r in records if r["item_code"] in new for f in needed if not r.get(f)
	]
	if missing:
		frappe.throw(
			_("New items need {0}").format(", ".join(missing[:20])),
			InvalidPayload,
			title=_("Invalid Payload"),
		)
	_require_known("Item Group", {r["item_group"] for r in records if r.get("item_group")})
	_require_known("UOM", {r["stock_uom"] for r in records if r.get("stock_uom")})
	if gst.applies():
		_require_known("GST HSN Code", {r["gst_hsn_code"] for r in records if r.get("gst_hsn_code")})
	order = {
		r["item_code"]: inbound.compare_versions(r["version"], stored.get(r["item_code"])) for r in records
	}
	_refuse_stale([code for code, o in order.items() if o < 0])

	results = []
	for r in records:
		code, is_new = r["item_code"], r["item_code"] in new
		if order[code] > 0:
			doc = frappe.new_doc("Item") if is_new else frappe.get_doc("Item", code)
			if is_new:
				doc.update({"item_code": code, "is_stock_item": 1, "include_item_in_manufacturing": 0})
			doc.update(
				{
					k: r[k]
					for k in ("item_name", "item_group", "stock_uom", "description", "brand", "disabled")
					+ (("gst_hsn_code",) if gst.applies() else ())
					if k in r
				}
			)
			doc.dms_erp_version = r["version"]
			doc.insert() if is_new else doc.save()
		results.append({"item_code": code, "result": _outcome(is_new, order[code])})
	return results


@frappe.whitelist(methods=["POST"])
def upsert_prices(prices=None) -> list[dict]:
	"""Set selling prices (Item Price) per item and price list (default: DMS Settings' price list)."""
	_authorise()
	require_args(prices=prices)
	records = _parse(prices, inbound.PRICE, "item_code")
	default_list = frappe.get_cached_doc("DMS Settings").default_price_list
	for r in records:
		r["price_list"] = r.get("price_list") or default_list
		if not r["price_list"]:
			frappe.throw(
				_("Record {0}: price_list is required (DMS Settings has no default).").format(r["item_code"]),
				InvalidPayload,
				title=_("Invalid Payload"),
			)
	keys = {(r["item_code"], r["price_list"]) for r in records}
	if len(keys) < len(records):
		frappe.throw(
			_("An item and price list repeat in the batch."), InvalidPayload, title=_("Invalid Payload")
		)
	_require_known("Item", {r["item_code"] for r in records})
	_require_known("Price List", {r["price_list"] for r in records})
	existing = {
		(p.item_code, p.price_list): p
		for p in frappe.get_all(
			"Item Price",
			filters={
				"item_code": ["in", [r["item_code"] for r in records]],
				"price_list": ["in", list({r["price_list"] for r in records})],
				"customer": ["is", "not set"],
				"supplier": ["is", "not set"],
			},
			fields=["name", "item_code", "price_list", "dms_erp_version"],
		)
	}
	order = {
		k: inbound.compare_versions(r["version"], (existing.get(k) or {}).get("dms_erp_version"))
		for r in records
		for k in [(r["item_code"], r["price_list"])]
	}
	_refuse_stale([f"{code} ({price_list})" for (code, price_list), o in order.items() if o < 0])

	results = []
	for r in records:
		k = (r["item_code"], r["price_list"])
		if order[k] > 0:
			doc = (
				frappe.get_doc("Item Price", existing[k].name)
				if k in existing
				else frappe.new_doc("Item Price")
			)
			doc.update(
				{
					"item_code": k[0],
					"price_list": k[1],
					"price_list_rate": r["rate"],
					"dms_erp_version": r["version"],
				}
			)
			doc.save()
		results.append(
			{"item_code": k[0], "price_list": k[1], "result": _outcome(k not in existing, order[k])}
		)
	return results


@frappe.whitelist(methods=["POST"])
def update_credit(distributors=None) -> list[dict]:
	"""Set distributors' credit limit and the outstanding the OEM ERP holds for them."""
	_authorise()
	require_args(distributors=distributors)
	records = _parse(distributors, inbound.CREDIT, "distributor")
	for r in records:
		if "credit_limit" not in r and "outstanding" not in r:
			frappe.throw(
				_("Record {0}: send credit_limit, outstanding or both.").format(r["distributor"]),
				InvalidPayload,
				title=_("Invalid Payload"),
			)
	stored = dict(
		frappe.get_all(
			"Distributor",
			filters={"name": ["in", [r["distributor"] for r in records]]},
			fields=["name", "erp_version"],
			as_list=True,
		)
	)
	_require_known("Distributor", {r["distributor"] for r in records}, stored)
	order = {
		r["distributor"]: inbound.compare_versions(r["version"], stored.get(r["distributor"]))
		for r in records
	}
	_refuse_stale([d for d, o in order.items() if o < 0])

	results = []
	for r in records:
		if order[r["distributor"]] > 0:
			doc = frappe.get_doc("Distributor", r["distributor"])
			doc.check_permission("write")
			if "credit_limit" in r:
				doc.credit_limit = r["credit_limit"]
			if "outstanding" in r:
				doc.outstanding_reported = r["outstanding"]
			doc.erp_version = r["version"]
			doc.save()
		results.append({"distributor": r["distributor"], "result": _outcome(False, order[r["distributor"]])})
	return results


@frappe.whitelist(methods=["POST"])
def update_dispatches(dispatches=None) -> list[dict]:
	"""Carrier, tracking number, status and ETA of submitted dispatches (Stock Entries to transit)."""
	_authorise()
	require_args(dispatches=dispatches)
	records = _parse(dispatches, inbound.DISPATCH, "stock_entry")
	entries = {
		e.name: e
		for e in frappe.get_all(
			"Stock Entry",
			filters={"name": ["in", [r["stock_entry"] for r in records]]},
			fields=["name", "distributor", "add_to_transit", "docstatus", "dms_logistics_version"],
		)
	}
	_require_known("Stock Entry", {r["stock_entry"] for r in records}, entries)
	not_dispatches = [
		n for n, e in entries.items() if not (e.distributor and e.add_to_transit and e.docstatus == 1)
	]
	if not_dispatches:
		frappe.throw(
			_("Not a submitted distributor dispatch: {0}").format(", ".join(not_dispatches)),
			InvalidPayload,
			title=_("Invalid Payload"),
		)
	order = {
		n: inbound.compare_versions(r["version"], entries[n].dms_logistics_version)
		for r in records
		for n in [r["stock_entry"]]
	}
	_refuse_stale([n for n, o in order.items() if o < 0])

	results = []
	for r in records:
		name = r["stock_entry"]
		if order[name] > 0:
			doc = frappe.get_doc("Stock Entry", name)
			doc.check_permission("read")
			# Logistics fields are read-only in the desk: the OEM ERP (this role) is their only writer.
			doc.db_set(
				{
					"dms_logistics_status": r["status"],
					"dms_carrier": r.get("carrier"),
					"dms_tracking_no": r.get("tracking_number"),
					"dms_eta": r.get("eta"),
					"dms_logistics_version": r["version"],
					"dms_logistics_updated": frappe.utils.now_datetime(),
				}
			)
			doc.add_comment("Info", _("Logistics: {0}").format(r["status"]))
		results.append({"stock_entry": name, "result": _outcome(False, order[name])})
	return results
