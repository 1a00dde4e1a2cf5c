// A retailer's order no rule could route (dms_app.retail.orders): a DMS Manager routes it to a distributor.
frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		if (frm.doc.docstatus !== 0 || frm.doc.dms_retail_status !== "Unrouted") return;
		if (!frappe.user.has_role("DMS Manager") && !frappe.user.has_role("System Manager")) return;
		frm.dashboard.set_headline(__("No distributor serves this order yet: {0}", [frm.doc.dms_routing_note || ""]));
		frm.add_custom_button(__("Route to Distributor"), () =>
			frappe.prompt(
				{ fieldname: "distributor", fieldtype: "Link", options: "Distributor", label: __("Distributor"), reqd: 1 },
				({ distributor }) =>
					frappe
						.call("dms_app.retail.orders.route_to", { order: frm.doc.name, distributor })
						.then(() => frm.reload_doc()),
				__("Route to Distributor")
			)
		);
	},
});
