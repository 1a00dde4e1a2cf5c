app_name = "dms_app"
app_title = "DMS"
app_publisher = "dms_app contributors"
app_description = "Distributor Management System for ERPNext"
app_email = "dms@example.com"
app_license = "mit"

# The org/repo form: a bare "erpnext" makes install-app look the app up on GitHub.
required_apps = ["frappe/erpnext"]

# Installation
# ------------
after_install = "dms_app.install.after_install"
after_migrate = "dms_app.install.after_migrate"
before_uninstall = "dms_app.install.before_uninstall"

# Testing
# -------
before_tests = "dms_app.tests.factories.before_tests"

# Permissions
# -----------
# Portal users of a distributor see only that distributor's documents (see dms_app/permissions.py).
_distributor_scoped = (
	"Material Request",
	"Stock Entry",
	"Sales Invoice",
	"Delivery Note",
	"Sales Order",
	"DMS Upload",
	"DMS Item Mapping",
	"DMS Scheme Claim",
	"DMS Scheme Ledger Entry",
)

permission_query_conditions = {
	**{doctype: "dms_app.permissions.distributor_query_conditions" for doctype in _distributor_scoped},
	"Customer": "dms_app.permissions.customer_query_conditions",
}

has_permission = {
	**{doctype: "dms_app.permissions.has_distributor_permission" for doctype in _distributor_scoped},
	"Customer": "dms_app.permissions.has_customer_permission",
}

# Desk
# ----
doctype_js = {"Material Request": "public/js/material_request.js"}

# Documents
# ---------
_outbox = "dms_app.dms_integrations.events"
_schemes = "dms_app.schemes.engine"
_schemes_loyalty = "dms_app.schemes.loyalty"
_forget_orderable = {
	event: "dms_app.portal.catalogue.forget_orderable" for event in ("on_update", "on_trash", "after_rename")
}

doc_events = {
	"Customer": {"validate": f"{_schemes_loyalty}.enrol"},
	# the Place Order page's orderable list (items, their territories, prices and units)
	**{doctype: _forget_orderable for doctype in ("Item", "Item Price", "UOM", "Price List", "Territory")},
	"Material Request": {
		"validate": "dms_app.primary_sales.orders.validate",
		"on_update": f"{_outbox}.on_order_update",
		"before_submit": "dms_app.primary_sales.dispatch.before_order_submit",
		"on_submit": [
			f"{_schemes}.record",
			"dms_app.primary_sales.dispatch.on_order_submit",
			f"{_outbox}.on_order_submit",
		],
		"before_cancel": ["dms_app.primary_sales.orders.before_cancel", f"{_schemes}.before_cancel"],
		"on_cancel": [
			"dms_app.primary_sales.dispatch.on_order_cancel",
			f"{_schemes}.reverse",
			f"{_outbox}.on_order_cancel",
		],
	},
	"Stock Entry": {
		"before_submit": "dms_app.primary_sales.dispatch.before_stock_entry_submit",
		"on_submit": f"{_outbox}.on_stock_entry_submit",
		"on_cancel": f"{_outbox}.on_cancel",
	},
	**{
		doctype: {
			"before_validate": f"{_schemes}.before_validate",
			"validate": "dms_app.secondary_sales.invoices.validate",
			"before_submit": "dms_app.secondary_sales.invoices.before_submit",
			"on_submit": [f"{_schemes}.record", f"{_outbox}.on_sale_submit"],
			"before_cancel": f"{_schemes}.before_cancel",
			"on_cancel": [
				"dms_app.secondary_sales.invoices.on_cancel",
				f"{_schemes}.reverse",
				f"{_outbox}.on_cancel",
			],
		}
		for doctype in ("Sales Invoice", "Delivery Note")
	},
}

# Secondary sales are priced by the DMS Schemes (see dms_app.secondary_sales.invoices.validate).
dms_secondary_sale_validate = [f"{_schemes}.apply_to_sale"]

# Scheduled Tasks
# ---------------
scheduler_events = {
	"hourly": ["dms_app.primary_sales.sla.remind_and_escalate"],
	"daily": ["dms_app.schemes.period.settle_periods"],
	"cron": {"* * * * *": ["dms_app.dms_integrations.outbox.sweep"]},
}

# Portal
# ------
# The distributor portal (dms_app/www/dms), for distributors' users.
# Distributors' users land on their portal after logging in.
role_home_page = {"Distributor": "dms"}
# /dms pages are rendered without the website chrome they never show (see dms_app.portal.renderer).
page_renderer = ["dms_app.portal.renderer.PortalPage"]

portal_menu_items = [
	{"title": "Distributor Portal", "route": "/dms", "role": "Distributor"},
	{"title": "Orders", "route": "/dms/orders", "role": "Distributor"},
	{"title": "Inventory", "route": "/dms/inventory", "role": "Distributor"},
	{"title": "Secondary Sales", "route": "/dms/sales", "role": "Distributor"},
	{"title": "Retailers", "route": "/dms/retailers", "role": "Distributor"},
	{"title": "Schemes and Claims", "route": "/dms/schemes", "role": "Distributor"},
]
