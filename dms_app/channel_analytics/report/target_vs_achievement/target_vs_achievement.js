frappe.query_reports["Target vs Achievement"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company",
			default: frappe.defaults.get_user_default("Company") },
		{ fieldname: "fiscal_year", label: __("Fiscal Year"), fieldtype: "Link", options: "Fiscal Year", reqd: 1,
			default: erpnext.utils.get_fiscal_year(frappe.datetime.get_today()) },
		{ fieldname: "party_type", label: __("Target Of"), fieldtype: "Select", default: "Sales Person",
			options: ["Sales Person", "Sales Partner", "Territory", "Distributor"].map((v) => ({ value: v, label: __(v) })),
			on_change() { frappe.query_report.set_filter_value("party", ""); } },
		{ fieldname: "party", label: __("Party"), fieldtype: "Dynamic Link",
			get_options: () => frappe.query_report.get_filter_value("party_type") },
		{ fieldname: "target_on", label: __("Target On"), fieldtype: "Select", default: "Amount",
			options: [{ value: "Amount", label: __("Amount") }, { value: "Quantity", label: __("Quantity") }] },
		{ fieldname: "range", label: __("Range"), fieldtype: "Select", default: "Quarterly",
			options: ["Monthly", "Quarterly", "Yearly"].map((v) => ({ value: v, label: __(v) })) },
	],
};
