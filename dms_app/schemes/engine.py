"""DMS Schemes on documents: load the active schemes, price a document with dms_app.core.schemes, write
what it earned into the document, and on submit into the scheme ledger and the schemes' budgets.

* Secondary sales (a distributor's Sales Invoice or Delivery Note, and a retailer's Sales Order to it,
  see dms_app.retail) are priced by :func:`apply_to_sale`,
  called from the ``dms_secondary_sale_validate`` hook on every validate. Line discounts lower the
  row's rate, free goods become rows at rate 0 marked with their scheme, a bill-value discount goes
  into the document's additional discount. ERPNext's own pricing rules are switched off on these
  documents (:func:`before_validate`): the schemes are their pricing.
* Primary orders (a distributor's Material Request) are priced by :func:`apply_to_order` while they
  are drafts. The rate stays the OEM's list price; the discount is recorded on the rows and header
  for the OEM ERP, free goods are added as rows so they are dispatched with the order.
* Every benefit is kept on the document (``dms_scheme_benefits``); :func:`record` turns it into
  ``DMS Scheme Ledger Entry`` rows on submit and :func:`reverse` cancels them on cancel.
* Budgets: a document being submitted locks its schemes' rows (``SELECT ... FOR UPDATE``, in name
  order) before it is priced, so two documents submitted at once are priced one after the other and
  together never pass a cap.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import flt, getdate

from dms_app.core import schemes as core

FREE_ROW = "dms_scheme"


# -- schemes --------------------------------------------------------------------------------------


def to_core(doc, budget_left: float | None = None) -> core.Scheme:
	"""A DMS Scheme (document or dict with its child rows) as the engine's plain data."""

	def listed(table: str, kind_field: str, kind: str) -> frozenset[str]:
		return frozenset(row.get("value") for row in doc.get(table) or [] if row.get(kind_field) == kind)

	slabs = tuple(
		core.Slab(
			flt(row.get("from_value")),
			flt(row.get("to_value")) or None,
			row.get("discount_type") or core.PERCENTAGE,
			flt(row.get("discount")),
		)
		for row in sorted(doc.get("slabs") or [], key=lambda row: row.get("idx") or 0)
	)
	return core.Scheme(
		name=doc.get("name"),
		scheme_type=doc.get("scheme_type"),
		channel=doc.get("channel"),
		basis=doc.get("basis") or core.QUANTITY,
		slabs=slabs,
		buy_qty=flt(doc.get("buy_qty")),
		free_qty=flt(doc.get("free_qty")),
		free_item=doc.get("free_item") or None,
		items=listed("items", "applies_to", "Item"),
		item_groups=listed("items", "applies_to", "Item Group"),
		brands=listed("items", "applies_to", "Brand"),
		company=doc.get("company"),
		territories=listed("buyers", "buyer_type", "Territory"),
		customer_groups=listed("buyers", "buyer_type", "Customer Group"),
		distributors=listed("buyers", "buyer_type", "Distributor"),
		retailers=listed("buyers", "buyer_type", "Customer"),
		valid_from=_iso(doc.get("valid_from")),
		valid_upto=_iso(doc.get("valid_upto")),
		priority=int(doc.get("priority") or 0),
		exclusive=bool(doc.get("exclusive")),
		coupon_code=(doc.get("coupon_code") or "").strip() or None,
		budget_type=doc.get("budget_type") or None,
		budget_left=budget_left,
	)


def active_schemes(channel: str, company: str, *, lock: bool = False) -> list[core.Scheme]:
	"""Submitted, enabled schemes of a channel and company, with their budgets read now.

	Terms are read once per request (a bulk upload prices many invoices with them); budgets are
	read on every call, and locked until the transaction ends when ``lock`` is set.
	"""
	cache = frappe.local.cache.setdefault("dms_scheme_terms", {})
	if (channel, company) not in cache:
		cache[(channel, company)] = _load_terms(channel, company)
	terms = cache[(channel, company)]
	capped = sorted(scheme.name for scheme in terms if scheme.budget_type)
	if not capped:
		return terms
	left = budgets_left(capped, lock=lock)
	return [
		replace(scheme, budget_left=left[scheme.name]) if scheme.budget_type else scheme for scheme in terms
	]


def budgets_left(names: list[str], *, lock: bool = False) -> dict[str, float]:
	scheme = DocType("DMS Scheme")
	query = (
		frappe.qb.from_(scheme)
		.select(scheme.name, scheme.budget, scheme.budget_used)
		.where(scheme.name.isin(sorted(names)))
		.orderby(scheme.name)
	)
	if lock:
		query = query.for_update()
	return {name: flt(budget) - flt(used) for name, budget, used in query.run()}


def _load_terms(channel: str, company: str) -> list[core.Scheme]:
	rows = frappe.get_all(
		"DMS Scheme",
		filters={"docstatus": 1, "disabled": 0, "channel": channel, "company": company},
		fields=[
			"name",
			"scheme_type",
			"channel",
			"basis",
			"buy_qty",
			"free_qty",
			"free_item",
			"company",
			"valid_from",
			"valid_upto",
			"priority",
			"exclusive",
			"coupon_code",
			"budget_type",
		],
	)
	if not rows:
		return []
	children = {row.name: {"slabs": [], "items": [], "buyers": []} for row in rows}
	for table, doctype, fields in (
		("slabs", "DMS Scheme Slab", ["from_value", "to_value", "discount_type", "discount", "idx"]),
		("items", "DMS Scheme Item", ["applies_to", "value"]),
		("buyers", "DMS Scheme Buyer", ["buyer_type", "value"]),
	):
		for child in frappe.get_all(
			doctype,
			filters={"parenttype": "DMS Scheme", "parent": ["in", list(children)]},
			fields=["parent", *fields],
		):
			children[child.parent][table].append(child)
	return [to_core({**row, **children[row.name]}) for row in rows]


def clear_cache() -> None:
	frappe.local.cache.pop("dms_scheme_terms", None)
	frappe.local.cache.pop("dms_scheme_lineage", None)


# -- the buyer and the lines ----------------------------------------------------------------------


def lineage(doctype: str, name: str | None) -> frozenset[str]:
	"""A tree node and every node above it (Territory, Customer Group, Item Group)."""
	if not name:
		return frozenset()
	cache = frappe.local.cache.setdefault("dms_scheme_lineage", {})
	if (doctype, name) not in cache:
		bounds = frappe.db.get_value(doctype, name, ["lft", "rgt"])
		if not bounds:
			cache[(doctype, name)] = frozenset({name})
		else:
			cache[(doctype, name)] = frozenset(
				frappe.get_all(
					doctype, filters={"lft": ["<=", bounds[0]], "rgt": [">=", bounds[1]]}, pluck="name"
				)
			)
	return cache[(doctype, name)]


def path(doctype: str, name: str | None) -> tuple[str, ...]:
	"""A tree node and its ancestors, nearest first (the order of :func:`lineage`)."""
	if not name:
		return ()
	nodes = lineage(doctype, name)
	if len(nodes) == 1:
		return tuple(nodes)
	return tuple(
		frappe.get_all(doctype, filters={"name": ["in", list(nodes)]}, order_by="lft desc", pluck="name")
	)


def _items(item_codes: set[str]) -> dict[str, frappe._dict]:
	fields = ["name", "item_name", "item_group", "brand", "stock_uom", "description", "disabled"]
	if frappe.get_meta("Item").has_field("gst_hsn_code"):  # india_compliance: a row needs its HSN code
		fields.append("gst_hsn_code")
	return {
		row.name: row
		for row in frappe.get_all("Item", filters={"name": ["in", list(item_codes)]}, fields=fields)
	}


def _free_items(schemes: list[core.Scheme]) -> set[str]:
	return {scheme.free_item for scheme in schemes if scheme.free_item}


def _prices(price_list: str | None, item_codes: set[str]) -> dict[str, float]:
	if not price_list or not item_codes:
		return {}
	return {
		row.item_code: flt(row.price_list_rate)
		for row in frappe.get_all(
			"Item Price",
			filters={"price_list": price_list, "item_code": ["in", list(item_codes)], "selling": 1},
			fields=["item_code", "price_list_rate"],
		)
	}


def _stock_qty(row) -> float:
	return flt(row.get("stock_qty")) or flt(row.qty) * (flt(row.get("conversion_factor")) or 1)


def _lines(rows, rates: dict[str, float], items: dict) -> tuple[core.Line, ...]:
	lines = []
	for row in rows:
		item = items.get(row.item_code) or frappe._dict()
		stock_qty = _stock_qty(row)
		lines.append(
			core.Line(
				key=row.name,
				item_code=row.item_code,
				qty=stock_qty,
				rate=rates[row.name] * flt(row.qty) / stock_qty if stock_qty else 0.0,
				item_groups=lineage("Item Group", item.get("item_group")),
				brand=item.get("brand") or None,
			)
		)
	return tuple(lines)


def _priced_rows(doc) -> list:
	"""The rows a cart is made of, each with a name: the engine keys lines by it (unsaved rows get one)."""
	rows = [row for row in doc.items if row.item_code and flt(row.qty) > 0]
	for row in rows:
		row.name = row.name or frappe.generate_hash(length=10)
	return rows


def _coupons(doc) -> frozenset[str]:
	code = (doc.get("dms_coupon_code") or "").strip()
	return frozenset({code}) if code else frozenset()


# -- secondary sales ------------------------------------------------------------------------------


def before_validate(doc, method=None):
	"""On a distributor's sale the DMS Schemes are the pricing; ERPNext's rules would apply twice."""
	if doc.get("distributor"):
		doc.ignore_pricing_rule = 1


def apply_to_sale(doc) -> None:
	"""Price a distributor's Sales Invoice / Delivery Note with the schemes; safe to run on every validate.
	A return keeps the rates and free rows of what it returns and gives back its share of the benefits;
	an invoice uploaded from the distributor's books keeps its rates, and the schemes explain its discounts
	(see dms_app.core.schemes.explain); a POS Invoice at the distributor's counter is priced like an invoice,
	and the Sales Invoice they are merged into at closing keeps their rates and benefits (:func:`keep_billed`)."""
	if doc.get("is_return"):
		give_back(doc)
		return
	if doc.get("dms_upload"):
		explain_uploaded(doc)
		return
	if doc.get("is_consolidated"):
		keep_billed(doc)
		return
	schemes = active_schemes(core.SECONDARY, doc.company, lock=doc.docstatus == 1)
	priced_before = doc.get("dms_scheme_benefits") or any(
		row.get(FREE_ROW) or flt(row.get("dms_scheme_discount")) for row in doc.items
	)
	if not schemes and not priced_before:
		return
	drop_free_rows(doc)
	rows = _priced_rows(doc)
	bases = {row.name: _base_rate(row) for row in rows}
	items = _items({row.item_code for row in rows} | _free_items(schemes))
	outcome = core.Outcome()
	if schemes and rows:
		outcome = core.evaluate(_cart(doc, rows, bases, items, schemes), schemes)

	for row in rows:
		off = outcome.line_discount(row.name)
		row.dms_base_rate = bases[row.name]
		row.dms_scheme_discount = off
		row.rate = flt(bases[row.name] - off / flt(row.qty), row.precision("rate"))
		row.dms_scheme_unit_discount = flt(bases[row.name] - row.rate, row.precision("rate"))
	added = _add_free_rows(doc, outcome, items)
	previous_bill = flt(doc.get("dms_scheme_bill_discount"))
	manual = flt(doc.get("discount_amount")) - previous_bill
	if outcome.bill_discount or previous_bill:
		doc.additional_discount_percentage = 0
		doc.apply_discount_on = doc.get("apply_discount_on") or "Net Total"
		doc.discount_amount = max(manual, 0) + outcome.bill_discount
	doc.dms_scheme_bill_discount = outcome.bill_discount
	_keep(doc, outcome)
	_tell_skipped(doc, outcome, schemes)
	if added:
		# ERPNext fills the free rows (accounts, cost centre, stock qty...) the way it fills any row.
		doc.validate()
	else:
		doc.calculate_taxes_and_totals()


def _cart(doc, rows, bases: dict[str, float], items: dict, schemes) -> core.Cart:
	return core.Cart(
		channel=core.SECONDARY,
		date=_iso(
			doc.get("posting_date") or doc.get("transaction_date")
		),  # a Sales Order has no posting date
		buyer=core.Buyer(
			company=doc.company,
			distributor=doc.distributor,
			retailer=doc.customer,
			territories=lineage("Territory", doc.get("territory")),
			customer_groups=lineage("Customer Group", doc.get("customer_group")),
		),
		lines=_lines(rows, bases, items),
		coupon_codes=_coupons(doc),
		prices=_prices(doc.get("selling_price_list"), _free_items(schemes)),
	)


def _is_free(row) -> bool:
	return not flt(row.rate) and not flt(row.get("price_list_rate"))


def explain_uploaded(doc) -> None:
	"""An invoice from the distributor's books: its rates stand. The schemes are evaluated on its paid
	lines at their list rates, and what they explain of the discounts the books gave is its benefit; the
	rest is kept as the unexplained discount."""
	schemes = active_schemes(core.SECONDARY, doc.company, lock=doc.docstatus == 1)
	explanation = core.Explanation()
	if schemes:
		paid = [row for row in _priced_rows(doc) if not _is_free(row)]
		lists = {row.name: flt(row.get("price_list_rate")) or flt(row.rate) for row in paid}
		free_given: dict[str, float] = {}
		for row in doc.items:
			if row.item_code and flt(row.qty) > 0 and _is_free(row):
				free_given[row.item_code] = free_given.get(row.item_code, 0.0) + _stock_qty(row)
		items = _items({row.item_code for row in paid} | _free_items(schemes) | set(free_given))
		outcome = core.evaluate(_cart(doc, paid, lists, items, schemes), schemes) if paid else core.Outcome()
		given = [core.Given(row.name, (lists[row.name] - flt(row.rate)) * flt(row.qty)) for row in paid]
		prices = {row.item_code: lists[row.name] for row in paid}
		prices.update(_prices(doc.get("selling_price_list"), set(free_given) - set(prices)))
		explanation = core.explain(outcome, given, free_given, flt(doc.get("discount_amount")), prices)
	by_line: dict[str, float] = {}
	for benefit in explanation.benefits:
		if benefit.line:
			by_line[benefit.line] = by_line.get(benefit.line, 0.0) + benefit.discount
	for row in doc.items:
		row.dms_base_rate = flt(row.get("price_list_rate")) or flt(row.rate)
		row.dms_scheme_discount = flt(by_line.get(row.name), 2)
	doc.dms_scheme_bill_discount = flt(sum(b.discount for b in explanation.benefits if b.line is None), 2)
	_keep(doc, core.Outcome(benefits=explanation.benefits))
	doc.dms_unexplained_discount = explanation.total_unexplained


def keep_billed(doc) -> None:
	"""A Sales Invoice merging a counter's POS Invoices at closing (dms_app.retail.pos): each was priced as
	it was billed, so its rates stand and the merged cart is not priced again (its slabs would differ).
	Its benefits are those of its POS Invoices, each line's moved to the row its POS Invoice Item became."""
	invoices = sorted({row.pos_invoice for row in doc.items if row.get("pos_invoice")})
	benefits: list[core.Benefit] = []
	bill_discount = 0.0
	if invoices:
		rows = {}
		for row in doc.items:
			row.name = row.name or frappe.generate_hash(length=10)  # the ledger keys a benefit by it
			if row.get("pos_invoice_item"):
				rows[row.pos_invoice_item] = row
		given = dict(
			frappe.get_all(
				"POS Invoice Item",
				filters={"parenttype": "POS Invoice", "parent": ["in", invoices]},
				fields=["name", "dms_scheme_discount"],
				as_list=True,
			)
		)
		for row in rows.values():
			row.dms_scheme_discount = flt(given.get(row.pos_invoice_item))
		for billed in frappe.get_all(
			"POS Invoice",
			filters={"name": ["in", invoices]},
			fields=["dms_scheme_benefits", "dms_scheme_bill_discount"],
			order_by="name asc",
		):
			bill_discount += flt(billed.dms_scheme_bill_discount)
			for benefit in json.loads(billed.dms_scheme_benefits or "[]"):
				row = rows.get(benefit.get("line")) if benefit.get("line") else None
				benefits.append(core.Benefit(**{**benefit, "line": row.name if row else None}))
	doc.dms_scheme_bill_discount = flt(bill_discount, 2)
	_keep(doc, core.Outcome(benefits=benefits))


def give_back(doc) -> None:
	"""A return: its share of the benefits the invoice it returns recorded, as negative benefits."""
	benefits = []
	if doc.get("return_against") and doc.doctype == "Sales Invoice":
		entries = frappe.get_all(
			"DMS Scheme Ledger Entry",
			filters={"voucher_type": doc.doctype, "voucher_no": doc.return_against, "is_cancelled": 0},
			fields=[
				"scheme",
				"voucher_detail_no",
				"item_code",
				"qty",
				"discount",
				"free_item",
				"free_qty",
				"value",
			],
			order_by="creation asc, name asc",
		)
		if entries:
			original = frappe.get_all(
				"Sales Invoice Item",
				filters={"parent": doc.return_against, "parenttype": "Sales Invoice"},
				fields=["item_code", "stock_qty", "rate", "price_list_rate"],
			)
			sold, returned = _quantities(original), _quantities(doc.items)
			earned = [
				core.Earned(
					core.Benefit(
						scheme=e.scheme,
						line=e.voucher_detail_no or None,
						discount=flt(e.discount),
						free_item=e.free_item,
						free_qty=flt(e.free_qty),
						value=flt(e.value),
						qty=flt(e.qty),
					),
					e.item_code if e.voucher_detail_no else None,
				)
				for e in entries
			]
			# values before the bill discount: a return copies its invoice's whole discount amount
			sold_value = flt(frappe.db.get_value("Sales Invoice", doc.return_against, "total"))
			back = core.given_back(earned, sold, returned, sold_value, abs(flt(doc.total)))
			rows = {}
			for row in doc.items:
				row.name = row.name or frappe.generate_hash(length=10)  # the ledger keys a benefit by it
				rows.setdefault(row.item_code, row)
			for item_code, benefit in back:
				line = rows[item_code].name if item_code in rows else None
				benefits.append(replace(benefit, line=line))
	_keep(doc, core.Outcome(benefits=benefits))


def _quantities(rows) -> dict[str, float]:
	"""The paid quantity of each item (in stock units, positive)."""
	totals: dict[str, float] = {}
	for row in rows:
		if row.item_code and not _is_free(row):
			totals[row.item_code] = totals.get(row.item_code, 0.0) + abs(_stock_qty(row))
	return totals


def _base_rate(row) -> float:
	"""The row's rate before schemes: the rate we recorded, unless someone has changed the rate since."""
	base = flt(row.get("dms_base_rate"))
	if base:
		# the discount per unit is kept, so a row whose quantity changed since (a retailer's order accepted
		# for less) or that was made from another document (an invoice from the order) keeps its base
		unit = flt(row.get("dms_scheme_unit_discount"))
		if abs(flt(row.rate) - flt(base - unit, row.precision("rate"))) < 0.005:
			return base
		given = flt(row.get("dms_scheme_discount"))  # a row priced before the unit discount was kept
		if given and flt(row.qty):
			if abs(flt(row.rate) - flt(base - given / flt(row.qty), row.precision("rate"))) < 0.005:
				return base
	return flt(row.rate)


def _add_free_rows(doc, outcome: core.Outcome, items: dict) -> bool:
	added = False
	for scheme, item_code, qty in outcome.free_lines():
		item = items.get(item_code) or frappe._dict(stock_uom=None)
		row = {
			"item_code": item_code,
			"item_name": item.get("item_name"),
			"description": item.get("description") or item.get("item_name"),
			"qty": qty,
			"uom": item.stock_uom,
			"stock_uom": item.stock_uom,
			"conversion_factor": 1,
			"stock_qty": qty,
			"rate": 0,
			"amount": 0,
			FREE_ROW: scheme,
			**({"gst_hsn_code": item.gst_hsn_code} if item.get("gst_hsn_code") else {}),
		}
		if doc.doctype == "Material Request":
			first = doc.items[0]
			row.update(
				warehouse=first.warehouse,
				from_warehouse=first.get("from_warehouse"),
				schedule_date=first.schedule_date or doc.schedule_date,
			)
		else:
			row.update(
				warehouse=doc.get("set_warehouse"),
				price_list_rate=0,
				discount_percentage=100,
				is_free_item=1,
			)
			if doc.doctype == "Sales Order":  # a retailer's order (dms_app.retail)
				row["delivery_date"] = doc.delivery_date
		doc.append("items", row)
		added = True
	return added


def _keep(doc, outcome: core.Outcome) -> None:
	doc.dms_scheme_discount = flt(outcome.total_discount, 2)
	doc.dms_scheme_benefits = (
		json.dumps([asdict(benefit) for benefit in outcome.benefits], sort_keys=True)
		if outcome.benefits
		else None
	)


def _tell_skipped(doc, outcome: core.Outcome, schemes: list[core.Scheme]) -> None:
	"""A coupon the buyer gave must earn its scheme, or the document is refused; others are a note."""
	coupons = {code.upper() for code in _coupons(doc)}
	if coupons:
		for_coupon = [s.name for s in schemes if s.coupon_code and s.coupon_code.upper() in coupons]
		earned = {benefit.scheme for benefit in outcome.benefits}
		if not for_coupon:
			frappe.throw(
				_("Coupon code {0} belongs to no active scheme for this document.").format(
					frappe.bold(doc.dms_coupon_code)
				),
				title=_("Invalid Coupon"),
			)
		if not earned & set(for_coupon):
			budget = [name for name in for_coupon if outcome.skipped.get(name) == "budget"]
			frappe.throw(
				_("Coupon code {0}: the budget of scheme {1} is exhausted.").format(
					frappe.bold(doc.dms_coupon_code), ", ".join(budget)
				)
				if budget
				else _("Coupon code {0}: this document does not meet the terms of scheme {1}.").format(
					frappe.bold(doc.dms_coupon_code), ", ".join(for_coupon)
				),
				title=_("Coupon Not Applied"),
			)
	for scheme, reason in outcome.skipped.items():
		if reason == "budget":
			frappe.msgprint(
				_("Scheme {0} was not applied: what it would give is more than its remaining budget.").format(
					frappe.bold(scheme)
				),
				alert=True,
			)


# -- primary orders -------------------------------------------------------------------------------


def drop_free_rows(doc) -> None:
	doc.items = [row for row in doc.items if not row.get(FREE_ROW)]
	for idx, row in enumerate(doc.items, 1):
		row.idx = idx


def apply_to_order(doc, distributor, price_list: str) -> None:
	"""Price a draft primary order (rows already at list price); the rates stay, the discount is recorded."""
	schemes = active_schemes(core.PRIMARY, doc.company)
	rows = _priced_rows(doc)
	items = _items({row.item_code for row in rows} | _free_items(schemes))
	outcome = core.Outcome()
	if schemes and rows:
		customer_group = (
			frappe.db.get_value("Customer", distributor.customer, "customer_group")
			if distributor.get("customer")
			else None
		)
		cart = core.Cart(
			channel=core.PRIMARY,
			date=_iso(doc.transaction_date),
			buyer=core.Buyer(
				company=doc.company,
				distributor=doc.distributor,
				territories=lineage("Territory", distributor.territory),
				customer_groups=lineage("Customer Group", customer_group),
			),
			lines=_lines(rows, {row.name: flt(row.rate) for row in rows}, items),
			coupon_codes=_coupons(doc),
			prices=_prices(price_list, _free_items(schemes)),
		)
		outcome = core.evaluate(cart, schemes)
	for row in rows:
		row.dms_scheme_discount = outcome.line_discount(row.name)
	_add_free_rows(doc, outcome, items)
	_keep(doc, outcome)
	_tell_skipped(doc, outcome, schemes)


# -- ledger and budgets ---------------------------------------------------------------------------


def record(doc, method=None):
	"""On submit: one ledger entry per benefit, and the schemes' budgets used up (under lock)."""
	benefits = json.loads(doc.get("dms_scheme_benefits") or "[]")
	if not benefits:
		return
	rows = {row.name: row for row in doc.items}
	schemes = {
		row.name: row
		for row in frappe.get_all(
			"DMS Scheme",
			filters={"name": ["in", list({b["scheme"] for b in benefits})]},
			fields=["name", "scheme_type", "channel", "budget_type", "budget", "budget_used", "docstatus"],
		)
	}
	_use_budgets(doc, benefits, schemes)
	posting_date = doc.get("posting_date") or doc.get("transaction_date")
	for benefit in benefits:
		scheme = schemes[benefit["scheme"]]
		row = rows.get(benefit["line"]) if benefit["line"] else None
		frappe.get_doc(
			{
				"doctype": "DMS Scheme Ledger Entry",
				"scheme": scheme.name,
				"scheme_type": scheme.scheme_type,
				"channel": scheme.channel,
				"company": doc.company,
				"posting_date": posting_date,
				"voucher_type": doc.doctype,
				"voucher_no": doc.name,
				"voucher_detail_no": benefit["line"],
				"distributor": doc.distributor,
				"retailer": doc.get("customer"),
				"item_code": row.item_code if row else None,
				"qty": benefit["qty"],
				"discount": benefit["discount"],
				"free_item": benefit["free_item"],
				"free_qty": benefit["free_qty"],
				"value": benefit["value"],
			}
		).db_insert()


def _use_budgets(doc, benefits: list[dict], schemes: dict, sign: int = 1) -> None:
	capped = sorted(name for name, scheme in schemes.items() if scheme.budget_type)
	if not capped:
		return
	left = budgets_left(capped, lock=True)
	for name in capped:
		scheme = schemes[name]
		field = "qty" if scheme.budget_type == core.QUANTITY else "value"
		used = sum(flt(b[field]) for b in benefits if b["scheme"] == name)
		if sign > 0 and used > left[name] + 1e-6:
			frappe.throw(
				_(
					"Scheme {0} has {1} left of its budget, and this document would use {2}. Its budget was "
					"used by other documents since this one was priced: save it again to re-price it."
				).format(frappe.bold(name), flt(left[name], 2), flt(used, 2)),
				title=_("Scheme Budget Exhausted"),
			)
		frappe.db.set_value(
			"DMS Scheme",
			name,
			"budget_used",
			flt(scheme.budget) - left[name] + sign * used,
			update_modified=False,
		)


def before_cancel(doc, method=None):
	claimed = frappe.get_all(
		"DMS Scheme Ledger Entry",
		filters={
			"voucher_type": doc.doctype,
			"voucher_no": doc.name,
			"is_cancelled": 0,
			"claim": ["is", "set"],
		},
		pluck="claim",
		distinct=True,
	)
	if claimed:
		frappe.throw(
			_("Scheme benefits of {0} are claimed in {1}; cancel the claim first.").format(
				doc.name, ", ".join(claimed)
			),
			title=_("Claimed"),
		)


def reverse(doc, method=None):
	"""On cancel: the document's ledger entries are cancelled and their budget given back."""
	entries = frappe.get_all(
		"DMS Scheme Ledger Entry",
		filters={"voucher_type": doc.doctype, "voucher_no": doc.name, "is_cancelled": 0},
		fields=["name", "scheme", "qty", "value"],
	)
	if not entries:
		return
	schemes = {
		row.name: row
		for row in frappe.get_all(
			"DMS Scheme",
			filters={"name": ["in", list({e.scheme for e in entries})]},
			fields=["name", "budget_type", "budget"],
		)
	}
	_use_budgets(doc, entries, schemes, sign=-1)
	frappe.db.set_value(
		"DMS Scheme Ledger Entry", {"name": ["in", [e.name for e in entries]]}, "is_cancelled", 1
	)


def _iso(value) -> str | None:
	return str(getdate(value)) if value else None
