frappe.query_reports["Channel Stock"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company",
			default: frappe.defaults.get_user_default("Company") },
		{ fieldname: "group_by", label: __("Group By"), fieldtype: "Select", default: "Distributor and SKU",
			options: ["Distributor and SKU", "Distributor", "Territory", "Item"].map((v) => ({ value: v, label: __(v) })) },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "distributor", label: __("Distributor"), fieldtype: "Link", options: "Distributor" },
		{ fieldname: "item_group", label: __("Item Group"), fieldtype: "Link", options: "Item Group" },
		{ fieldname: "brand", label: __("Brand"), fieldtype: "Link", options: "Brand" },
		{ fieldname: "item_code", label: __("Item"), fieldtype: "Link", options: "Item" },
	],
};
