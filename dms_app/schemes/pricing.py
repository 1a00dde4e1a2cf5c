"""DMS Scheme -> ERPNext Promotional Scheme, where ERPNext's pricing can express the scheme.

A submitted DMS Scheme that ERPNext's own pricing can reproduce gets a Promotional Scheme of the same
name (ERPNext makes one Pricing Rule per slab from it), so desk, POS and webshop documents without a
distributor are priced as the DMS engine prices them. Distributors' documents set
``ignore_pricing_rule``: there the DMS engine is the pricing and the mirror never applies as well.

How the DMS terms map onto ERPNext (erpnext/accounts/doctype/pricing_rule/utils.py):

* Every rule is ``selling``, for the scheme's company and dates, with *Apply Multiple Pricing Rules*:
  ERPNext then applies every rule a row matches and adds their discounts up, as the DMS engine
  stacks combinable schemes. Rules of one row are applied in ascending ERPNext priority, and only a
  percentage rule turns the running discount amount into the row's discount percentage, from which
  ERPNext computes the rate on save; so amount rules get priority 1, percentage rules 2, free goods 3
  (on save ERPNext keeps the free items of the last rule of a row). The DMS priority only orders
  exclusive schemes and the cap at the line's value, neither of which a mirror has.
* ``Slab Discount``: one price rule per slab, per row, with min/max quantity or amount (the amount
  is price list rate x quantity, as the DMS engine's line value). ``Mixed SKU Slab``: the same with
  *Mixed Conditions*, which counts the listed items of the document together.
* ``Free Goods``: a recursive product rule, minimum and *recurse for* the buy quantity, *Round Free
  Qty* on: ERPNext gives (qty // buy) x free, the whole multiples the DMS engine gives.
* ``Bill Value``: a transaction rule with min/max amount on the document's total after line
  discounts, a percentage or an amount off, applied on the Net Total.
* Items: no list is the root item group (every item); item groups, territories and customer groups
  lose entries that have an ancestor listed too, since ERPNext would match such a row twice.
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import flt, nowdate
from frappe.utils.nestedset import get_root_of

from dms_app.core import schemes as core

PROMOTIONAL_SCHEME = "Promotional Scheme"
APPLY_ON = {"Item": "Item Code", "Item Group": "Item Group", "Brand": "Brand"}
APPLICABLE_FOR = {"Customer": "Customer", "Customer Group": "Customer Group", "Territory": "Territory"}
TREES = ("Item Group", "Customer Group", "Territory")
PRIORITY = {core.AMOUNT: "1", core.PERCENTAGE: "2", core.FREE_GOODS: "3"}


def sync(doc) -> None:
	"""Create, update or remove the Promotional Scheme that mirrors a DMS Scheme, after submit, update
	after submit and cancel; record its name in ``promotional_scheme`` and what ERPNext does
	differently, or why there is no mirror, in ``pricing_note``."""
	if doc.docstatus == 2:
		name, note = withdraw(doc)
		doc.db_set({"promotional_scheme": name, "pricing_note": note})
		return
	reasons = reasons_not_mirrored(doc)
	if reasons:
		name, _note = withdraw(doc)
		note = _("Not mirrored in ERPNext pricing:") + "\n" + "\n".join(f"- {reason}" for reason in reasons)
		doc.db_set({"promotional_scheme": name, "pricing_note": note})
		return
	try:
		name = _write(doc)
	except frappe.ValidationError as error:
		doc.db_set(
			{
				"promotional_scheme": None,
				"pricing_note": _("ERPNext refused the Promotional Scheme mirroring this scheme: {0}").format(
					frappe.utils.strip_html(str(error))
				),
			}
		)
		return
	doc.db_set({"promotional_scheme": name, "pricing_note": "\n".join(caveats(doc, name))})


# -- what can be mirrored -------------------------------------------------------------------------


def reasons_not_mirrored(doc) -> list[str]:
	"""Why ERPNext's pricing cannot give what the DMS engine gives for this scheme; empty if it can."""
	if doc.channel != core.SECONDARY:
		return [
			_(
				"Primary schemes price distributors' orders (Material Requests), and ERPNext applies no "
				"pricing rules to Material Requests."
			)
		]
	if doc.scheme_type == core.PER_PERIOD:
		return [
			_(
				"A Quantity Per Period scheme is settled as a rebate on what was bought over the period; "
				"an ERPNext pricing rule prices one document."
			)
		]
	reasons = []
	# a Bill Value scheme takes the whole bill, whatever items it lists (as in the DMS engine)
	kinds = (
		[]
		if doc.scheme_type == core.BILL_VALUE
		else sorted({row.applies_to for row in doc.get("items") or []})
	)
	if len(kinds) > 1:
		reasons.append(
			_(
				"It lists {0} together; a Promotional Scheme applies to one kind of list (item codes, "
				"item groups or brands)."
			).format(", ".join(_(kind) for kind in kinds))
		)
	elif doc.scheme_type == core.MIXED_SLAB and kinds != ["Item"]:
		reasons.append(
			_(
				"A Mixed SKU Slab needs its items listed by item code to be mirrored: ERPNext applies a "
				"mixed-conditions rule only to rows whose item code is in the rule's list, so over item "
				"groups, brands or all items it would give nothing when the document is saved."
			)
		)
	buyers = sorted({row.buyer_type for row in doc.get("buyers") or []})
	if "Distributor" in buyers:
		reasons.append(
			_("It is limited to distributors; ERPNext's pricing rules cannot select buyers by distributor.")
		)
	if len([kind for kind in buyers if kind in APPLICABLE_FOR]) > 1:
		reasons.append(
			_(
				"It restricts buyers by {0} at once; a Promotional Scheme's Applicable For takes one list "
				"(customers, customer groups or territories)."
			).format(", ".join(_(kind) for kind in buyers if kind in APPLICABLE_FOR))
		)
	if doc.get("budget_type"):
		reasons.append(
			_(
				"It has a budget; ERPNext's pricing rules have no cap and would go on giving after the "
				"budget is used up."
			)
		)
	if (doc.get("coupon_code") or "").strip():
		reasons.append(
			_(
				"It needs a coupon code; a Promotional Scheme has none (ERPNext ties a Coupon Code to a "
				"single Pricing Rule, and a Promotional Scheme makes one rule per slab)."
			)
		)
	if doc.get("exclusive"):
		reasons.append(
			_(
				"It is exclusive: it takes only lines no other scheme gave anything, and no scheme adds to "
				"them after it. ERPNext either stacks every rule a row matches or keeps the one rule of "
				"highest priority per row (and refuses rules of equal priority), which is not the same."
			)
		)
	return reasons


def caveats(doc, name: str) -> list[str]:
	"""What the mirror does differently from the DMS engine, in cases the scheme alone cannot rule out."""
	notes = [_("Mirrored in ERPNext pricing as Promotional Scheme {0}.").format(name)]
	if doc.scheme_type == core.BILL_VALUE:
		notes.append(
			_(
				"ERPNext gives one transaction discount per document: when two Bill Value schemes apply "
				"to a document, it keeps one of them, while the DMS engine adds both."
			)
		)
	if doc.scheme_type != core.BILL_VALUE and any(
		slab.discount_type == core.AMOUNT for slab in doc.get("slabs") or []
	):
		notes.append(
			_(
				"A new document saved with item codes and quantities only (an API client, an import) is "
				"priced by ERPNext before its rows have prices: on a row that also earns a percentage off, "
				"ERPNext then keeps the percentage alone. The desk and POS add both, as the DMS engine does."
			)
		)
	if doc.scheme_type == core.MIXED_SLAB:
		notes.append(
			_(
				"A new document saved with item codes and quantities only is priced by ERPNext row by row "
				"before the other rows have stock quantities, and the mixed slab may then count the "
				"listed rows wrongly. The desk and POS send the quantities, and ERPNext counts as the DMS "
				"engine does."
			)
		)
	if doc.scheme_type == core.FREE_GOODS:
		notes.append(
			_(
				"ERPNext counts rows of the same item together for free goods; the DMS engine counts each "
				"line."
			)
		)
	return notes


# -- the Promotional Scheme -----------------------------------------------------------------------


def promotional_scheme_values(doc) -> dict:
	"""The Promotional Scheme's fields and slab rows for a DMS Scheme that can be mirrored."""
	company_currency = frappe.get_cached_value("Company", doc.company, "default_currency")
	values = {
		"selling": 1,
		"buying": 0,
		"company": doc.company,
		"currency": company_currency,
		"valid_from": doc.valid_from,
		"valid_upto": doc.valid_upto or None,
		"disable": 1 if doc.disabled else 0,
		"mixed_conditions": 1 if doc.scheme_type == core.MIXED_SLAB else 0,
		"is_cumulative": 0,
		"apply_rule_on_other": None,
		"items": [],
		"item_groups": [],
		"brands": [],
		"price_discount_slabs": [],
		"product_discount_slabs": [],
		**_applicable_for(doc),
	}
	if doc.scheme_type == core.BILL_VALUE:
		values["apply_on"] = "Transaction"
	else:
		kind = next((row.applies_to for row in doc.get("items") or []), None)
		listed = [row.value for row in doc.get("items") or []]
		if not kind:
			kind, listed = "Item Group", [get_root_of("Item Group")]
		values["apply_on"] = APPLY_ON[kind]
		field = frappe.scrub(APPLY_ON[kind])
		table = {"Item Code": "items", "Item Group": "item_groups", "Brand": "brands"}[APPLY_ON[kind]]
		values[table] = [{field: value} for value in _topmost(kind, listed)]

	if doc.scheme_type == core.FREE_GOODS:
		values["product_discount_slabs"] = [
			{
				"rule_description": _("{0}: every {1} bought, {2} free").format(
					doc.scheme_name, flt(doc.buy_qty), flt(doc.free_qty)
				),
				"min_qty": flt(doc.buy_qty),
				"max_qty": 0,
				"min_amount": 0,
				"max_amount": 0,
				"same_item": 0 if doc.free_item else 1,
				"free_item": doc.free_item or None,
				"free_qty": flt(doc.free_qty),
				"is_recursive": 1,
				"recurse_for": flt(doc.buy_qty),
				"apply_recursion_over": 0,
				"round_free_qty": 1,
				"priority": PRIORITY[core.FREE_GOODS],
				"apply_multiple_pricing_rules": 1,
				"disable": 0,
			}
		]
	else:
		by_value = doc.scheme_type == core.BILL_VALUE or doc.basis == core.VALUE
		values["price_discount_slabs"] = [
			_price_slab(doc, slab, by_value)
			for slab in sorted(doc.get("slabs") or [], key=lambda row: row.idx or 0)
		]
	return values


def _price_slab(doc, slab, by_value: bool) -> dict:
	low, high = flt(slab.from_value), flt(slab.to_value)
	percentage = slab.discount_type == core.PERCENTAGE
	return {
		"rule_description": _("{0}: {1} to {2}, {3} off").format(
			doc.scheme_name,
			f"{low:g}",
			f"{high:g}" if high else _("no limit"),
			f"{flt(slab.discount):g}%" if percentage else f"{flt(slab.discount):g}",
		),
		"min_qty": 0 if by_value else low,
		"max_qty": 0 if by_value else high,
		"min_amount": low if by_value else 0,
		"max_amount": high if by_value else 0,
		"rate_or_discount": "Discount Percentage" if percentage else "Discount Amount",
		"discount_percentage": flt(slab.discount) if percentage else 0,
		"discount_amount": 0 if percentage else flt(slab.discount),
		"rate": 0,
		"for_price_list": None,
		"priority": PRIORITY[slab.discount_type],
		"apply_multiple_pricing_rules": 1,
		"apply_discount_on_rate": 0,
		"validate_applied_rule": 0,
		"disable": 0,
	}


def _applicable_for(doc) -> dict:
	values = {"applicable_for": None, "customer": [], "customer_group": [], "territory": []}
	kind = next((row.buyer_type for row in doc.get("buyers") or [] if row.buyer_type in APPLICABLE_FOR), None)
	if kind:
		field = frappe.scrub(kind)
		listed = [row.value for row in doc.buyers if row.buyer_type == kind]
		values["applicable_for"] = APPLICABLE_FOR[kind]
		values[field] = [{field: value} for value in _topmost(kind, listed)]
	return values


def _topmost(kind: str, names: list[str]) -> list[str]:
	"""The names without duplicates and, in a tree, without those below another listed name."""
	names = list(dict.fromkeys(names))
	if kind not in TREES or len(names) < 2:
		return names
	bounds = {
		row.name: (row.lft, row.rgt)
		for row in frappe.get_all(kind, filters={"name": ["in", names]}, fields=["name", "lft", "rgt"])
	}

	def below_another(name: str) -> bool:
		if name not in bounds:
			return False
		lft, rgt = bounds[name]
		return any(
			other != name and other_lft < lft and rgt < other_rgt
			for other, (other_lft, other_rgt) in bounds.items()
		)

	return [name for name in names if not below_another(name)]


def _write(doc) -> str:
	values = promotional_scheme_values(doc)
	name = doc.get("promotional_scheme")
	if not (name and frappe.db.exists(PROMOTIONAL_SCHEME, name)):
		name = doc.name if frappe.db.exists(PROMOTIONAL_SCHEME, doc.name) else None
	frappe.db.savepoint("dms_promotional_scheme")
	try:
		with _system_change():
			if name:
				scheme = frappe.get_doc(PROMOTIONAL_SCHEME, name)
				removed = _update(scheme, values)
				scheme.save()
				for rule in frappe.get_all(
					"Pricing Rule", {"promotional_scheme_id": ["in", removed or [""]]}
				):
					frappe.delete_doc("Pricing Rule", rule.name)
			else:
				scheme = frappe.get_doc({"doctype": PROMOTIONAL_SCHEME, "name": doc.name, **values})
				scheme.insert()
			if values["apply_on"] == "Transaction":
				# The Promotional Scheme leaves Apply Discount On to the document (Grand Total by default);
				# the DMS engine takes a bill discount off the net, before taxes.
				frappe.db.set_value(
					"Pricing Rule", {"promotional_scheme": scheme.name}, "apply_discount_on", "Net Total"
				)
	except Exception:
		frappe.db.rollback(save_point="dms_promotional_scheme")
		raise
	return scheme.name


def _update(scheme, values: dict) -> list[str]:
	"""Set ``values`` on an existing Promotional Scheme, keeping its slab rows (ERPNext finds a row's
	Pricing Rule by the row's name); returns the names of rows that are gone."""
	removed = []
	for field, value in values.items():
		if not isinstance(value, list):
			scheme.set(field, value)
			continue
		rows = list(scheme.get(field) or [])
		for index, row in enumerate(value):
			if index < len(rows):
				rows[index].update(row)
			else:
				scheme.append(field, row)
		for row in rows[len(value) :]:
			removed.append(row.name)
			scheme.remove(row)
	return removed


def withdraw(doc) -> tuple[str | None, str | None]:
	"""Delete the mirror of a cancelled (or no longer expressible) scheme; when transactions already
	used its rules, disable it instead. Returns the Promotional Scheme still linked and a note."""
	name = doc.get("promotional_scheme")
	if not (name and frappe.db.exists(PROMOTIONAL_SCHEME, name)):
		return None, None
	frappe.db.savepoint("dms_promotional_scheme")
	try:
		with _system_change():
			frappe.db.set_value(doc.doctype, doc.name, "promotional_scheme", None, update_modified=False)
			frappe.delete_doc(PROMOTIONAL_SCHEME, name)
		return None, _("Promotional Scheme {0} was deleted.").format(name)
	except frappe.LinkExistsError:
		frappe.db.rollback(save_point="dms_promotional_scheme")
	with _system_change():
		scheme = frappe.get_doc(PROMOTIONAL_SCHEME, name)
		scheme.disable = 1
		scheme.save()
	return name, _("Promotional Scheme {0} is disabled; transactions used its pricing rules.").format(name)


@contextmanager
def _system_change():
	"""Maintain the mirror as the system: it follows the DMS Scheme the user may change, whether or not
	the user may edit Promotional Schemes and Pricing Rules (ERPNext's Promotional Scheme saves its
	Pricing Rules without a way to pass ignore_permissions). ERPNext's own messages about the rules it
	made are left out: the DMS Scheme's pricing note says what happened."""
	session = frappe.local.session
	user, messages = session.user, len(frappe.local.message_log)
	session.user = "Administrator"
	try:
		yield
	finally:
		session.user = user
		del frappe.local.message_log[messages:]


def price_as_the_desk_does(invoice: dict, price_list: str, on_items=None):
	"""ERPNext's own pricing of an unsaved Sales Invoice (a dict with its item rows), as the desk and POS
	do it: one ``apply_pricing_rule`` call with the document, the answers put on the rows with their free
	items, then the totals and the transaction (bill) rule as on save. ``on_items`` is called once the
	item answers are in (the benchmark times that step). Returns the priced, unsaved invoice."""
	from erpnext.accounts.doctype.pricing_rule.pricing_rule import apply_pricing_rule
	from erpnext.accounts.doctype.pricing_rule.utils import apply_pricing_rule_on_transaction

	args = {
		key: invoice.get(key)
		for key in ("customer", "customer_group", "territory", "currency", "conversion_rate", "company")
	}
	args.update(
		items=[
			{**row, "child_docname": row["name"], "parenttype": "Sales Invoice"} for row in invoice["items"]
		],
		price_list=price_list,
		price_list_currency=invoice["currency"],
		plc_conversion_rate=1,
		transaction_date=nowdate(),
		doctype="Sales Invoice",
		name=invoice["name"],
		is_return=0,
		update_stock=0,
	)
	answers = apply_pricing_rule(args, doc=invoice)
	if on_items:
		on_items()
	doc = frappe.get_doc(invoice)
	free = []
	for row, answer in zip(doc.items, answers, strict=True):
		row.discount_percentage = flt(answer.get("discount_percentage"))
		row.discount_amount = flt(answer.get("discount_amount"))
		row.pricing_rules = answer.get("pricing_rules") or ""
		row.rate = 0
		free.extend(answer.get("free_item_data") or [])
	free_fields = (
		"item_code",
		"qty",
		"rate",
		"price_list_rate",
		"is_free_item",
		"pricing_rules",
		"uom",
		"conversion_factor",
	)
	for free_row in free:
		doc.append("items", {key: free_row.get(key) for key in free_fields})
	doc.calculate_taxes_and_totals()
	apply_pricing_rule_on_transaction(doc)
	doc.calculate_taxes_and_totals()
	return doc
