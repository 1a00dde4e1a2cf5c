frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["DMS Sell-in vs Sell-out"] = {
	method: "dms_app.channel_analytics.dashboard.sell_in_vs_sell_out",
	filters: [],
};
