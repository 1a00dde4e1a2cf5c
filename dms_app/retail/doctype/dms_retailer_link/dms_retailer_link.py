# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DMSRetailerLink(Document):
	def validate(self):
		if frappe.db.exists("Distributor", {"customer": self.customer}):
			frappe.throw(
				_("{0} is a distributor's own customer, not a retailer.").format(frappe.bold(self.customer)),
				title=_("Not a Retailer"),
			)
		if (
			frappe.db.get_value("Customer", self.customer, "distributor") == self.distributor
			and not self.division
		):
			frappe.throw(
				_("{0} already serves {1} (its Serving Distributor).").format(
					self.distributor, self.customer
				),
				frappe.DuplicateEntryError,
				title=_("Already Served"),
			)
		twin = frappe.db.get_value(
			"DMS Retailer Link",
			{
				"customer": self.customer,
				"distributor": self.distributor,
				"division": self.division or ["is", "not set"],
				"name": ["!=", self.name or ""],
			},
		)
		if twin:
			frappe.throw(
				_("{0} already serves {1}{2} ({3}).").format(
					self.distributor,
					self.customer,
					_(" for {0}").format(self.division) if self.division else "",
					twin,
				),
				frappe.DuplicateEntryError,
				title=_("Already Served"),
			)
