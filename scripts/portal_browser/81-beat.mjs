// The sales person's beat on the phone (/dms/beat) as distributor A's user, who works the fixture's beat
// (dms_app.tests.browser_fixture._beat_setup: due today, A's corner store then a second shop). Phone size
// only: check in at the first outlet with the phone's position, take an order with the priced cart (the
// total the store's quote gives, the scheme's free goods) and book it; check in at the second with the
// location not allowed (checked in without a position, said so) and mark "no order" with a reason;
// the marks stay after reloading. No sideways scrolling at any step.
import path from "node:path";

const money = (s) => parseFloat(String(s).replace(/[^0-9.-]/g, ""));

export async function walk(ctx) {
	const { page, context, base, fixture, shots, size, t, check, text, open, noSideways } = ctx;
	if (size !== "phone") return;
	const data = fixture.beat;
	const shot = (name) => page.screenshot({ path: path.join(shots, `${size}-${name}.png`), fullPage: true });
	await context.grantPermissions(["geolocation"]);
	await context.setGeolocation({ latitude: 19.07, longitude: 72.87 });

	const response = await open(page, "/dms/beat", "beat", size);
	let body = await text(page);
	check(response.status() === 200, t("beat answers 200"));
	check(body.includes(data.beat_name), t("beat shows today's beat"));
	check((await page.locator("[data-beat-due]:not([data-beat-due='0'])").count()) === 1, t("the beat is due today"));
	const listed = await page.locator(".beat-outlet").evaluateAll((rows) => rows.map((r) => r.dataset.retailer));
	check(JSON.stringify(listed) === JSON.stringify(data.retailers.map((r) => r.name)), t(`outlets in visit order (${listed})`));
	check(!body.includes(fixture.b.distributor_name), t("beat shows nothing of distributor B"));
	await noSideways(page, t("beat"));

	// the first outlet: check in with the position, take an order
	const first = page.locator(".beat-outlet").nth(0);
	await first.locator("[data-check-in]").click();
	await first.locator("[data-take-order]").waitFor({ state: "visible", timeout: 20000 });
	check((await first.getAttribute("data-state")) === "visited", t("checked in at the first outlet"));
	const status = await first.locator("[data-status]").innerText();
	check(status.includes("Checked in") && !status.includes("without a position"), t(`checked in with the position (${status})`));

	await first.locator("[data-take-order]").click();
	const cart = first.locator("[data-cart]");
	await cart.waitFor({ state: "visible" });
	for (const line of data.order) {
		const row = cart.locator(`[data-item="${line.item_code}"]`);
		check((await row.count()) === 1, t(`the cart offers ${line.item_code}`));
		await cart.locator("[data-cart-search]").fill(line.item_code);
		await row.locator("[data-plus]").click();
		await row.locator("[data-qty]").fill(String(line.qty));
	}
	await cart.locator("[data-quote-total]").waitFor({ timeout: 20000 });
	const quoted = money(await cart.locator("[data-quote-total]").innerText());
	check(Math.abs(quoted - data.total) < 0.01, t(`the cart is priced as the store quotes it (${quoted} = ${data.total})`));
	const free = await cart.locator("[data-quote] .dms-pill.green").count();
	check(free === data.free_lines, t(`the cart shows the scheme's free goods (${free} = ${data.free_lines})`));
	await page.waitForFunction(() => !document.querySelector("[data-book]").disabled);
	await noSideways(page, t("beat cart"));
	await shot("beat-cart");
	await cart.locator("[data-book]").click();
	await page.waitForFunction(() => document.querySelector(".beat-outlet").dataset.state === "ordered", null, { timeout: 30000 });
	const booked = await first.locator("[data-status]").innerText();
	check(/Order \S+/.test(booked), t(`the order is booked (${booked})`));

	// the second outlet: the location is not allowed now; checked in without a position, and told so
	await context.clearPermissions();
	const second = page.locator(".beat-outlet").nth(1);
	await second.locator("[data-check-in]").click();
	await second.locator("[data-no-order]").waitFor({ state: "visible", timeout: 30000 });
	const unplaced = await second.locator("[data-status]").innerText();
	check(unplaced.includes("without a position"), t(`checked in without a position, and told so (${unplaced})`));
	await second.locator("[data-no-order]").click();
	const form = second.locator("[data-no-order-form]");
	await form.waitFor({ state: "visible" });
	await form.locator("[data-reason]").selectOption("Shop Closed");
	await form.locator("[data-remarks]").fill("Shutter down");
	await shot("beat-no-order");
	await form.locator("[data-save-no-order]").click();
	await page.waitForFunction(() => document.querySelectorAll(".beat-outlet")[1].dataset.state === "no-order", null, { timeout: 20000 });
	check((await second.locator("[data-status]").innerText()).includes("Shop Closed"), t("no order recorded with its reason"));

	// the marks are the server's: they stay after reloading
	await open(page, "/dms/beat", "beat-done", size);
	const states = await page.locator(".beat-outlet").evaluateAll((rows) => rows.map((r) => r.dataset.state));
	check(JSON.stringify(states) === JSON.stringify(["ordered", "no-order"]), t(`visited and ordered marks after reload (${states})`));
	body = await text(page);
	check(/2\s*\/\s*2 visited/.test(body), t("the beat counts 2 of 2 visited"));
	await noSideways(page, t("beat after the visits"));

	const foreign = await open(page, "/dms/beat?beat=no-such-beat", "beat-foreign", size);
	check(foreign.status() === 404, t(`a beat not the user's is refused (${foreign.status()})`));
}
