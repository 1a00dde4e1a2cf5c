"""Schemes and claims for the distributor portal.

* :func:`applicable_schemes`: the submitted, enabled schemes valid today that apply to the distributor,
  decided by the engine's own rule (dms_app.core.schemes.applies_to_cart): a primary scheme for the
  distributor as buyer (as dms_app.schemes.engine.apply_to_order builds it), a secondary scheme for at
  least one of its retailers (as apply_to_sale builds the buyer), with their terms in plain words.
* :func:`utilization`: what the distributor's schemes gave, from the scheme ledger: claimed (in an
  approved claim), in a claim waiting for approval, and still to claim.
* :func:`file_claim`: a DMS Scheme Claim per scheme with benefits still to claim, made and sent for
  approval the way the desk does it (the claim's controller pulls the lines; the "DMS Scheme Claim"
  workflow's "Send for Approval").

The Distributor role has no rights on DMS Scheme: the portal reads the schemes that apply to the
caller's distributor on its behalf. Ledger entries and claims are read filtered by the distributor the
caller resolved from the logged-in user; claims are written as the caller, with its own rights.
"""

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow
from frappe.utils import escape_html, flt, getdate, nowdate

from dms_app.api.errors import require_args
from dms_app.core import schemes as core
from dms_app.portal.context import resolve_distributor
from dms_app.schemes import engine
from dms_app.schemes.loyalty import balances
from dms_app.workflows import scheme_claim as flow

OPEN_STATES = (flow.DRAFT, flow.PENDING, flow.REJECTED)
CLAIM_LIST_LIMIT = 200


class NothingToClaim(frappe.ValidationError):
	pass


# -- which schemes apply --------------------------------------------------------------------------


def applicable_schemes(distributor: str, today=None) -> list[dict]:
	"""The schemes valid ``today`` that apply to ``distributor``, each with its terms described."""
	today = str(getdate(today or nowdate()))
	dist = frappe.db.get_value(
		"Distributor", distributor, ["name", "company", "territory", "customer"], as_dict=True
	)
	found = []
	for channel in (core.PRIMARY, core.SECONDARY):
		buyers = _primary_buyers(dist) if channel == core.PRIMARY else _secondary_buyers(dist)
		for scheme in engine.active_schemes(channel, dist.company):
			coupons = frozenset({scheme.coupon_code}) if scheme.coupon_code else frozenset()
			if any(
				core.applies_to_cart(scheme, core.Cart(channel, today, buyer, (), coupons))
				for buyer in buyers
			):
				found.append(scheme)
	if not found:
		return []
	rows = {
		row.name: row
		for row in frappe.get_all(
			"DMS Scheme",
			filters={"name": ["in", [s.name for s in found]]},
			fields=[
				"name",
				"scheme_name",
				"description",
				"valid_from",
				"valid_upto",
				"budget",
				"budget_used",
			],
		)
	}
	described = []
	for scheme in sorted(found, key=lambda s: (s.channel, -s.priority, s.name)):
		row = rows[scheme.name]
		described.append(
			{
				"name": scheme.name,
				"scheme_name": row.scheme_name,
				"scheme_type": scheme.scheme_type,
				"channel": scheme.channel,
				"description": row.description,
				"valid_from": row.valid_from,
				"valid_upto": row.valid_upto,
				"terms": describe(scheme),
				"applies_to": applies_to(scheme),
				"coupon": bool(scheme.coupon_code),
				"exclusive": scheme.exclusive,
				"budget_type": scheme.budget_type,
				"budget": flt(row.budget) if scheme.budget_type else None,
				"budget_left": scheme.budget_left if scheme.budget_type else None,
			}
		)
	return described


def _primary_buyers(dist) -> list[core.Buyer]:
	customer_group = (
		frappe.db.get_value("Customer", dist.customer, "customer_group") if dist.customer else None
	)
	return [
		core.Buyer(
			company=dist.company,
			distributor=dist.name,
			territories=engine.lineage("Territory", dist.territory),
			customer_groups=engine.lineage("Customer Group", customer_group),
		)
	]


def _secondary_buyers(dist) -> list[core.Buyer]:
	"""One buyer per retailer of the distributor (enabled ones), as a secondary sale to it would have."""
	buyers = [
		core.Buyer(
			company=dist.company,
			distributor=dist.name,
			retailer=row.name,
			territories=engine.lineage("Territory", row.territory),
			customer_groups=engine.lineage("Customer Group", row.customer_group),
		)
		for row in frappe.get_all(
			"Customer",
			filters={"distributor": dist.name, "disabled": 0},
			fields=["name", "territory", "customer_group"],
		)
	]
	# with no retailer yet, the schemes open to every retailer still apply to the distributor's sales
	return buyers or [core.Buyer(company=dist.company, distributor=dist.name)]


# -- terms in plain words -------------------------------------------------------------------------


def describe(scheme: core.Scheme) -> list[str]:
	"""The scheme's benefit as sentences a distributor reads: one per slab, or the free-goods rule."""
	if scheme.scheme_type == core.FREE_GOODS:
		free = scheme.free_item or _("the same item")
		return [
			_("For every {0} units bought of an item, {1} free of {2}.").format(
				_num(scheme.buy_qty), _num(scheme.free_qty), free
			)
		]
	lines = []
	for slab in scheme.slabs:
		if scheme.scheme_type == core.BILL_VALUE:
			when = _range(slab, _("a bill of {0}"), value=True)
			off = (
				_("{0}% off the bill").format(_num(slab.discount))
				if slab.discount_type == core.PERCENTAGE
				else _("{0} off the bill").format(_money(slab.discount))
			)
		else:
			value = scheme.basis == core.VALUE
			if scheme.scheme_type == core.MIXED_SLAB:
				when = _range(slab, _("buying {0} of the listed items together"), value=value)
			elif scheme.scheme_type == core.PER_PERIOD:
				when = _range(slab, _("buying {0} over the whole validity"), value=value)
			else:
				when = _range(slab, _("buying {0} of an item on one line"), value=value)
			if slab.discount_type == core.PERCENTAGE:
				off = (
					_("a rebate of {0}% of the value, paid after the period ends").format(_num(slab.discount))
					if scheme.scheme_type == core.PER_PERIOD
					else _("{0}% off").format(_num(slab.discount))
				)
			else:
				off = (
					_("a rebate of {0} per unit, paid after the period ends").format(_money(slab.discount))
					if scheme.scheme_type == core.PER_PERIOD
					else _("{0} off per unit").format(_money(slab.discount))
				)
		lines.append(_("{0}: {1}.").format(when[:1].upper() + when[1:], off))
	return lines


def _range(slab: core.Slab, template: str, value: bool) -> str:
	if value:
		low, high = _money(slab.low), _money(slab.high) if slab.high is not None else None
		amount = _("{0} or more").format(low) if high is None else _("{0} to {1}").format(low, high)
	elif slab.high is None:
		amount = _("{0} or more units").format(_num(slab.low))
	else:
		amount = _("{0} to {1} units").format(_num(slab.low), _num(slab.high))
	return template.format(amount)


def applies_to(scheme: core.Scheme) -> str:
	parts = []
	if scheme.items:
		parts.append(_("items {0}").format(", ".join(sorted(scheme.items))))
	if scheme.item_groups:
		parts.append(_("item groups {0}").format(", ".join(sorted(scheme.item_groups))))
	if scheme.brands:
		parts.append(_("brands {0}").format(", ".join(sorted(scheme.brands))))
	return "; ".join(parts) if parts else _("all items")


def _num(value: float) -> str:
	return f"{value:g}"


def _money(value: float) -> str:
	return frappe.format_value(value, {"fieldtype": "Currency"})


# -- utilization ----------------------------------------------------------------------------------


def open_claim_entries(distributor: str) -> dict[str, str]:
	"""Ledger entry -> the distributor's claim not yet approved (draft, pending, rejected) holding it."""
	claims = frappe.get_all(
		"DMS Scheme Claim", filters={"distributor": distributor, "docstatus": 0}, pluck="name"
	)
	if not claims:
		return {}
	return dict(
		frappe.get_all(
			"DMS Scheme Claim Line",
			filters={"parenttype": "DMS Scheme Claim", "parent": ["in", claims]},
			fields=["ledger_entry", "parent"],
			as_list=True,
		)
	)


def _entries(distributor: str, scheme: str | None = None) -> list[dict]:
	filters = {"distributor": distributor, "is_cancelled": 0, "scheme": ["is", "set"]}
	if scheme:
		filters["scheme"] = scheme
	return frappe.get_all(
		"DMS Scheme Ledger Entry",
		filters=filters,
		fields=["name", "scheme", "channel", "scheme_type", "posting_date", "value", "free_qty", "claim"],
		order_by="posting_date, name",
	)


def claimable(entry, held: dict[str, str]) -> bool:
	"""Whether a ledger entry can go into a new claim: not claimed, not in an open claim, and of a
	scheme whose benefits are claimed (a primary scheme's benefit is given on the order itself, except
	a quantity-per-period rebate)."""
	return (
		not entry.claim
		and entry.name not in held
		and (entry.channel != core.PRIMARY or entry.scheme_type == core.PER_PERIOD)
	)


def utilization(distributor: str) -> list[dict]:
	"""Per scheme: benefits given to the distributor's sales, claimed, waiting in a claim, to claim."""
	held = open_claim_entries(distributor)
	rows: dict[str, dict] = {}
	for entry in _entries(distributor):
		row = rows.setdefault(
			entry.scheme,
			{
				"scheme": entry.scheme,
				"channel": entry.channel,
				"scheme_type": entry.scheme_type,
				"entries": 0,
				"given": 0.0,
				"free_qty": 0.0,
				"claimed": 0.0,
				"pending": 0.0,
				"unclaimed": 0.0,
				"not_claimable": 0.0,
			},
		)
		value = flt(entry.value)
		row["entries"] += 1
		row["given"] += value
		row["free_qty"] += flt(entry.free_qty)
		if entry.claim:
			row["claimed"] += value
		elif entry.name in held:
			row["pending"] += value
		elif claimable(entry, held):
			row["unclaimed"] += value
		else:
			row["not_claimable"] += value
	names = dict(
		frappe.get_all(
			"DMS Scheme",
			filters={"name": ["in", list(rows) or [""]]},
			fields=["name", "scheme_name"],
			as_list=True,
		)
	)
	for row in rows.values():
		row["scheme_name"] = names.get(row["scheme"]) or row["scheme"]
		for key in ("given", "claimed", "pending", "unclaimed", "not_claimable"):
			row[key] = flt(row[key], 2)
	return sorted(rows.values(), key=lambda r: r["scheme"])


def loyalty_summary(distributor: str, top: int = 5) -> dict | None:
	"""Points of the distributor's retailers in the DMS loyalty program, when one is set."""
	program = frappe.db.get_single_value("DMS Settings", "retailer_loyalty_program")
	if not program:
		return None
	company = frappe.db.get_value("Distributor", distributor, "company")
	retailers = frappe.get_all(
		"Customer",
		filters={"distributor": distributor, "loyalty_program": program},
		fields=["name", "customer_name"],
	)
	points = balances([r.name for r in retailers], company)
	ranked = sorted(
		({**r, "points": points.get(r.name, 0.0)} for r in retailers), key=lambda r: (-r["points"], r["name"])
	)
	return {
		"program": program,
		"enrolled": len(retailers),
		"total": flt(sum(points.values()), 2),
		"with_points": sum(1 for p in points.values() if p > 0),
		"top": [r for r in ranked if r["points"] > 0][:top],
	}


# -- claims ---------------------------------------------------------------------------------------


def claim_list(distributor: str, limit: int = CLAIM_LIST_LIMIT) -> list[dict]:
	rows = frappe.get_all(
		"DMS Scheme Claim",
		filters={"distributor": distributor},
		fields=[
			"name",
			"scheme",
			"from_date",
			"to_date",
			"total_amount",
			"workflow_state",
			"docstatus",
			"creation",
			"credit_note",
			"journal_entry",
		],
		order_by="creation desc",
		limit=limit,
	)
	names = dict(
		frappe.get_all(
			"DMS Scheme",
			filters={"name": ["in", list({r.scheme for r in rows}) or [""]]},
			fields=["name", "scheme_name"],
			as_list=True,
		)
	)
	for row in rows:
		row.scheme_name = names.get(row.scheme) or row.scheme
		row.state = row.workflow_state or flow.DRAFT
	return rows


def claim_detail(distributor: str, name: str | None) -> dict | None:
	"""The claim ``name`` of ``distributor`` with its lines, or None when it has no such claim."""
	if not name:
		return None
	claim = frappe.db.get_value(
		"DMS Scheme Claim",
		{"name": name, "distributor": distributor},
		[
			"name",
			"scheme",
			"from_date",
			"to_date",
			"total_amount",
			"workflow_state",
			"docstatus",
			"settlement",
			"credit_note",
			"journal_entry",
			"remarks",
			"creation",
			"owner",
		],
		as_dict=True,
	)
	if not claim:
		return None
	claim.state = claim.workflow_state or flow.DRAFT
	claim.scheme_name = frappe.db.get_value("DMS Scheme", claim.scheme, "scheme_name") or claim.scheme
	lines = frappe.get_all(
		"DMS Scheme Claim Line",
		filters={"parent": claim.name, "parenttype": "DMS Scheme Claim"},
		fields=[
			"voucher_type",
			"voucher_no",
			"posting_date",
			"retailer",
			"item_code",
			"free_item",
			"free_qty",
			"value",
		],
		order_by="idx",
	)
	retailers = dict(
		frappe.get_all(
			"Customer",
			filters={"name": ["in", list({line.retailer for line in lines if line.retailer}) or [""]]},
			fields=["name", "customer_name"],
			as_list=True,
		)
	)
	for line in lines:
		line.retailer_name = retailers.get(line.retailer) or line.retailer
	settlement = None
	if claim.credit_note:
		settlement = ("Sales Invoice", claim.credit_note, _("Credit Note"))
	elif claim.journal_entry:
		settlement = ("Journal Entry", claim.journal_entry, _("Journal Entry"))
	return {
		"claim": claim,
		"lines": lines,
		"settlement": settlement,
		"can_send": claim.docstatus == 0 and claim.state in (flow.DRAFT, flow.REJECTED),
	}


@frappe.whitelist(methods=["POST"])
def file_claim(
	scheme: str | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
	distributor: str | None = None,
) -> list[dict]:
	"""File claims for what the caller's distributor's schemes gave and nobody claimed yet, and send them
	for approval: one DMS Scheme Claim per scheme (only ``scheme`` when given), over ``from_date`` to
	``to_date`` (default: the first to the last benefit still to claim). Refused, with nothing written,
	when there is nothing to claim. Returns the claims made."""
	distributor = resolve_distributor(distributor)
	frappe.has_permission("DMS Scheme Claim", "create", throw=True)
	start = getdate(from_date) if from_date else None
	end = getdate(to_date) if to_date else None
	if start and end and end < start:
		frappe.throw(_("To Date is before From Date."), title=_("Invalid Period"))

	held = open_claim_entries(distributor)
	periods: dict[str, list] = {}
	for entry in _entries(distributor, scheme):
		when = getdate(entry.posting_date)
		if not claimable(entry, held) or flt(entry.value) <= 0:
			continue  # a benefit worth nothing (free goods without a price) is nothing to claim alone
		if (start and when < start) or (end and when > end):
			continue
		period = periods.setdefault(entry.scheme, [when, when])
		period[0], period[1] = min(period[0], when), max(period[1], when)
	if not periods:
		open_filters = {"distributor": distributor, "docstatus": 0, **({"scheme": scheme} if scheme else {})}
		waiting = ", ".join(
			frappe.get_all("DMS Scheme Claim", filters=open_filters, pluck="name", order_by="name")
		)
		if scheme and waiting:
			message = _(
				"There is nothing to claim for scheme {0}: its benefits are claimed, or wait in claim {1}."
			).format(escape_html(scheme), waiting)
		elif scheme:
			message = _("There is nothing to claim for scheme {0}.").format(escape_html(scheme))
		elif waiting:
			message = _(
				"There is nothing to claim: every benefit your schemes gave is claimed, or waits in claim {0}."
			).format(waiting)
		else:
			message = _("There is nothing to claim: every benefit your schemes gave is claimed already.")
		frappe.throw(message, NothingToClaim, title=_("Nothing to Claim"))

	savepoint = "dms_portal_file_claim"
	frappe.db.savepoint(savepoint)
	try:
		made = [_claim(distributor, name, *period, held) for name, period in sorted(periods.items())]
	except Exception:
		frappe.db.rollback(save_point=savepoint)
		raise
	return made


def _claim(distributor: str, scheme: str, start, end, held: dict[str, str]) -> dict:
	doc = frappe.get_doc(
		{
			"doctype": "DMS Scheme Claim",
			"distributor": distributor,
			"scheme": scheme,
			"from_date": start,
			"to_date": end,
			"remarks": _("Filed from the distributor portal"),
		}
	).insert()
	# the controller pulls every unclaimed entry of the period; one already in an open claim would be
	# claimed twice (the second approval would find it gone), so such a claim is refused
	taken = sorted({held[line.ledger_entry] for line in doc.lines if line.ledger_entry in held})
	if taken:
		frappe.throw(
			_(
				"Some benefits of scheme {0} from {1} to {2} are already in claim {3}; wait for it, or "
				"choose a period after it."
			).format(
				scheme, frappe.format_value(start, "Date"), frappe.format_value(end, "Date"), ", ".join(taken)
			),
			NothingToClaim,
			title=_("Already Claimed"),
		)
	doc = apply_workflow(doc, "Send for Approval")
	return {
		"name": doc.name,
		"scheme": doc.scheme,
		"from_date": str(doc.from_date),
		"to_date": str(doc.to_date),
		"total_amount": flt(doc.total_amount),
		"lines": len(doc.lines),
		"workflow_state": doc.workflow_state,
	}


@frappe.whitelist(methods=["POST"])
def send_claim(name: str | None = None, distributor: str | None = None) -> dict:
	"""Send one of the caller's distributor's draft or rejected claims (again) for approval; its lines
	are pulled again as it is saved."""
	require_args(name=name)
	distributor = resolve_distributor(distributor)
	detail = claim_detail(distributor, name)
	if not detail:
		frappe.throw(
			_("There is no claim {0} of your distributor.").format(escape_html(name)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if not detail["can_send"]:
		frappe.throw(
			_("Claim {0} is {1}; only a draft or rejected claim can be sent.").format(
				name, _(detail["claim"].state)
			),
			title=_("Not Sent"),
		)
	doc = apply_workflow(frappe.get_doc("DMS Scheme Claim", name), "Send for Approval")
	return {"name": doc.name, "workflow_state": doc.workflow_state, "total_amount": flt(doc.total_amount)}
