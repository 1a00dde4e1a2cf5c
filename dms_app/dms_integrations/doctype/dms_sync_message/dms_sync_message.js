// Copyright (c) 2026, dms_app contributors
// License: MIT. See license.txt

frappe.ui.form.on("DMS Sync Message", {
	refresh(frm) {
		if (frm.doc.status !== "Sent" && frappe.user.has_role(["DMS Manager", "System Manager"])) {
			frm.add_custom_button(__("Retry Now"), () =>
				frappe
					.xcall("dms_app.dms_integrations.outbox.retry", { names: [frm.doc.name] })
					.then(() => {
						frappe.show_alert({ message: __("Queued for delivery"), indicator: "green" });
						frm.reload_doc();
					})
			);
		}
		frm.add_custom_button(__("Delivery Log"), () =>
			frappe.set_route("List", "Integration Request", {
				reference_doctype: "DMS Sync Message",
				reference_docname: frm.doc.name,
			})
		);
	},
});
