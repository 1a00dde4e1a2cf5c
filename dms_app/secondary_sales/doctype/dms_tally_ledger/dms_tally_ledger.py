# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DMSTallyLedger(Document):
	def validate(self):
		self.tally_ledger = " ".join((self.tally_ledger or "").split())
		if self.ledger_type != "Tax":
			self.tax_head = None
		if self.ledger_type not in ("Tax", "Charge"):
			self.account = None
		self.tax_head = (self.tax_head or "").strip() or None
		required = {"Tax": ("tax_head", "account"), "Charge": ("account",)}.get(self.ledger_type, ())
		for field in required:
			if not self.get(field):
				frappe.throw(
					_("{0} is required for a {1} ledger.").format(
						_(self.meta.get_label(field)), _(self.ledger_type)
					),
					frappe.MandatoryError,
				)
		if self.account and frappe.db.get_value("Account", self.account, "is_group"):
			frappe.throw(_("Account {0} is a group account.").format(self.account), title=_("Group Account"))
		duplicate = frappe.db.get_value(
			"DMS Tally Ledger",
			{
				"distributor": self.distributor or ("is", "not set"),
				"tally_ledger": self.tally_ledger,
				"name": ["!=", self.name],
			},
		)
		if duplicate:
			frappe.throw(
				_("{0} is already mapped {1} ({2}).").format(
					frappe.bold(self.tally_ledger),
					_("for distributor {0}").format(self.distributor)
					if self.distributor
					else _("for every distributor"),
					duplicate,
				),
				frappe.DuplicateEntryError,
				title=_("Duplicate Mapping"),
			)
