// Copyright (c) 2026, dms_app contributors
// License: MIT. See license.txt

frappe.ui.form.on("Distributor", {
	setup(frm) {
		const leaf_warehouses = () => ({
			filters: { company: frm.doc.company, is_group: 0 },
		});
		frm.set_query("warehouse", leaf_warehouses);
		frm.set_query("warehouse", "extra_warehouses", leaf_warehouses);
		frm.set_query("default_price_list", () => ({ filters: { selling: 1 } }));
		frm.set_query("territory", () => ({ filters: { is_group: 0 } }));
	},

	refresh(frm) {
		frappe.dynamic_link = { doc: frm.doc, fieldname: "name", doctype: "Distributor" };
		frm.toggle_display("section_address", !frm.is_new());
		if (frm.is_new()) {
			frappe.contacts.clear_address_and_contact(frm);
			return;
		}
		frappe.contacts.render_address_and_contact(frm);
		if (frm.doc.warehouse) {
			frm.add_custom_button(__("Stock"), () =>
				frappe.set_route("query-report", "Stock Balance", { warehouse: frm.doc.warehouse })
			);
		}
	},
});
