# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""A distributor's statement: opening balance, each document with the running balance, closing balance,
the ageing of what is open at the end of the period, and the exposure (dms_app.distributor_account.ledger).
CSV and PDF come from the report view's Export and Print."""

import frappe
from frappe import _
from frappe.utils import add_months, getdate, today

from dms_app.core.account import BUCKETS
from dms_app.distributor_account import ledger


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not filters.distributor:
		frappe.throw(_("Choose a distributor."), title=_("Distributor Required"))
	frappe.has_permission("Distributor", "read", filters.distributor, throw=True)
	st = ledger.statement(
		filters.distributor,
		getdate(filters.from_date or add_months(today(), -3)),
		getdate(filters.to_date or today()),
	)
	columns = [
		{"fieldname": "posting_date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "kind", "label": _("Type"), "fieldtype": "Data", "width": 120},
		{"fieldname": "voucher_type", "label": _("Document Type"), "fieldtype": "Data", "hidden": 1},
		{
			"fieldname": "voucher_no",
			"label": _("Document"),
			"fieldtype": "Dynamic Link",
			"options": "voucher_type",
			"width": 170,
		},
		{"fieldname": "reference", "label": _("OEM ERP Reference"), "fieldtype": "Data", "width": 140},
		{"fieldname": "due_date", "label": _("Due Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "debit", "label": _("Debit"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "credit", "label": _("Credit"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "balance", "label": _("Balance"), "fieldtype": "Currency", "width": 130},
		{"fieldname": "remarks", "label": _("Remarks"), "fieldtype": "Data", "width": 220},
	]
	data = [{"kind": _("Opening Balance"), "posting_date": st.from_date, "balance": st.opening}]
	for line in st.lines:
		e = line.entry
		data.append(
			{
				"posting_date": e.posting_date,
				"kind": e.kind,
				"voucher_type": e.voucher_type,
				"voucher_no": e.voucher_no,
				"reference": e.reference,
				"due_date": e.due_date,
				"debit": line.debit,
				"credit": line.credit,
				"balance": line.balance,
				"remarks": e.remarks,
			}
		)
	data.append({"kind": _("Closing Balance"), "posting_date": st.to_date, "balance": st.closing})

	a = st.ageing
	summary = [
		{"label": _("Closing Balance"), "value": st.closing, "datatype": "Currency", "indicator": "Blue"},
		{"label": _("Not Due"), "value": a.not_due, "datatype": "Currency", "indicator": "Green"},
		*(
			{
				"label": _("{0} Days Overdue").format(b),
				"value": a.buckets[b],
				"datatype": "Currency",
				"indicator": "Orange" if b == BUCKETS[0] else "Red",
			}
			for b in BUCKETS
		),
		{"label": _("On Account"), "value": a.on_account, "datatype": "Currency", "indicator": "Grey"},
		{
			"label": _("Approved, Not Invoiced"),
			"value": st.unbilled,
			"datatype": "Currency",
			"indicator": "Blue",
		},
		{"label": _("Exposure"), "value": st.exposure, "datatype": "Currency", "indicator": "Blue"},
	]
	message = None
	if st.reported and abs(st.reported - st.closing) >= 0.01:
		message = _(
			"The OEM ERP last reported an outstanding of {0}; this statement's balance is {1}."
		).format(frappe.format_value(st.reported, "Currency"), frappe.format_value(st.closing, "Currency"))
	return columns, data, message, None, summary
