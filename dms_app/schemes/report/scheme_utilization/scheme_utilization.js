frappe.query_reports["Scheme Utilization"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "scheme", label: __("Scheme"), fieldtype: "Link", options: "DMS Scheme" },
		{ fieldname: "distributor", label: __("Distributor"), fieldtype: "Link", options: "Distributor" },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date" },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date" },
	],
};
