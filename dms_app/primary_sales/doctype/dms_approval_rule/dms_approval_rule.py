# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt


class DMSApprovalRule(Document):
	def validate(self):
		for low, high, label in (
			("min_order_value", "max_order_value", _("Order Value")),
			("min_qty", "max_qty", _("Total Qty")),
		):
			if flt(self.get(high)) and flt(self.get(high)) <= flt(self.get(low)):
				frappe.throw(
					_("{0}: the upper limit must be greater than the lower limit.").format(label),
					title=_("Invalid Range"),
				)
		if self.approver and self.level not in frappe.get_roles(self.approver):
			frappe.throw(
				_("Approver {0} does not have the role {1}.").format(
					frappe.bold(self.approver), frappe.bold(self.level)
				),
				title=_("Invalid Approver"),
			)
