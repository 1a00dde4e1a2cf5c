"""Install, migrate and uninstall steps. Every step is idempotent: running it twice changes nothing."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.permissions import setup_custom_perms

from dms_app.custom_fields import CUSTOM_FIELDS
from dms_app.distribution import warehouses
from dms_app.distributor_account.payments import ensure_gateway
from dms_app.workflows import install_workflows, remove_workflows

# role -> desk access. Distributors use the portal only, which keeps them Website Users.
ROLES = {
	"DMS Manager": 1,
	"Regional Sales Manager": 1,
	"Area Sales Manager": 1,
	"DMS Integration": 1,
	"Distributor": 0,
}

READ = ("read", "report", "print")
EDIT = (*READ, "write", "create")
SUBMIT = (*EDIT, "submit", "cancel", "amend")

# Sales managers approve orders at their level (the workflow decides which, see workflows/).
# The desk's Stock Entry form reads Stock Settings; without it a dispatch opens behind a "No permission
# for Stock Settings" message.
_APPROVER_RIGHTS = {
	"Stock Settings": ("read",),
	"Warehouse": READ,
	"Bin": READ,
	"Material Request": (*READ, "write", "submit"),
	"Stock Entry": READ,
	"Sales Invoice": READ,
	"Customer": READ,
	"Item": READ,
}

# The channel analytics reports link their rows and filters to these (Frappe's report runner refuses a
# report whose link columns the user cannot read).
_ANALYTICS_READS = {
	"Territory": READ,
	"Item Group": READ,
	"Brand": READ,
	"Customer Group": READ,
	"Sales Person": READ,
	"Sales Partner": READ,
}

# An invoice of an item tracked by batch makes a Serial and Batch Bundle as it is submitted, in the name of
# whoever submits it (a distributor's portal user, an integrator's upload); its warehouse link is scoped by
# the same User Permissions as the invoice's.
_BATCH_RIGHTS = {"Batch": READ, "Serial and Batch Bundle": (*EDIT, "submit")}

# Rights our roles need on ERPNext doctypes (added as Custom DocPerm rows, never removed by migrate).
# Row-level scope for portal users comes from User Permissions and dms_app.permissions.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
	"Distributor": {
		"Warehouse": READ,
		"Bin": READ,
		"Item": READ,
		"Material Request": EDIT,
		"Stock Entry": READ,
		"Sales Order": (*EDIT, "submit"),  # accepting retailers' orders (dms_app.retail)
		"Delivery Note": READ,
		"Sales Invoice": (*EDIT, "submit"),
		"Customer": EDIT,
		**_BATCH_RIGHTS,
	},
	"DMS Manager": {
		"Stock Settings": ("read",),
		"Warehouse": EDIT,
		"Bin": READ,
		"Item": READ,
		"Material Request": SUBMIT,
		"Stock Entry": SUBMIT,
		"Sales Order": SUBMIT,  # routing retailers' orders no rule routes (dms_app.retail.orders.route_to)
		"Delivery Note": READ,
		"Sales Invoice": SUBMIT,
		"Customer": EDIT,
		"Batch": READ,
		"Serial and Batch Bundle": SUBMIT,
		**_ANALYTICS_READS,
	},
	"Regional Sales Manager": {**_APPROVER_RIGHTS, **_ANALYTICS_READS},
	"Area Sales Manager": {**_APPROVER_RIGHTS, **_ANALYTICS_READS},
	"DMS Integration": {
		"Warehouse": READ,
		"Bin": READ,
		"Item": EDIT,
		"Item Price": EDIT,
		"Price List": READ,
		"Material Request": (*EDIT, "submit"),
		"Stock Entry": READ,
		"Sales Invoice": SUBMIT,
		"Customer": EDIT,
		"Batch": READ,
		"Serial and Batch Bundle": SUBMIT,
		# the OEM ERP's payments and notes on a distributor's account (dms_app.api.oem_account)
		"Payment Entry": SUBMIT,
		"Journal Entry": SUBMIT,
		"Account": READ,
		"Cost Center": READ,
		"Mode of Payment": READ,
	},
}

UNIQUE_EXTERNAL_REF = "dms_unique_external_ref"
# A distributor's sell-out by warehouse and date (the Place Order page's suggestions): ERPNext's own
# ledger indexes lead with the item or the date, so without it the query reads the whole ledger.
SELL_OUT_INDEX = "dms_warehouse_posting_datetime"
# Covering indexes for the channel analytics (figures in README, benchmarks/channel_reports.py, on a year
# of 200 distributors): MariaDB answers from the index alone instead of reading each wide ledger or
# invoice row.
CHANNEL_INDEXES = {
	# the channel's movements by warehouse, item and voucher type over a period (Sell-in vs Sell-out, the
	# alert rules), in the order they are summed: 0.3 s instead of 3.3 s
	"dms_channel_moves": (
		"Stock Ledger Entry",
		["warehouse", "item_code", "voucher_type", "posting_datetime", "is_cancelled", "actual_qty"],
	),
	# sell-out (Secondary Sales Analytics, the cards): the invoices by date and what the reports filter
	# and group them by, and their lines' groups and amounts: 0.7 s instead of 1.3 s by SKU and month
	"dms_sell_out_invoices": (
		"Sales Invoice",
		["docstatus", "posting_date", "distributor", "company", "territory", "customer", "customer_group"],
	),
	"dms_sell_out_lines": (
		"Sales Invoice Item",
		["parent", "parenttype", "item_code", "item_group", "brand", "base_net_amount", "stock_qty"],
	),
}

CUSTOMER_GROUPS = {"distributor_customer_group": "Distributors", "retailer_customer_group": "Retailers"}


def after_install():
	"""A new site gets everything at once; Frappe then marks every patch in patches.txt as done."""
	ensure_roles()
	make_custom_fields()
	add_unique_external_ref()
	add_sell_out_index()
	add_channel_indexes()
	sync()


def after_migrate():
	sync()


def sync():
	"""What every migrate may redo because it is idempotent and cheap: roles, the rights our roles need
	(added, never removed), empty settings filled in, workflows. Custom fields and indexes are schema
	changes and go through versioned patches (patches.txt)."""
	ensure_roles()
	ensure_role_permissions()
	ensure_settings_defaults()
	install_workflows()
	ensure_gateway()


def make_custom_fields():
	create_custom_fields(CUSTOM_FIELDS, ignore_validate=True)


def add_unique_external_ref():
	# one invoice per distributor and external reference, even when two uploads race
	frappe.db.add_unique("Sales Invoice", ["distributor", "dms_external_ref"], UNIQUE_EXTERNAL_REF)


def add_sell_out_index():
	frappe.db.add_index("Stock Ledger Entry", ["warehouse", "posting_datetime"], SELL_OUT_INDEX)


def add_channel_indexes():
	for name, (doctype, columns) in CHANNEL_INDEXES.items():
		frappe.db.add_index(doctype, columns, name)


def fingerprint() -> dict:
	"""What install/migrate set up, with modification times: equal before and after a no-op sync."""
	roles = list(ROLES)
	return {
		"roles": frappe.get_all(
			"Role", {"name": ["in", roles]}, ["name", "desk_access", "modified"], order_by="name"
		),
		"custom_fields": frappe.get_all(
			"Custom Field", {"module": ["in", app_modules()]}, ["name", "modified"], order_by="name"
		),
		"docperms": frappe.get_all(
			"Custom DocPerm", {"role": ["in", roles]}, ["name", "modified"], order_by="name"
		),
		"groups": frappe.get_all(
			"Warehouse", {"warehouse_name": warehouses.GROUP_NAME}, ["name", "modified"]
		),
		"settings": frappe.db.get_singles_dict("DMS Settings"),
	}


def app_modules() -> list[str]:
	return frappe.get_all("Module Def", {"app_name": "dms_app"}, pluck="name")


def ensure_roles():
	for role, desk_access in ROLES.items():
		if frappe.db.exists("Role", role):
			if frappe.db.get_value("Role", role, "desk_access") != desk_access:
				frappe.db.set_value("Role", role, "desk_access", desk_access)
		else:
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": desk_access}).insert(
				ignore_permissions=True
			)


def ensure_role_permissions():
	for role, doctypes in ROLE_PERMISSIONS.items():
		for doctype, ptypes in doctypes.items():
			setup_custom_perms(doctype)
			filters = {"parent": doctype, "role": role, "permlevel": 0, "if_owner": 0}
			name = frappe.db.get_value("Custom DocPerm", filters)
			if name:
				missing = [p for p in ptypes if not frappe.db.get_value("Custom DocPerm", name, p)]
				for ptype in missing:
					frappe.db.set_value("Custom DocPerm", name, ptype, 1)
			else:
				frappe.get_doc(
					{"doctype": "Custom DocPerm", **filters, **{ptype: 1 for ptype in ptypes}}
				).insert(ignore_permissions=True)
			frappe.clear_cache(doctype=doctype)


def ensure_settings_defaults():
	settings = frappe.get_single("DMS Settings")
	before = settings.as_dict()
	settings.company = settings.company or frappe.defaults.get_global_default("company")
	if settings.company:
		settings.distributor_warehouse_group = settings.distributor_warehouse_group or warehouses.get_group(
			settings.company
		)
	for fieldname, group in CUSTOMER_GROUPS.items():
		settings.set(fieldname, settings.get(fieldname) or _ensure_customer_group(group))
	if not settings.default_price_list and frappe.db.exists("Price List", "Standard Selling"):
		settings.default_price_list = "Standard Selling"
	if settings.as_dict() != before:
		settings.flags.ignore_permissions = True
		settings.save()


def _ensure_customer_group(name: str) -> str | None:
	if frappe.db.exists("Customer Group", name):
		return name
	root = frappe.db.get_value("Customer Group", {"is_group": 1, "parent_customer_group": ["is", "not set"]})
	if not root:
		return None  # ERPNext's setup wizard has not run yet; the next migrate fills this in.
	frappe.get_doc(
		{"doctype": "Customer Group", "customer_group_name": name, "parent_customer_group": root}
	).insert(ignore_permissions=True)
	return name


def before_uninstall():
	"""Remove what dms_app added outside its own doctypes, so ERPNext keeps working without it.

	Custom fields carry the app's module and are removed by Frappe itself after this runs.
	"""
	remove_workflows()
	# Frappe drops the custom columns one by one; a unique index over two of them would first shrink to
	# one column, which can fail on data. Drop it first.
	if frappe.db.sql(
		"""select 1 from information_schema.statistics
		where table_schema = database() and table_name = 'tabSales Invoice' and index_name = %s""",
		UNIQUE_EXTERNAL_REF,
	):
		frappe.db.sql_ddl(f"alter table `tabSales Invoice` drop index `{UNIQUE_EXTERNAL_REF}`")
	portal_grants = frappe.get_all(
		"User Permission",
		filters={"allow": "Distributor"},
		pluck="name",
	) + frappe.get_all(
		"User Permission",
		filters={
			"allow": "Warehouse",
			"for_value": ["in", frappe.get_all("Warehouse", {"distributor": ["is", "set"]}, pluck="name")],
		},
		pluck="name",
	)
	for name in portal_grants:
		frappe.delete_doc("User Permission", name, ignore_permissions=True, force=True)

	roles = list(ROLES)
	for name in frappe.get_all("Custom DocPerm", filters={"role": ["in", roles]}, pluck="name"):
		frappe.delete_doc("Custom DocPerm", name, ignore_permissions=True, force=True)
	frappe.db.delete("Has Role", {"role": ["in", roles]})
	for role in roles:
		frappe.delete_doc("Role", role, ignore_permissions=True, force=True, ignore_missing=True)
	frappe.clear_cache()
