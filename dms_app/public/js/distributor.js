// Copyright (c) 2026, dms_app contributors
// License: MIT. See license.txt
// POS at the distributor's counter (dms_app.retail.pos): a DMS Manager makes its POS Profile from here.

frappe.ui.form.on("Distributor", {
	refresh(frm) {
		if (frm.is_new() || !frappe.user.has_role(["DMS Manager", "System Manager"])) return;
		frm.add_custom_button(__("Make POS Profile"), () =>
			frappe.call({
				method: "dms_app.retail.pos.make_pos_profile",
				type: "POST",
				args: { distributor: frm.doc.name },
				freeze: true,
				freeze_message: __("Making the counter's POS Profile..."),
				callback: ({ message }) => {
					if (!message) return;
					frappe.show_alert({
						message: __("POS Profile {0} is ready.", [message]),
						indicator: "green",
					});
					frappe.set_route("Form", "POS Profile", message);
				},
			})
		);
	},
});
