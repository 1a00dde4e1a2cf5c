frappe.listview_settings["DMS Channel Alert"] = {
	onload(listview) {
		frappe.realtime.on("dms_channel_alerts_done", (result) => {
			frappe.show_alert({ message: __("Channel rules done: {0} new alerts", [result.created]), indicator: "green" });
			listview.refresh();
		});
		if (!frappe.user.has_role("DMS Manager") && !frappe.user.has_role("System Manager")) return;
		listview.page.add_inner_button(__("Run the Rules Now"), () =>
			frappe.call({ method: "dms_app.channel_analytics.alerts.run_now" }).then((r) =>
				frappe.show_alert({ message: r.message.message, indicator: r.message.queued ? "blue" : "orange" })
			)
		);
	},
};
