// Copyright (c) 2026, dms_app contributors
// License: MIT. See license.txt

frappe.query_reports["Primary Order Approval Time"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "distributor", label: __("Distributor"), fieldtype: "Link", options: "Distributor" },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date" },
	],
};
