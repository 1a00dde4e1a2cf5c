// Copyright (c) 2026, dms_app contributors
// License: MIT. See license.txt

frappe.listview_settings["DMS Sync Message"] = {
	add_fields: ["status", "attempts"],
	get_indicator(doc) {
		const colour = { Pending: "orange", Sent: "green", Failed: "yellow", Dead: "red" }[doc.status];
		return [__(doc.status), colour, "status,=," + doc.status];
	},
	onload(listview) {
		if (!frappe.user.has_role(["DMS Manager", "System Manager"])) return;
		listview.page.add_action_item(__("Retry"), () => {
			const names = listview.get_checked_items(true);
			frappe
				.xcall("dms_app.dms_integrations.outbox.retry", { names })
				.then((streams) => {
					frappe.show_alert({ message: __("{0} queued for delivery", [streams]), indicator: "green" });
					listview.refresh();
				});
		});
	},
};
