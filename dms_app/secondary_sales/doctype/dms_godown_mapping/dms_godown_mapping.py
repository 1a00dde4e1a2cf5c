# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DMSGodownMapping(Document):
	def validate(self):
		self.godown = " ".join((self.godown or "").split())
		owner = frappe.db.get_value("Warehouse", self.warehouse, "distributor")
		if owner != self.distributor:
			frappe.throw(
				_("Warehouse {0} is not a warehouse of distributor {1}.").format(
					frappe.bold(self.warehouse), self.distributor
				),
				title=_("Invalid Warehouse"),
			)
		duplicate = frappe.db.get_value(
			"DMS Godown Mapping",
			{"distributor": self.distributor, "godown": self.godown, "name": ["!=", self.name]},
		)
		if duplicate:
			frappe.throw(
				_("{0} is already mapped for distributor {1} ({2}).").format(
					frappe.bold(self.godown), self.distributor, duplicate
				),
				frappe.DuplicateEntryError,
				title=_("Duplicate Mapping"),
			)
