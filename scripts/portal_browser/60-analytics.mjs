// Channel analytics walk, once, at desktop size, in the desk: a Regional Sales Manager who manages the
// territory of distributor A only opens the DMS workspace (number cards and charts), Secondary Sales
// Analytics by distributor and Channel Stock; each shows A and not B.
import path from "node:path";

// ``name`` as a whole word of ``body`` (distributor PB-B is not in item PB-BAG)
const shows = (body, name) => new RegExp(`(^|[^\\w-])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`).test(body);

export async function walk(ctx) {
	const { context, base, fixture, shots, size, t, check } = ctx;
	if (size !== "desktop") return;
	const { a, b } = fixture;
	const manager = fixture.analytics.manager;
	const desk = await context.browser().newContext({ viewport: { width: 1440, height: 1000 } });
	const shot = (page, label) => page.screenshot({ path: path.join(shots, `${size}-analytics-${label}.png`), fullPage: true });
	try {
		const dp = await desk.newPage();
		await dp.goto(base + "/login", { waitUntil: "load" });
		await dp.fill("#login_email", manager);
		await dp.fill("#login_password", fixture.password);
		await Promise.all([dp.waitForURL(/\/app/, { timeout: 60000 }), dp.locator(".btn-login").first().click()]);

		await dp.goto(`${base}/app/dms`, { waitUntil: "load" });
		// seven cards with their numbers, three charts drawn
		await dp.waitForFunction(() => document.querySelectorAll(".widget.number-widget-box .number").length >= 7, null, { timeout: 60000 });
		await dp.waitForFunction(() => document.querySelectorAll(".widget-charts svg, .chart-container svg").length >= 3, null, { timeout: 60000 });
		await dp.waitForTimeout(1000);
		await shot(dp, "workspace");
		const cards = await dp.locator(".widget.number-widget-box").allInnerTexts();
		check(cards.some((c) => /sell-out this month/i.test(c)), t("the DMS workspace shows the sell-out card"));
		check(cards.some((c) => /open channel alerts/i.test(c)), t("the DMS workspace shows the open alerts card"));
		check(!cards.some((c) => /NaN|undefined/.test(c)), t("no card shows NaN or undefined"));

		const report = async (name, params, label) => {
			const query = new URLSearchParams(params).toString();
			await dp.goto(`${base}/app/query-report/${encodeURIComponent(name)}?${query}`, { waitUntil: "load" });
			await dp.locator(".dt-scrollable .dt-row, .no-result").first().waitFor({ timeout: 60000 });
			await dp.waitForTimeout(1000);
			await shot(dp, label);
			return dp.locator(".dt-scrollable").innerText().catch(() => "");
		};
		let body = await report("Secondary Sales Analytics", { group_by: "Distributor" }, "secondary-sales");
		check(body.includes(a.distributor), t(`Secondary Sales Analytics shows ${a.distributor}`));
		check(!shows(body, b.distributor), t(`Secondary Sales Analytics does not show ${b.distributor}`));
		body = await report("Channel Stock", { group_by: "Distributor and SKU" }, "channel-stock");
		check(body.includes(a.distributor), t(`Channel Stock shows ${a.distributor}`));
		check(!shows(body, b.distributor), t(`Channel Stock does not show ${b.distributor}`));
		body = await report("Distributor Scorecard", {}, "scorecard");
		check(body.includes(a.distributor) && !shows(body, b.distributor), t("the scorecard is the manager's territory only"));
	} finally {
		await desk.close();
	}
}
