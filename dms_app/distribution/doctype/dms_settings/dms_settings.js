// Copyright (c) 2026, dms_app contributors
// License: MIT. See license.txt

frappe.ui.form.on("DMS Settings", {
	setup(frm) {
		frm.set_query("oem_depot_warehouse", () => ({
			filters: { company: frm.doc.company, is_group: 0 },
		}));
		frm.set_query("distributor_warehouse_group", () => ({
			filters: { company: frm.doc.company, is_group: 1 },
		}));
		frm.set_query("default_price_list", () => ({ filters: { selling: 1 } }));
	},
});
