// Retailers' orders, end to end (dms_app.tests.browser_fixture._retail_setup): the retailer logs in to the
// store (/shop), orders the walk's item with its scheme (a bag free for 10), sees the priced cart (the
// free goods and the total the invoice will charge) and places the order; distributor A's user opens
// it under /dms/retail-orders, accepts 10 of the 12 and invoices it; the retailer's orders page then
// says Delivered. Ends logged in as distributor A again, as the walks after it expect.
import path from "node:path";

const money = (s) => parseFloat(String(s).replace(/[^0-9.-]/g, ""));

export async function walk(ctx) {
	const { page, base, fixture, shots, size, t, check, text, open, noSideways } = ctx;
	const r = fixture.retail;
	const shot = (name) => page.screenshot({ path: path.join(shots, `${size}-${name}.png`), fullPage: true });

	async function login(user, target) {
		await page.goto(base + "/?cmd=web_logout", { waitUntil: "load" });
		await page.goto(`${base}/login?redirect-to=${encodeURIComponent(target)}`, { waitUntil: "load" });
		await page.fill("#login_email", user);
		await page.fill("#login_password", fixture.password);
		await Promise.all([
			page.waitForURL((url) => url.pathname === target.split("?")[0], { timeout: 30000 }),
			page.locator(".btn-login").first().click(),
		]);
		await page.waitForLoadState("load");
	}

	// distributor A's user is no retailer: the store refuses it
	let response = await open(page, "/shop", "retail-shop-refused", size);
	check(response.status() === 403 && (await page.locator("[data-dms-error]").count()) === 1, t(`store refuses A's user (${response.status()})`));

	// 1. the retailer orders from the store
	await login(r.user, "/shop");
	response = await open(page, `/shop?q=${encodeURIComponent(r.item)}`, "retail-shop", size);
	check(response.status() === 200, t("store answers 200"));
	const card = page.locator(`[data-dms-shop-catalogue] [data-item="${r.item}"]`);
	check((await card.count()) === 1, t(`store lists ${r.item}`));
	check((await text(page)).includes(r.customer_name), t("store names the retailer"));
	await noSideways(page, t("store"));
	await card.locator("[data-dms-qty]").fill(String(r.qty));
	const part = page.locator("[data-dms-quote-part]").first();
	await part.waitFor({ timeout: 30000 });
	const rate = r.price;
	const expected = rate * r.qty;
	const shown = money(await part.locator("[data-part-total]").innerText());
	check(Math.abs(shown - expected) < 0.01, t(`the cart is priced (${shown} = ${r.qty} × ${rate})`));
	const free = part.locator(`tr[data-free][data-item="${r.free_item}"]`);
	check((await free.count()) === 1 && (await free.innerText()).includes("Free"), t(`the cart shows the scheme's free ${r.free_item}`));
	check((await part.innerText()).includes(fixture.a.distributor_name), t("the cart names distributor A"));
	await shot("retail-shop-cart");
	await noSideways(page, t("store with the priced cart"));
	await Promise.all([page.waitForURL((url) => url.pathname === "/shop/orders", { timeout: 30000 }), page.locator("[data-dms-place]").click()]);
	await page.waitForLoadState("load");
	await shot("retail-placed");
	check((await page.locator("[data-dms-placed]").count()) === 1, t("the store thanks for the order"));
	const placed = page.locator(".dms-shop-order").first();
	const order = await placed.getAttribute("data-order");
	check((await placed.getAttribute("data-status")) === "Placed", t(`order ${order} is Placed`));
	await noSideways(page, t("retailer's orders"));

	// 2. distributor A accepts 10 of the 12 and invoices them; the stock leaves A's own warehouse
	await login(fixture.a.user, "/dms/inventory?q=" + encodeURIComponent(r.item));
	const stockOf = async () =>
		money(await page.locator(`[data-dms-stock] tr[data-item="${r.item}"][data-warehouse="${fixture.a.warehouse}"] td.num`).first().innerText());
	const before = await stockOf();
	await page.goto(base + "/dms/retail-orders", { waitUntil: "load" });
	await shot("retail-orders");
	const row = page.locator(`[data-dms-retail-orders] tr[data-order="${order}"]`);
	check((await row.count()) === 1 && (await row.getAttribute("data-status")) === "Placed", t(`A lists ${order} as Placed`));
	await noSideways(page, t("retail orders"));
	await Promise.all([page.waitForURL(/\/dms\/retail-orders\/view\?name=/), row.locator("a").first().click()]);
	await page.waitForLoadState("load");
	check((await text(page)).includes(r.customer_name), t("the order names the retailer"));
	await page.locator(`[data-dms-retail-items] tr[data-item="${r.item}"] [data-serve]`).fill(String(r.serve));
	await shot("retail-order-accept");
	await noSideways(page, t("retail order"));
	await page.locator("[data-dms-accept]").click();
	await page.waitForSelector('[data-dms-retail-status="Accepted"]', { timeout: 30000 });
	const total = money(await page.locator("[data-dms-total]").innerText());
	check(Math.abs(total - rate * r.serve) < 0.01, t(`accepted for ${r.serve}, re-priced to ${total}`));
	check((await page.locator(`[data-dms-retail-items] tr[data-free][data-item="${r.free_item}"]`).count()) === 1, t("the scheme still gives the free bag for the 10 served"));
	await page.locator("[data-dms-invoice]").click();
	await page.waitForSelector('[data-dms-retail-status="Delivered"]', { timeout: 30000 });
	await shot("retail-order-invoiced");
	const invoices = await page.locator("[data-dms-invoices] li").allInnerTexts();
	check(invoices.length === 1 && Math.abs(money(invoices[0].split("·").pop()) - total) < 0.01, t(`one invoice of ${total} (${invoices})`));
	await noSideways(page, t("invoiced retail order"));
	await page.goto(base + "/dms/inventory?q=" + encodeURIComponent(r.item), { waitUntil: "load" });
	const after = await stockOf();
	check(Math.abs(before - r.serve - after) < 0.001, t(`${r.item} left A's warehouse (${before} - ${r.serve} = ${after})`));

	// 3. the retailer sees it delivered
	await login(r.user, "/shop/orders");
	await shot("retail-delivered");
	const seen = page.locator(`.dms-shop-order[data-order="${order}"]`);
	check((await seen.getAttribute("data-status")) === "Delivered" && (await seen.innerText()).includes("Delivered"), t(`the retailer sees ${order} Delivered`));
	await noSideways(page, t("retailer's orders, delivered"));

	await login(fixture.a.user, "/dms");
}
