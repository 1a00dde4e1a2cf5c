// Copyright (c) 2026, dms_app contributors
// License: MIT. See license.txt
// Primary orders on Material Request: a distributor fills in the route, approvers get their buttons.

frappe.ui.form.on("Material Request", {
	setup(frm) {
		frm.set_query("set_warehouse", () =>
			frm.doc.distributor ? { filters: { distributor: frm.doc.distributor, is_group: 0 } } : {}
		);
	},

	async distributor(frm) {
		if (!frm.doc.distributor) return;
		const [{ message: dist }, depot] = await Promise.all([
			frappe.db.get_value("Distributor", frm.doc.distributor, ["warehouse", "company"]),
			frappe.db.get_single_value("DMS Settings", "oem_depot_warehouse"),
		]);
		frm.set_value("material_request_type", "Material Transfer");
		if (dist.company) frm.set_value("company", dist.company);
		if (depot) frm.set_value("set_from_warehouse", depot);
		if (dist.warehouse) frm.set_value("set_warehouse", dist.warehouse);
	},

	refresh(frm) {
		if (!frm.doc.distributor || frm.doc.docstatus !== 0 || frm.is_new()) return;
		// the credit rule (limit, overdue invoices, hold) is checked as an order enters approval and at
		// each approval; a DMS Manager may let one order through, with a reason that is logged
		const state = frm.doc.workflow_state || "Draft";
		if (frappe.user.has_role("DMS Manager") && (state === "Draft" || state.startsWith("Pending"))) {
			frm.add_custom_button(__("Override Credit Limit"), () =>
				frappe.prompt(
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
					({ reason }) =>
						frappe
							.call("dms_app.api.primary_orders.override_credit_limit", {
								order: frm.doc.name,
								reason,
							})
							.then(() => frm.reload_doc()),
					__("Override Credit Limit")
				)
			);
		}
	},
});
