# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

"""A distributor's claim for what a scheme gave its retailers over a period.

The lines are the scheme ledger's unclaimed entries for the distributor, scheme and period, pulled
again on every save while the claim is a draft. Approval (the "DMS Scheme Claim" workflow) submits
the claim: its ledger entries are marked claimed, a Credit Note or Journal Entry for the distributor's
customer settles it, and the OEM ERP is told through the outbox.
"""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.query_builder import DocType
from frappe.utils import flt, getdate, today

from dms_app.core import schemes as core
from dms_app.distribution.service_items import service_item
from dms_app.distribution.settings import get_settings
from dms_app.dms_integrations.events import send_document

CLAIM_ITEM = "DMS-SCHEME-CLAIM"


class DMSSchemeClaim(Document):
	def validate(self):
		if getdate(self.to_date) < getdate(self.from_date):
			frappe.throw(_("To Date is before From Date."), title=_("Invalid Period"))
		scheme = frappe.db.get_value(
			"DMS Scheme", self.scheme, ["channel", "scheme_type", "company", "docstatus"], as_dict=True
		)
		if scheme.docstatus == 0:
			frappe.throw(_("Scheme {0} is not submitted.").format(self.scheme), title=_("Invalid Scheme"))
		if scheme.channel == core.PRIMARY and scheme.scheme_type != core.PER_PERIOD:
			frappe.throw(
				_(
					"Scheme {0} gives its benefit on the primary order itself; there is nothing to claim."
				).format(self.scheme),
				title=_("Nothing to Claim"),
			)
		self.company = frappe.db.get_value("Distributor", self.distributor, "company")
		self.settlement = get_settings().claim_settlement or "Credit Note"
		if self.docstatus == 0:
			self.pull_lines()
		if not self.lines:
			frappe.throw(
				_("Scheme {0} has no unclaimed benefits for distributor {1} from {2} to {3}.").format(
					self.scheme,
					self.distributor,
					frappe.format_value(self.from_date, "Date"),
					frappe.format_value(self.to_date, "Date"),
				),
				title=_("Nothing to Claim"),
			)
		self.total_amount = flt(sum(flt(line.value) for line in self.lines), 2)

	def pull_lines(self):
		entries = frappe.get_all(
			"DMS Scheme Ledger Entry",
			filters={
				"scheme": self.scheme,
				"distributor": self.distributor,
				"posting_date": ["between", [self.from_date, self.to_date]],
				"is_cancelled": 0,
				"claim": ["is", "not set"],
			},
			fields=[
				"name as ledger_entry",
				"voucher_type",
				"voucher_no",
				"posting_date",
				"retailer",
				"item_code",
				"free_item",
				"free_qty",
				"value",
			],
			order_by="posting_date, voucher_no, name",
		)
		self.set("lines", entries)

	def on_submit(self):
		self._take_entries()
		if self.settlement == "Journal Entry":
			self.db_set("journal_entry", self._journal_entry())
		else:
			self.db_set("credit_note", self._credit_note())
		send_document(self, "approved")

	def on_cancel(self):
		for doctype, name in (("Sales Invoice", self.credit_note), ("Journal Entry", self.journal_entry)):
			if name and frappe.db.get_value(doctype, name, "docstatus") == 1:
				settlement = frappe.get_doc(doctype, name)
				settlement.flags.ignore_permissions = True
				settlement.cancel()
		frappe.db.set_value("DMS Scheme Ledger Entry", {"claim": self.name}, "claim", None)
		send_document(self, "cancelled")

	def _take_entries(self):
		"""Mark the lines' ledger entries claimed, unless another claim or a cancellation got there first."""
		ledger = DocType("DMS Scheme Ledger Entry")
		names = [line.ledger_entry for line in self.lines]
		rows = (
			frappe.qb.from_(ledger)
			.select(ledger.name, ledger.claim, ledger.is_cancelled)
			.where(ledger.name.isin(names))
			.orderby(ledger.name)
			.for_update()
			.run(as_dict=True)
		)
		gone = len(names) - len(rows) + sum(1 for row in rows if row.claim or row.is_cancelled)
		if gone:
			frappe.throw(
				_(
					"{0} of this claim's lines were claimed elsewhere or cancelled since it was made. "
					"Reject it and send it again to pull the current lines."
				).format(gone),
				title=_("Claim Out of Date"),
			)
		frappe.db.set_value("DMS Scheme Ledger Entry", {"name": ["in", names]}, "claim", self.name)

	def _customer(self) -> str:
		customer = frappe.db.get_value("Distributor", self.distributor, "customer")
		if not customer:
			frappe.throw(
				_("Distributor {0} has no customer to credit.").format(self.distributor),
				title=_("No Customer"),
			)
		return customer

	def _remark(self) -> str:
		return _("Scheme claim {0}: scheme {1}, {2} to {3}").format(
			self.name, self.scheme, self.from_date, self.to_date
		)

	def _credit_note(self) -> str:
		settings = get_settings()
		note = frappe.new_doc("Sales Invoice")
		note.update(
			{
				"customer": self._customer(),
				"company": self.company,
				"posting_date": today(),
				"set_posting_time": 1,
				"is_return": 1,
				"remarks": self._remark(),
			}
		)
		row = {"item_code": settings.claim_item or _claim_item(), "qty": -1, "rate": self.total_amount}
		if settings.claim_expense_account:
			row["income_account"] = settings.claim_expense_account
		note.append("items", row)
		note.flags.ignore_permissions = True  # settling an approved claim is the system's act
		note.insert()
		note.submit()
		return note.name

	def _journal_entry(self) -> str:
		from erpnext.accounts.party import get_party_account

		expense = get_settings().claim_expense_account
		if not expense:
			frappe.throw(
				_("Set the Scheme Expense Account in DMS Settings to settle claims by Journal Entry."),
				title=_("DMS Settings"),
			)
		customer = self._customer()
		cost_center = frappe.get_cached_value("Company", self.company, "cost_center")
		entry = frappe.new_doc("Journal Entry")
		entry.update(
			{
				"company": self.company,
				"posting_date": today(),
				"voucher_type": "Credit Note",
				"user_remark": self._remark(),
			}
		)
		entry.append(
			"accounts",
			{"account": expense, "debit_in_account_currency": self.total_amount, "cost_center": cost_center},
		)
		entry.append(
			"accounts",
			{
				"account": get_party_account("Customer", customer, self.company),
				"party_type": "Customer",
				"party": customer,
				"credit_in_account_currency": self.total_amount,
				"cost_center": cost_center,
			},
		)
		entry.flags.ignore_permissions = True
		entry.insert()
		entry.submit()
		return entry.name


def _claim_item() -> str:
	"""The non-stock item claim Credit Notes are written on, made the first time it is needed."""
	return service_item(CLAIM_ITEM, _("Scheme Claim Reimbursement"))
