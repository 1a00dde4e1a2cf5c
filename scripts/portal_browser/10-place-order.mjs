// Place Order (/dms/orders/new) and receipt confirmation on /dms/orders/view, as distributor A:
// search the catalogue, take the suggested quantity, submit, land on the new order awaiting approval;
// a refused cart shows the server's message in the page; then confirm the receipt of a dispatch in
// transit (dms_app.tests.browser_fixture._place_order_setup: one per screen size; short with a reason
// on the desktop, in full on the phone).
import path from "node:path";

let orderedOnDesktop = 0; // the walk runs at desktop size first, then phone, in one process

export async function walk(ctx) {
	const { page, base, fixture, shots, size, t, check, text, open, noSideways } = ctx;
	const [SOAP, TEA] = fixture.items;
	const shot = (name) => page.screenshot({ path: path.join(shots, `${size}-${name}.png`), fullPage: true });

	let response = await open(page, "/dms/orders/new", "place-order", size);
	let body = await text(page);
	check(response.status() === 200, t("place order answers 200"));
	check(body.includes(SOAP) && body.includes(TEA), t("catalogue lists own items"));
	check(!body.includes(fixture.b.distributor_name), t("catalogue shows nothing of distributor B"));
	check(/Suggested quantities keep \d+ days/.test(body), t("catalogue explains the suggestion"));
	await noSideways(page, t("place order"));

	// server-side search
	await page.fill("[data-dms-search]", "Neem");
	await Promise.all([page.waitForURL((url) => url.searchParams.get("q") === "Neem"), page.press("[data-dms-search]", "Enter")]);
	const rows = await page.locator("[data-dms-catalogue] tbody tr").evaluateAll((trs) => trs.map((tr) => tr.dataset.item));
	check(rows.length === 1 && rows[0] === SOAP, t(`search "Neem" finds the soap only (${rows.join(", ")})`));

	const row = page.locator(`[data-dms-catalogue] tr[data-item="${SOAP}"]`);
	const suggested = parseFloat(await row.getAttribute("data-suggested"));
	if (size === "desktop") {
		check(suggested > 0, t(`soap has a suggested quantity (${suggested})`));
	} else {
		// the desktop walk's order is on order now (later walks' sales may have raised the need again)
		const onOrder = parseFloat((await row.locator('[data-col="on_order"]').innerText()).replace(/,/g, ""));
		check(onOrder >= orderedOnDesktop, t(`the desktop's order counts as on order (${onOrder} >= ${orderedOnDesktop})`));
	}
	if (suggested > 0) {
		// the suggested quantity into the cart
		await row.locator("[data-dms-use]").click();
		const qty = parseFloat(await row.locator("[data-dms-qty]").inputValue());
		check(qty === suggested, t(`"Use" fills in the suggestion (${qty})`));
	} else {
		await row.locator("[data-dms-qty]").fill("3");
	}
	if (size === "desktop") orderedOnDesktop = suggested;
	check((await page.locator("[data-cart-count]").innerText()) === "1", t("cart holds one line"));
	check(await page.locator("[data-dms-submit]").isEnabled(), t("submit is enabled with a cart"));
	await shot("place-order-cart");
	await noSideways(page, t("place order with cart"));

	// the cart survives a new search
	await page.fill("[data-dms-search]", "");
	await Promise.all([page.waitForURL((url) => !url.searchParams.get("q")), page.press("[data-dms-search]", "Enter")]);
	check((await page.locator("[data-cart-count]").innerText()) === "1", t("cart kept across searches"));

	// submit: the new order's page, awaiting approval
	await Promise.all([page.waitForURL(/\/dms\/orders\/view\?name=/, { timeout: 30000 }), page.locator("[data-dms-submit]").click()]);
	await page.waitForLoadState("load");
	await shot("placed-order");
	body = await text(page);
	const stage = await page.locator("[data-dms-stage]").getAttribute("data-dms-stage");
	check(stage === "pending" && body.includes("Awaiting Approval"), t(`placed order awaits approval (${stage})`));
	const lines = await page.locator("[data-dms-order-items] tbody tr").allInnerTexts();
	check(lines.length === 1 && lines[0].includes(SOAP), t("placed order holds the soap line"));
	check(/Order placed by/.test(body) && /Draft → Pending/.test(body), t("timeline shows it placed and sent for approval"));
	await noSideways(page, t("placed order"));

	// a cart the server refuses: its message in the page, nothing placed
	await open(page, "/dms/orders/new", "place-order-refused", size);
	await page.evaluate((key) => sessionStorage.setItem(key, JSON.stringify({ "PB-NO-SUCH": { qty: 1, rate: 1 } })), `dms-cart:${fixture.a.distributor}`);
	await page.reload({ waitUntil: "load" });
	await page.locator("[data-dms-submit]").click();
	const error = page.locator("[data-cart-error]");
	await error.waitFor({ state: "visible", timeout: 15000 });
	const message = await error.innerText();
	check(message.includes("No such item") && message.includes("PB-NO-SUCH"), t(`refused cart explained (${message})`));
	check(page.url().includes("/dms/orders/new"), t("refused cart stays on the page"));
	await shot("place-order-refused");
	await page.locator("[data-dms-clear]").click();

	// confirm the receipt of a dispatch in transit
	const transit = fixture.place_order.in_transit[size === "desktop" ? 0 : 1];
	response = await open(page, `/dms/orders/view?name=${encodeURIComponent(transit.order)}`, "receipt-form", size);
	const form = page.locator(`[data-dms-receipt="${transit.dispatch}"]`);
	check(response.status() === 200 && (await form.count()) === 1, t("in-transit order shows a receipt form"));
	await noSideways(page, t("receipt form"));
	if (size === "desktop") {
		await form.locator('[data-mode][value="short"]').check();
		await form.locator(`tr[data-item="${transit.item}"] [data-received]`).fill(String(transit.qty - 1));
		await form.locator("[data-dms-confirm]").click();
		const formError = form.locator("[data-receipt-error]");
		check((await formError.innerText()).includes("reason"), t("short receipt without a reason is refused"));
		await form.locator("[data-reason]").fill("One carton crushed");
		await shot("receipt-short");
		await Promise.all([page.waitForEvent("load", { timeout: 30000 }), form.locator("[data-dms-confirm]").click()]);
		await shot("receipt-done");
		body = await text(page);
		const after = await page.locator("[data-dms-stage]").getAttribute("data-dms-stage");
		check(after === "partly_received", t(`short receipt: order partly received (${after})`));
		check(body.includes("Short receipt: One carton crushed"), t("timeline shows the shortage reason"));
		check(await page.locator(`[data-dms-receipt="${transit.dispatch}"] tr[data-item="${transit.item}"][data-pending="1.0"]`).count() === 1, t("the missing unit is still in transit"));
	} else {
		await Promise.all([page.waitForEvent("load", { timeout: 30000 }), form.locator("[data-dms-confirm]").click()]);
		await shot("receipt-done");
		const after = await page.locator("[data-dms-stage]").getAttribute("data-dms-stage");
		check(after === "received", t(`full receipt: order received (${after})`));
		check((await page.locator('[data-dms-receipt="' + transit.dispatch + '"]').count()) === 0, t("no receipt form left"));
		check((await page.locator('[data-event="received"]').count()) === 1, t("timeline shows the receipt"));
	}
	await noSideways(page, t("order after receipt"));
}
