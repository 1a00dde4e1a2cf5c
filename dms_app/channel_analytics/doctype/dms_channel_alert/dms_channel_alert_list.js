frappe.listview_settings["DMS Channel Alert"] = {
	onload(listview) {
		if (!frappe.user.has_role("DMS Manager") && !frappe.user.has_role("System Manager")) return;
		listview.page.add_inner_button(__("Run the Rules Now"), () =>
			frappe.call({
				method: "dms_app.channel_analytics.alerts.run_now",
				freeze: true,
				freeze_message: __("Running the channel rules..."),
			}).then((r) => {
				frappe.show_alert({ message: __("{0} new alerts", [r.message.created]), indicator: "green" });
				listview.refresh();
			})
		);
	},
};
