"""Quantity-per-period schemes, settled when their period ends.

A daily job finds submitted Quantity Per Period schemes whose validity ended, adds up what each buyer
bought in the period (retailers' secondary invoices, or distributors' approved primary orders), writes
each rebate earned into the scheme ledger, and opens a draft claim per distributor for them.
"""

from __future__ import annotations

import frappe
from frappe.utils import flt, today

from dms_app.core import schemes as core
from dms_app.schemes import engine


def settle_periods() -> None:
	for name in frappe.get_all(
		"DMS Scheme",
		filters={
			"docstatus": 1,
			"disabled": 0,
			"scheme_type": core.PER_PERIOD,
			"settled_on": ["is", "not set"],
			"valid_upto": ["<", today()],
		},
		pluck="name",
	):
		settle(name)
		frappe.db.commit()  # one scheme at a time: a failure leaves the others settled


def settle(name: str) -> list[str]:
	"""Rebates of one ended scheme into the ledger, and a draft claim per distributor; returns the claims."""
	doc = frappe.get_doc("DMS Scheme", name)
	scheme = engine.to_core(doc)
	totals: dict[tuple[str, str | None], list[float]] = {}
	for row in _purchases(doc):
		buyer = _buyer(doc, row)
		line = core.Line(
			key="",
			item_code=row.item_code,
			qty=0,
			rate=0,
			item_groups=engine.lineage("Item Group", row.item_group),
		)
		if not core.applies_to_cart(scheme, core.Cart(doc.channel, scheme.valid_from, buyer, ())):
			continue
		if not core.applies_to_line(scheme, line):
			continue
		qty_value = totals.setdefault((row.distributor, row.get("customer")), [0.0, 0.0])
		qty_value[0] += flt(row.qty)
		qty_value[1] += flt(row.value)
	distributors = set()
	for (distributor, retailer), (qty, value) in sorted(
		totals.items(), key=lambda pair: (pair[0][0], pair[0][1] or "")
	):
		rebate = core.period_rebate(scheme, qty, value)
		if rebate <= 0:
			continue
		frappe.get_doc(
			{
				"doctype": "DMS Scheme Ledger Entry",
				"scheme": doc.name,
				"scheme_type": doc.scheme_type,
				"channel": doc.channel,
				"company": doc.company,
				"posting_date": doc.valid_upto,
				"voucher_type": "DMS Scheme",
				"voucher_no": doc.name,
				"distributor": distributor,
				"retailer": retailer,
				"qty": qty,
				"discount": rebate,
				"value": rebate,
			}
		).db_insert()
		distributors.add(distributor)
	claims = [
		frappe.get_doc(
			{
				"doctype": "DMS Scheme Claim",
				"distributor": distributor,
				"scheme": doc.name,
				"from_date": doc.valid_from,
				"to_date": doc.valid_upto,
				"remarks": f"Quantity-per-period rebate of {doc.name}",
			}
		)
		.insert(ignore_permissions=True)
		.name
		for distributor in sorted(distributors)
	]
	doc.db_set("settled_on", today())
	return claims


def _purchases(doc) -> list:
	if doc.channel == core.SECONDARY:
		return frappe.db.sql(
			"""
			select inv.distributor, inv.customer, inv.territory, inv.customer_group,
				row.item_code, row.item_group, row.stock_qty as qty, row.base_net_amount as value
			from `tabSales Invoice Item` row join `tabSales Invoice` inv on inv.name = row.parent
			where inv.docstatus = 1 and inv.company = %(company)s and inv.distributor is not null
				and inv.distributor != '' and inv.posting_date between %(start)s and %(end)s
				and ifnull(row.dms_scheme, '') = ''
			""",
			{"company": doc.company, "start": doc.valid_from, "end": doc.valid_upto},
			as_dict=True,
		)
	return frappe.db.sql(
		"""
		select mr.distributor, dist.territory, cust.customer_group,
			row.item_code, row.item_group, row.stock_qty as qty, row.amount as value
		from `tabMaterial Request Item` row join `tabMaterial Request` mr on mr.name = row.parent
			join `tabDistributor` dist on dist.name = mr.distributor
			left join `tabCustomer` cust on cust.name = dist.customer
		where mr.docstatus = 1 and mr.company = %(company)s
			and mr.transaction_date between %(start)s and %(end)s and ifnull(row.dms_scheme, '') = ''
		""",
		{"company": doc.company, "start": doc.valid_from, "end": doc.valid_upto},
		as_dict=True,
	)


def _buyer(doc, row) -> core.Buyer:
	return core.Buyer(
		company=doc.company,
		distributor=row.distributor,
		retailer=row.get("customer"),
		territories=engine.lineage("Territory", row.territory),
		customer_groups=engine.lineage("Customer Group", row.customer_group),
	)
