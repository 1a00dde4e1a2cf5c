# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.contacts.address_and_contact import delete_contact_and_address, load_address_and_contact
from frappe.model.document import Document

from dms_app.core.distributor import (
	GST_PREFIX_LENGTH,
	InvalidCode,
	check_warehouses,
	invoice_prefix,
	normalize_code,
	valid_invoice_prefix,
)
from dms_app.distribution import portal_access, warehouses
from dms_app.distribution.settings import get_settings, require_company


class Distributor(Document):
	def onload(self):
		load_address_and_contact(self)

	def before_naming(self):
		try:
			self.distributor_code = normalize_code(self.distributor_code)
		except InvalidCode:
			frappe.throw(
				_(
					"Distributor Code {0} is not valid: use 2 to 30 letters, digits, '-' or '_', "
					"starting with a letter or a digit."
				).format(frappe.bold(self.distributor_code or "")),
				title=_("Invalid Distributor Code"),
			)
		if frappe.db.exists("Distributor", self.distributor_code):
			frappe.throw(
				_("Distributor Code {0} is already used by another distributor.").format(
					frappe.bold(self.distributor_code)
				),
				frappe.DuplicateEntryError,
				title=_("Duplicate Distributor Code"),
			)

	def validate(self):
		self.company = require_company(self.company)
		if not self.default_price_list:
			self.default_price_list = get_settings().default_price_list
		self.validate_customer()
		self.validate_warehouses()
		self.validate_portal_users()
		self.validate_invoice_prefix()

	def validate_invoice_prefix(self):
		"""Made from the code when empty; changed, it numbers the invoices made from then on."""
		self.invoice_prefix = (self.invoice_prefix or "").strip().upper()
		taken = set(
			frappe.get_all(
				"Distributor",
				filters={"name": ["!=", self.name or ""], "invoice_prefix": ["is", "set"]},
				pluck="invoice_prefix",
			)
		)
		if not self.invoice_prefix:
			self.invoice_prefix = invoice_prefix(self.distributor_code or self.name or "", taken)
		elif not valid_invoice_prefix(self.invoice_prefix):
			frappe.throw(
				_("Invoice Prefix {0}: use 1 to {1} letters and digits.").format(
					frappe.bold(self.invoice_prefix), GST_PREFIX_LENGTH
				),
				title=_("Invalid Invoice Prefix"),
			)
		elif self.invoice_prefix in taken:
			frappe.throw(
				_("Invoice Prefix {0} is used by another distributor.").format(
					frappe.bold(self.invoice_prefix)
				),
				frappe.DuplicateEntryError,
				title=_("Duplicate Invoice Prefix"),
			)

	def validate_customer(self):
		if not self.customer:
			return
		other = frappe.db.get_value(
			"Distributor", {"customer": self.customer, "name": ["!=", self.name]}, "name"
		)
		if other:
			frappe.throw(
				_("Customer {0} is already the identity of distributor {1}.").format(
					frappe.bold(self.customer), frappe.bold(other)
				),
				title=_("Customer In Use"),
			)

	def validate_warehouses(self):
		requested = self.all_warehouses()
		if not requested:
			return
		problems = check_warehouses(
			None if self.is_new() else self.name,
			self.company,
			requested,
			warehouses.get_warehouse_infos(requested),
		)
		if problems:
			frappe.throw(warehouses.describe_problems(problems), title=_("Invalid Warehouse"), as_list=True)

	def validate_portal_users(self):
		seen = set()
		for row in self.portal_users:
			if row.user in seen:
				frappe.throw(
					_("Row {0}: user {1} is listed more than once.").format(row.idx, frappe.bold(row.user)),
					title=_("Duplicate Portal User"),
				)
			if row.user in ("Administrator", "Guest"):
				frappe.throw(
					_("Row {0}: {1} cannot be a distributor's portal user.").format(row.idx, row.user),
					title=_("Invalid Portal User"),
				)
			seen.add(row.user)

	def after_insert(self):
		if not self.customer and get_settings().auto_create_distributor_customer:
			self.db_set("customer", self.create_customer())
		if not self.warehouse:
			self.db_set("warehouse", warehouses.create_distributor_warehouse(self))

	def on_update(self):
		previous = self.get_doc_before_save()
		previous_warehouses = previous.all_warehouses() if previous else []
		current = self.all_warehouses()

		warehouses.set_owner([w for w in previous_warehouses if w not in current], None)
		warehouses.set_owner(current, self.name)
		portal_access.sync(
			self.name,
			self.portal_user_ids(),
			current,
			previous_users=previous.portal_user_ids() if previous else [],
			previous_warehouses=previous_warehouses,
		)

	def on_trash(self):
		owned = sorted(set(self.all_warehouses()) | set(warehouses.owned_by(self.name)))
		busy = warehouses.warehouses_with_stock(owned)
		if busy:
			frappe.throw(
				_(
					"Distributor {0} cannot be deleted because its warehouse {1} holds stock or has stock "
					"transactions. Set its status to Inactive instead."
				).format(frappe.bold(self.name), frappe.bold(", ".join(busy))),
				title=_("Warehouse Holds Stock"),
			)
		portal_access.revoke_all(self.name, self.portal_user_ids(), owned)
		warehouses.set_owner(owned, None)
		delete_contact_and_address(self.doctype, self.name)

	def all_warehouses(self) -> list[str]:
		return [w for w in [self.warehouse, *(row.warehouse for row in self.extra_warehouses)] if w]

	def portal_user_ids(self) -> list[str]:
		return [row.user for row in self.portal_users if row.user]

	def create_customer(self) -> str:
		customer = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": self.distributor_name,
				"customer_type": "Company",
				"customer_group": get_settings().distributor_customer_group,
				"territory": self.territory,
				"tax_id": self.tax_id,
				"default_price_list": self.default_price_list,
			}
		)
		customer.insert(ignore_permissions=True)
		return customer.name
