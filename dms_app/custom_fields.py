"""Every custom field dms_app adds to ERPNext doctypes, in one place.

Made by dms_app.install on install, and on existing sites by the patch dms_app.patches.v0_2.custom_fields:
when you change anything here, bump that patch's counter in patches.txt (``#N``) so sites migrate the
change once. Tagged with the app's module so uninstall removes them.
"""

from dms_app.core.inbound import LOGISTICS_STATUSES

MODULE = "Distribution"

_distributor_link = {
	"fieldname": "distributor",
	"label": "Distributor",
	"fieldtype": "Link",
	"options": "Distributor",
	"in_standard_filter": 1,
	"search_index": 1,
	"module": MODULE,
}


def _on_transaction(insert_after: str) -> list[dict]:
	return [{**_distributor_link, "insert_after": insert_after}]


def _field(fieldname: str, fieldtype: str, label: str | None, insert_after: str, **extra) -> dict:
	return {
		"fieldname": fieldname,
		"fieldtype": fieldtype,
		"label": label,
		"insert_after": insert_after,
		"module": MODULE,
		**extra,
	}


# A primary order's approval trail (see dms_app.primary_sales.orders).
_primary_order_fields = [
	_field("dms_approval_section", "Section Break", "DMS Approval", "items"),
	_field("dms_order_value", "Currency", "Order Value", "dms_approval_section", read_only=1, in_list_view=1),
	_field(
		"dms_approver", "Link", "Waiting For", "dms_order_value", options="User", read_only=1, search_index=1
	),
	_field("dms_state_since", "Datetime", "In Current State Since", "dms_approver", read_only=1),
	_field("dms_approval_column", "Column Break", None, "dms_state_since"),
	_field(
		"dms_approval_comment",
		"Small Text",
		"Comment for Your Action",
		"dms_approval_column",
		no_copy=1,
		description="Goes into the Approval Log with your next action (Approve, Confirm, ...), then clears.",
	),
	_field(
		"dms_rejection_reason",
		"Small Text",
		"Rejection Reason",
		"dms_approval_comment",
		allow_on_submit=1,
		no_copy=1,
		description="Required before an approver rejects the order.",
	),
	_field(
		"dms_credit_override_reason",
		"Small Text",
		"Credit Limit Override Reason",
		"dms_rejection_reason",
		read_only=1,
		description="Set by a DMS Manager with Override Credit Limit; lets approval go beyond the credit limit.",
	),
	_field(
		"dms_credit_override_by",
		"Link",
		"Credit Override By",
		"dms_credit_override_reason",
		options="User",
		read_only=1,
	),
	_field(
		"dms_oem_invoice",
		"Data",
		"Invoiced by OEM ERP",
		"dms_credit_override_by",
		allow_on_submit=1,
		read_only=1,
		no_copy=1,
		search_index=1,
		description="The OEM ERP invoice that settles this order; until one does, an approved order counts "
		"against the distributor's credit.",
	),
	_field(
		"dms_erp_reference",
		"Data",
		"OEM ERP Reference",
		"dms_oem_invoice",
		read_only=1,
		allow_on_submit=1,
		no_copy=1,
		search_index=1,
	),
	_field(
		"dms_reminded_at", "Datetime", "Approver Reminded At", "dms_erp_reference", read_only=1, no_copy=1
	),
	_field("dms_escalated_at", "Datetime", "Escalated At", "dms_reminded_at", read_only=1, no_copy=1),
	_field("dms_next_state", "Data", "Next State", "dms_escalated_at", read_only=1, hidden=1),
	_field("dms_approval_route", "Long Text", "Approval Route", "dms_next_state", read_only=1, hidden=1),
	_field(
		"dms_approvals",
		"Table",
		"Approval Log",
		"dms_approval_route",
		options="DMS Approval Log",
		read_only=1,
	),
]


def _erp_version(insert_after: str) -> dict:
	return _field(
		"dms_erp_version",
		"Data",
		"OEM ERP Version",
		insert_after,
		read_only=1,
		no_copy=1,
		description="Version of the last update from the OEM ERP (dms_app.api.oem); older updates are refused.",
	)


# Set by the OEM ERP through dms_app.api.oem.update_dispatches.
_logistics_fields = [
	_field(
		"dms_logistics_section",
		"Section Break",
		"Logistics (DMS)",
		"dms_shortage_reason",
		collapsible=1,
		depends_on="eval:doc.distributor && doc.add_to_transit",
	),
	*[
		_field(fieldname, fieldtype, label, after, allow_on_submit=1, read_only=1, no_copy=1, **extra)
		for fieldname, fieldtype, label, after, extra in (
			(
				"dms_logistics_status",
				"Select",
				"Logistics Status",
				"dms_logistics_section",
				{"options": "\n" + "\n".join(LOGISTICS_STATUSES)},
			),
			("dms_carrier", "Data", "Carrier", "dms_logistics_status", {}),
			("dms_tracking_no", "Data", "Tracking Number", "dms_carrier", {"search_index": 1}),
			("dms_logistics_column", "Column Break", None, "dms_tracking_no", {}),
			("dms_eta", "Datetime", "ETA", "dms_logistics_column", {}),
			("dms_logistics_updated", "Datetime", "Logistics Updated", "dms_eta", {}),
			("dms_logistics_version", "Data", "Logistics Version", "dms_logistics_updated", {"hidden": 1}),
		)
	],
]


# Trade schemes (dms_app.schemes.engine): what the schemes gave a document, kept on it so the ledger
# written on submit records exactly what the buyer saw.
def _scheme_fields(insert_after: str) -> list[dict]:
	return [
		_field("dms_coupon_code", "Data", "Scheme Coupon Code", insert_after),
		_field(
			"dms_scheme_discount",
			"Currency",
			"Scheme Discount",
			"dms_coupon_code",
			read_only=1,
			no_copy=1,
			description="Total given by DMS Schemes: line discounts and the bill discount.",
		),
		_field(
			"dms_scheme_bill_discount",
			"Currency",
			"Scheme Bill Discount",
			"dms_scheme_discount",
			read_only=1,
			no_copy=1,
			hidden=1,
		),
		_field(
			"dms_scheme_benefits",
			"JSON",
			"Scheme Benefits",
			"dms_scheme_bill_discount",
			read_only=1,
			no_copy=1,
			hidden=1,
		),
	]


def _scheme_row_fields(insert_after: str) -> list[dict]:
	return [
		_field("dms_scheme", "Link", "Free Under Scheme", insert_after, options="DMS Scheme", read_only=1),
		_field("dms_scheme_discount", "Currency", "Scheme Discount", "dms_scheme", read_only=1, no_copy=1),
		# copied to a document made from this one (an invoice from a retailer's order), with the discount
		# per unit, so the schemes start again from the rate before them (dms_app.schemes.engine._base_rate)
		_field(
			"dms_base_rate",
			"Currency",
			"Rate Before Schemes",
			"dms_scheme_discount",
			read_only=1,
			hidden=1,
			no_copy=0,
		),
		_field(
			"dms_scheme_unit_discount",
			"Currency",
			"Scheme Discount per Unit",
			"dms_base_rate",
			read_only=1,
			hidden=1,
		),
	]


CUSTOM_FIELDS: dict[str, list[dict]] = {
	"Material Request": _on_transaction("material_request_type")
	+ _primary_order_fields
	+ _scheme_fields("distributor"),
	"Material Request Item": _scheme_row_fields("amount"),
	"Stock Entry": [
		*_on_transaction("stock_entry_type"),
		_field(
			"dms_shortage_reason",
			"Small Text",
			"Shortage Reason",
			"distributor",
			allow_on_submit=1,
			read_only=1,
			depends_on="dms_shortage_reason",
		),
		*_logistics_fields,
	],
	"Sales Invoice": [
		*_on_transaction("customer"),
		_field(
			"dms_external_ref",
			"Data",
			"External Reference",
			"distributor",
			read_only=1,
			no_copy=1,
			search_index=1,
			description="The distributor's own invoice number (e.g. Tally voucher); unique per distributor.",
		),
		_field(
			"dms_upload",
			"Link",
			"DMS Upload",
			"dms_external_ref",
			options="DMS Upload",
			read_only=1,
			no_copy=1,
		),
		_field(
			"dms_books_difference",
			"Small Text",
			"Differs From the Books",
			"dms_upload",
			read_only=1,
			no_copy=1,
			depends_on="dms_books_difference",
			description="Where this uploaded invoice differs from the distributor's books by more than a rupee "
			"(DMS Settings: Create and Flag).",
		),
		_field(
			"dms_unexplained_discount",
			"Currency",
			"Discount No Scheme Explains",
			"dms_books_difference",
			read_only=1,
			no_copy=1,
			depends_on="dms_unexplained_discount",
			description="On an invoice uploaded from the distributor's books: the part of its discounts and "
			"free goods (at list price) that no active DMS Scheme would have given.",
		),
		*_scheme_fields("dms_unexplained_discount"),
	],
	"Sales Invoice Item": _scheme_row_fields("discount_amount"),
	"Delivery Note": _on_transaction("customer") + _scheme_fields("distributor"),
	"Delivery Note Item": _scheme_row_fields("discount_amount"),
	# A retailer's order (dms_app.retail): from the store, a beat visit or a marketplace, routed to the
	# distributor that serves the retailer, priced by the DMS schemes like the invoice it becomes.
	"Sales Order": _on_transaction("customer")
	+ _scheme_fields("distributor")
	+ [
		_field(
			"dms_retail_section", "Section Break", "Retail Order (DMS)", "dms_scheme_benefits", collapsible=1
		),
		_field(
			"dms_retail_status",
			"Select",
			"Retail Status",
			"dms_retail_section",
			options="\nUnrouted\nPlaced\nAccepted\nPartly Served\nDelivered\nRefused\nCancelled",
			read_only=1,
			allow_on_submit=1,
			in_standard_filter=1,
			in_list_view=1,
			search_index=1,
			no_copy=1,
		),
		_field(
			"dms_order_source",
			"Select",
			"Order Source",
			"dms_retail_status",
			options="\nStore\nBeat\nMarketplace",
			read_only=1,
			in_standard_filter=1,
		),
		_field("dms_routing_note", "Small Text", "Routing", "dms_order_source", read_only=1, no_copy=1),
		_field("dms_retail_column", "Column Break", None, "dms_routing_note"),
		_field("dms_channel", "Data", "Channel", "dms_retail_column", read_only=1, no_copy=1),
		_field(
			"dms_channel_order_id",
			"Data",
			"Channel Order ID",
			"dms_channel",
			read_only=1,
			no_copy=1,
			search_index=1,
		),
		_field(
			"dms_refusal_reason",
			"Small Text",
			"Refusal Reason",
			"dms_channel_order_id",
			read_only=1,
			allow_on_submit=1,
			no_copy=1,
		),
	],
	"Sales Order Item": _scheme_row_fields("discount_amount"),
	# POS at a distributor's counter (dms_app.retail.pos): its POS Invoices are its secondary sales, priced
	# by the schemes; the Sales Invoice they are merged into at closing takes these fields over.
	"POS Profile": [
		{
			**_distributor_link,
			"insert_after": "company",
			"description": "The distributor whose counter this is: its POS Invoices are its secondary sales.",
		}
	],
	"POS Invoice": [
		{
			**_distributor_link,
			"insert_after": "pos_profile",
			"read_only": 1,
			"fetch_from": "pos_profile.distributor",
		},
		*_scheme_fields("distributor"),
	],
	"POS Invoice Item": _scheme_row_fields("discount_amount"),
	"Item": [
		_field(
			"dms_territories",
			"Table MultiSelect",
			"Sold Only In Territories (DMS)",
			"item_group",
			options="DMS Item Territory",
			description="Distributors outside these territories (and the territories below them) cannot order "
			"this item. Empty: sold everywhere.",
		),
		_erp_version("dms_territories"),
	],
	"Item Price": [_erp_version("price_list_rate")],
	"Warehouse": [
		{
			**_distributor_link,
			"insert_after": "company",
			"read_only": 1,
			"description": "Set by the Distributor that owns this warehouse.",
		}
	],
	# A Customer served by a distributor is a retailer; these are its DMS attributes.
	"Customer": [
		{
			"fieldname": "dms_retailer_section",
			"label": "Retailer (DMS)",
			"fieldtype": "Section Break",
			"insert_after": "customer_group",
			"collapsible": 1,
			"module": MODULE,
		},
		{
			**_distributor_link,
			"label": "Serving Distributor",
			"insert_after": "dms_retailer_section",
			"description": "The distributor that sells to this retailer (others may serve it too: DMS Retailer Link).",
			# a retailer several distributors serve is visible to each (dms_app.permissions scopes Customer
			# by this field and the links); the distributor's User Permission must not hide it
			"ignore_user_permissions": 1,
		},
		{
			"fieldname": "retailer_code",
			"label": "Retailer Code",
			"fieldtype": "Data",
			"insert_after": "distributor",
			"search_index": 1,
			"module": MODULE,
		},
		{
			"fieldname": "outlet_type",
			"label": "Outlet Type",
			"fieldtype": "Select",
			"options": "\nGeneral Trade\nModern Trade\nPharmacy\nWholesale\nHoReCa\nOther",
			"insert_after": "retailer_code",
			"module": MODULE,
		},
		{
			"fieldname": "outlet_class",
			"label": "Outlet Class",
			"fieldtype": "Select",
			"options": "\nA\nB\nC\nD",
			"insert_after": "outlet_type",
			"module": MODULE,
		},
		{
			"fieldname": "dms_retailer_column",
			"fieldtype": "Column Break",
			"insert_after": "outlet_class",
			"module": MODULE,
		},
		{
			"fieldname": "beat",
			"label": "Beat / Route",
			"fieldtype": "Data",
			"insert_after": "dms_retailer_column",
			"module": MODULE,
		},
		{
			"fieldname": "latitude",
			"label": "Latitude",
			"fieldtype": "Float",
			"precision": "6",
			"insert_after": "beat",
			"module": MODULE,
		},
		{
			"fieldname": "longitude",
			"label": "Longitude",
			"fieldtype": "Float",
			"precision": "6",
			"insert_after": "latitude",
			"module": MODULE,
		},
	],
}
