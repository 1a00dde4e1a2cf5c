# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DMSSettings(Document):
	def validate(self):
		if not self.company:
			return
		self.validate_warehouse(
			"oem_depot_warehouse", is_group=False, hint=_("pick a warehouse that holds stock")
		)
		self.validate_warehouse(
			"distributor_warehouse_group", is_group=True, hint=_("pick a group warehouse")
		)

	def validate_warehouse(self, fieldname: str, is_group: bool, hint: str):
		name = self.get(fieldname)
		if not name:
			return
		warehouse = frappe.db.get_value(
			"Warehouse", name, ["company", "is_group", "distributor"], as_dict=True
		)
		label = _(self.meta.get_label(fieldname))
		if warehouse.company != self.company:
			frappe.throw(
				_("{0}: warehouse {1} belongs to company {2}, not {3}.").format(
					label, frappe.bold(name), warehouse.company, self.company
				),
				title=_("Company Mismatch"),
			)
		if bool(warehouse.is_group) != is_group:
			frappe.throw(_("{0}: {1}.").format(label, hint), title=_("Invalid Warehouse"))
		if warehouse.distributor:
			frappe.throw(
				_("{0}: warehouse {1} belongs to distributor {2}.").format(
					label, frappe.bold(name), warehouse.distributor
				),
				title=_("Invalid Warehouse"),
			)
