# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DMSItemMapping(Document):
	def validate(self):
		self.external_item = (self.external_item or "").strip()
		duplicate = frappe.db.get_value(
			"DMS Item Mapping",
			{"distributor": self.distributor, "external_item": self.external_item, "name": ["!=", self.name]},
		)
		if duplicate:
			frappe.throw(
				_("{0} is already mapped for distributor {1} ({2}).").format(
					frappe.bold(self.external_item), self.distributor, duplicate
				),
				frappe.DuplicateEntryError,
				title=_("Duplicate Mapping"),
			)
		if frappe.db.get_value("Item", self.item_code, "disabled"):
			frappe.throw(_("Item {0} is disabled.").format(self.item_code), title=_("Item Disabled"))
