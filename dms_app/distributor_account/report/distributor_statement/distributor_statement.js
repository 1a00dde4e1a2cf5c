// Copyright (c) 2026, dms_app contributors
// License: MIT. See license.txt

frappe.query_reports["Distributor Statement"] = {
	filters: [
		{ fieldname: "distributor", label: __("Distributor"), fieldtype: "Link", options: "Distributor", reqd: 1 },
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			reqd: 1,
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -3),
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", reqd: 1, default: frappe.datetime.get_today() },
	],
};
