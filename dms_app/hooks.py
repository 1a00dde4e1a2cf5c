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
# Portal users of a distributor see only that distributor's documents (see dms_app/permissions.py), and
# the child rows of those documents only ("*": every child doctype, scoped by its parent's rules).
permission_query_conditions = {
	"Material Request": "dms_app.permissions.distributor_query_conditions",
	"Stock Entry": "dms_app.permissions.distributor_query_conditions",
	"Sales Invoice": "dms_app.permissions.distributor_query_conditions",
	"Delivery Note": "dms_app.permissions.distributor_query_conditions",
	"Sales Order": "dms_app.permissions.distributor_query_conditions",
	"DMS Upload": "dms_app.permissions.distributor_query_conditions",
	"DMS Item Mapping": "dms_app.permissions.distributor_query_conditions",
	"DMS Tally Ledger": "dms_app.permissions.distributor_query_conditions",
	"DMS Godown Mapping": "dms_app.permissions.distributor_query_conditions",
	"DMS Scheme Claim": "dms_app.permissions.distributor_query_conditions",
	"DMS Scheme Ledger Entry": "dms_app.permissions.distributor_query_conditions",
	"DMS Retailer Link": "dms_app.permissions.distributor_query_conditions",
	"DMS Beat": "dms_app.permissions.distributor_query_conditions",
	"POS Invoice": "dms_app.permissions.distributor_query_conditions",
	"POS Profile": "dms_app.permissions.distributor_query_conditions",
	"DMS Visit": "dms_app.permissions.distributor_query_conditions",
	"DMS Channel Alert": "dms_app.channel_analytics.alerts.query_conditions",
	"Customer": "dms_app.permissions.customer_query_conditions",
	"*": "dms_app.permissions.child_query_conditions",
}

has_permission = {
	"Material Request": "dms_app.permissions.has_distributor_permission",
	"Stock Entry": "dms_app.permissions.has_distributor_permission",
	"Sales Invoice": "dms_app.permissions.has_distributor_permission",
	"Delivery Note": "dms_app.permissions.has_distributor_permission",
	"Sales Order": "dms_app.permissions.has_distributor_permission",
	"DMS Upload": "dms_app.permissions.has_distributor_permission",
	"DMS Item Mapping": "dms_app.permissions.has_distributor_permission",
	"DMS Tally Ledger": "dms_app.permissions.has_distributor_permission",
	"DMS Godown Mapping": "dms_app.permissions.has_distributor_permission",
	"DMS Scheme Claim": "dms_app.permissions.has_distributor_permission",
	"DMS Scheme Ledger Entry": "dms_app.permissions.has_distributor_permission",
	"DMS Retailer Link": "dms_app.permissions.has_distributor_permission",
	"DMS Beat": "dms_app.permissions.has_distributor_permission",
	"POS Invoice": "dms_app.permissions.has_distributor_permission",
	"POS Profile": "dms_app.permissions.has_distributor_permission",
	"DMS Visit": "dms_app.permissions.has_distributor_permission",
	"DMS Channel Alert": "dms_app.channel_analytics.alerts.has_permission",
	"Customer": "dms_app.permissions.has_customer_permission",
}

# Desk
# ----
doctype_js = {
	"Material Request": "public/js/material_request.js",
	"Distributor": "public/js/distributor.js",
	"Sales Order": "public/js/sales_order.js",
}

# Documents
# ---------
doc_events = {
	"Customer": {"validate": "dms_app.schemes.loyalty.enrol"},
	# a portal user's distributors are kept for the request (dms_app.permissions.portal_distributors)
	"Distributor": {
		"on_update": "dms_app.permissions.forget_portal_distributors",
		"on_trash": "dms_app.permissions.forget_portal_distributors",
	},
	"User": {"on_update": "dms_app.permissions.forget_portal_distributors"},
	# the Place Order page's orderable list (items, their territories, prices and units)
	"Item": {
		"on_update": "dms_app.portal.catalogue.forget_orderable",
		"on_trash": "dms_app.portal.catalogue.forget_orderable",
		"after_rename": "dms_app.portal.catalogue.forget_orderable",
	},
	"Item Price": {
		"on_update": "dms_app.portal.catalogue.forget_orderable",
		"on_trash": "dms_app.portal.catalogue.forget_orderable",
		"after_rename": "dms_app.portal.catalogue.forget_orderable",
	},
	"UOM": {
		"on_update": "dms_app.portal.catalogue.forget_orderable",
		"on_trash": "dms_app.portal.catalogue.forget_orderable",
		"after_rename": "dms_app.portal.catalogue.forget_orderable",
	},
	"Price List": {
		"on_update": "dms_app.portal.catalogue.forget_orderable",
		"on_trash": "dms_app.portal.catalogue.forget_orderable",
		"after_rename": "dms_app.portal.catalogue.forget_orderable",
	},
	"Territory": {
		"on_update": "dms_app.portal.catalogue.forget_orderable",
		"on_trash": "dms_app.portal.catalogue.forget_orderable",
		"after_rename": "dms_app.portal.catalogue.forget_orderable",
	},
	"Material Request": {
		"before_insert": "dms_app.distribution.locks.before_insert",
		"validate": "dms_app.primary_sales.orders.validate",
		"on_update": "dms_app.dms_integrations.events.on_order_update",
		"before_submit": [
			"dms_app.distribution.locks.before_submit",
			"dms_app.primary_sales.dispatch.before_order_submit",
		],
		"on_submit": [
			"dms_app.schemes.engine.record",
			"dms_app.primary_sales.dispatch.on_order_submit",
			"dms_app.dms_integrations.events.on_order_submit",
		],
		"before_cancel": [
			"dms_app.primary_sales.orders.before_cancel",
			"dms_app.schemes.engine.before_cancel",
		],
		"on_cancel": [
			"dms_app.primary_sales.dispatch.on_order_cancel",
			"dms_app.schemes.engine.reverse",
			"dms_app.dms_integrations.events.on_order_cancel",
		],
	},
	# a distributor's documents are numbered and submitted one at a time (dms_app.distribution.locks)
	"DMS Upload": {"before_insert": "dms_app.distribution.locks.before_insert"},
	"DMS Scheme Claim": {
		"before_insert": "dms_app.distribution.locks.before_insert",
		"before_submit": "dms_app.distribution.locks.before_submit",
	},
	"Stock Entry": {
		"before_submit": "dms_app.primary_sales.dispatch.before_stock_entry_submit",
		"on_submit": "dms_app.dms_integrations.events.on_stock_entry_submit",
		"on_cancel": "dms_app.dms_integrations.events.on_cancel",
	},
	"Sales Invoice": {
		"before_insert": "dms_app.distribution.locks.before_insert",
		"before_validate": ["dms_app.schemes.engine.before_validate", "dms_app.distribution.gst.set_taxes"],
		"validate": "dms_app.secondary_sales.invoices.validate",
		"before_submit": [
			"dms_app.distribution.locks.before_submit",
			"dms_app.secondary_sales.invoices.before_submit",
		],
		"on_submit": [
			"dms_app.schemes.engine.record",
			"dms_app.dms_integrations.events.on_sale_submit",
			"dms_app.retail.orders.on_invoice_change",
		],
		"before_cancel": "dms_app.schemes.engine.before_cancel",
		"on_cancel": [
			"dms_app.secondary_sales.invoices.on_cancel",
			"dms_app.schemes.engine.reverse",
			"dms_app.dms_integrations.events.on_cancel",
			"dms_app.retail.orders.on_invoice_change",
		],
	},
	"Delivery Note": {
		"before_insert": "dms_app.distribution.locks.before_insert",
		"before_validate": ["dms_app.schemes.engine.before_validate", "dms_app.distribution.gst.set_taxes"],
		"validate": "dms_app.secondary_sales.invoices.validate",
		"before_submit": [
			"dms_app.distribution.locks.before_submit",
			"dms_app.secondary_sales.invoices.before_submit",
		],
		"on_submit": [
			"dms_app.schemes.engine.record",
			"dms_app.dms_integrations.events.on_sale_submit",
			"dms_app.retail.orders.on_invoice_change",
		],
		"before_cancel": "dms_app.schemes.engine.before_cancel",
		"on_cancel": [
			"dms_app.secondary_sales.invoices.on_cancel",
			"dms_app.schemes.engine.reverse",
			"dms_app.dms_integrations.events.on_cancel",
			"dms_app.retail.orders.on_invoice_change",
		],
	},
	# a retailer's order to its distributor (dms_app.retail.orders)
	"Sales Order": {
		"before_validate": "dms_app.schemes.engine.before_validate",
		"validate": "dms_app.retail.orders.validate",
		"on_submit": "dms_app.retail.orders.on_submit",
		"on_cancel": "dms_app.retail.orders.on_cancel",
	},
	# POS at a distributor's counter (dms_app.retail.pos): merged at closing into a Sales Invoice above
	"POS Invoice": {
		"before_insert": ["dms_app.retail.pos.set_distributor", "dms_app.distribution.locks.before_insert"],
		"before_validate": [
			"dms_app.retail.pos.set_distributor",
			"dms_app.schemes.engine.before_validate",
			"dms_app.distribution.gst.set_taxes",
		],
		"validate": "dms_app.retail.pos.validate",
		"before_submit": ["dms_app.distribution.locks.before_submit", "dms_app.retail.pos.before_submit"],
	},
}

# Secondary sales are priced by the DMS Schemes (see dms_app.secondary_sales.invoices.validate).
dms_secondary_sale_validate = ["dms_app.schemes.engine.apply_to_sale"]

# Scheduled Tasks
# ---------------
scheduler_events = {
	"hourly": ["dms_app.primary_sales.sla.remind_and_escalate"],
	"daily": ["dms_app.schemes.period.settle_periods", "dms_app.channel_analytics.alerts.run_daily"],
	"cron": {"* * * * *": ["dms_app.dms_integrations.outbox.sweep"]},
}

# Portal
# ------
# The distributor portal (dms_app/www/dms), for distributors' users.
# Distributors' users land on their portal after logging in.
# a retailer (a website user of a Customer) lands on the store (dms_app/www/shop)
role_home_page = {"Distributor": "dms", "Customer": "shop"}
# /dms pages are rendered without the website chrome they never show (see dms_app.portal.renderer).
page_renderer = ["dms_app.portal.renderer.PortalPage"]

portal_menu_items = [
	{"title": "Distributor Portal", "route": "/dms", "role": "Distributor"},
	{"title": "Orders", "route": "/dms/orders", "role": "Distributor"},
	{"title": "Inventory", "route": "/dms/inventory", "role": "Distributor"},
	{"title": "Secondary Sales", "route": "/dms/sales", "role": "Distributor"},
	{"title": "Retailers", "route": "/dms/retailers", "role": "Distributor"},
	{"title": "Schemes and Claims", "route": "/dms/schemes", "role": "Distributor"},
	{"title": "Account", "route": "/dms/account", "role": "Distributor"},
	{"title": "Retail Orders", "route": "/dms/retail-orders", "role": "Distributor"},
]
