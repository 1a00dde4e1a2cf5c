// Escaping walk: markup in the database and in the URL is shown as text and never runs. Logged in as
// distributor E (dms_app.tests.browser_fixture_escaping), whose own name, retailer and item carry
// `<img src=x onerror=alert(1)>"><script>alert(2)</script>`, it opens every page that shows them, uses the
// scripts that build rows from the server's answers (item search and preview of a new invoice, the
// place-order cart, upload results) and pages that echo the query string. Any dialog (an alert that
// ran) fails the walk, and so does an element the markup made (an img with src x, a script alert(2)).
import path from "node:path";

export async function walk(ctx) {
	const { page: pageA, fixture, shots, size, t, check, text, open, noSideways } = ctx;
	const e = fixture.escaping;
	if (!e) {
		check(false, t("the fixture has distributor E (browser_fixture_escaping)"));
		return;
	}
	const mark = e.mark;
	const browser = pageA.context().browser();
	const phone = size === "phone";
	const context = await browser.newContext({
		viewport: pageA.viewportSize(),
		isMobile: phone,
		hasTouch: phone,
		deviceScaleFactor: phone ? 2 : 1,
	});
	const page = await context.newPage();
	const dialogs = [];
	page.on("dialog", (dialog) => {
		dialogs.push(`${page.url()}: ${dialog.message()}`);
		dialog.dismiss().catch(() => {});
	});
	const shot = (label) => page.screenshot({ path: path.join(shots, `${size}-escaping-${label}.png`), fullPage: true });
	// elements the markup would make if it were parsed as markup
	const injected = () =>
		page.evaluate(
			() =>
				document.querySelectorAll('img[src="x"]').length +
				[...document.scripts].filter((s) => /^alert\(\d\)$/.test(s.textContent.trim())).length,
		);
	const clean = async (label) => {
		const n = await injected();
		check(n === 0, t(`${label}: the markup made no element (${n})`));
	};

	try {
		await page.goto(ctx.base + "/login", { waitUntil: "load" });
		await page.fill("#login_email", e.user);
		await page.fill("#login_password", fixture.password);
		await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login"), { timeout: 30000 }), page.locator(".btn-login").first().click()]);

		// the database's names, on the server-rendered pages
		const pages = [
			["/dms", "home", [e.distributor_name, e.item_name]],
			["/dms/inventory", "inventory", [e.item_name]],
			["/dms/retailers", "retailers", [e.retailer_name]],
			[`/dms/retailers/edit?name=${encodeURIComponent(e.retailer)}`, "retailer-edit", []],
			["/dms/sales", "sales", [e.retailer_name]],
			[`/dms/sales/view?name=${encodeURIComponent(e.invoice)}`, "sales-view", [e.retailer_name, e.item_name]],
			["/dms/schemes", "schemes", []],
			["/dms/claims", "claims", []],
			["/dms/orders", "orders", []],
		];
		for (const [url, label, shown] of pages) {
			const response = await open(page, url, `escaping-${label}`, size);
			const body = await text(page);
			check(response.status() === 200, t(`escaping ${label} answers 200`));
			check(body.includes(e.distributor_name), t(`escaping ${label}: the distributor's name reads as typed`));
			for (const value of shown) check(body.includes(value), t(`escaping ${label}: shows ${JSON.stringify(value.slice(0, 30))}… as text`));
			await clean(`escaping ${label}`);
		}
		await open(page, `/dms/retailers/edit?name=${encodeURIComponent(e.retailer)}`, "escaping-retailer-edit", size);
		check((await page.locator('input[name="customer_name"]').inputValue()) === e.retailer_name, t("escaping retailer form holds the name as typed"));
		const title = await page.evaluate(() => document.title);
		check(title.includes(e.retailer_name), t(`escaping retailer page title is the name as text (${title.slice(0, 40)})`));
		await open(page, "/dms", "escaping-home", size);
		await noSideways(page, t("escaping home"));

		// a new invoice: the item search and the preview build their rows from the server's answers
		await open(page, "/dms/sales/new", "escaping-sales-new", size);
		await page.selectOption("[data-dms-retailer]", e.retailer);
		check((await page.locator("[data-dms-retailer] option:checked").innerText()).includes(e.retailer_name), t("escaping new invoice: the retailer's name in the list as text"));
		await page.fill("[data-dms-item-search]", e.item);
		const pick = page.locator(`[data-dms-suggestions] button:has-text("${e.item}")`);
		await pick.waitFor({ state: "visible", timeout: 15000 });
		check((await page.locator("[data-dms-suggestions]").innerText()).includes(e.item_name), t("escaping item search shows the item's name as text"));
		await clean("escaping item search");
		await pick.click();
		const lines = page.locator("[data-dms-preview-lines]");
		await lines.waitFor({ state: "visible", timeout: 20000 });
		// the preview names the item as the invoice it builds does: Frappe cleans markup out of the row's copy
		// of the name when it validates the invoice (an <img src="x"> is left, shown here as text)
		check((await lines.innerText()).includes("PB Esc Item <img"), t("escaping preview shows the item's name as text"));
		check((await page.locator("[data-dms-lines]").innerText()).includes(e.item_name), t("escaping invoice lines show the item's name as text"));
		await clean("escaping preview");
		await shot("sales-new-preview");

		// place order: the catalogue, and the cart the script builds
		await open(page, "/dms/orders/new", "escaping-place-order", size);
		const row = page.locator(`[data-dms-catalogue] tr[data-item="${e.item}"]`);
		check((await row.count()) === 1, t("escaping catalogue lists E's item"));
		if (await row.count()) {
			check((await row.innerText()).includes(e.item_name), t("escaping catalogue shows the item's name as text"));
			await row.locator("[data-dms-qty]").fill("2");
			await page.locator("[data-cart-details]").evaluate((details) => (details.open = true));
			const cart = page.locator("[data-cart-lines] tbody");
			await page.waitForFunction(() => document.querySelectorAll("[data-cart-lines] tbody tr").length > 0, null, { timeout: 10000 });
			check((await cart.innerText()).includes(e.item_name), t("escaping cart shows the item's name as text"));
			await row.locator("[data-dms-qty]").fill("");
		}
		await clean("escaping place order");
		await shot("place-order-cart");

		// an upload whose rows quote markup: the results table is built by the page's script
		await open(page, "/dms/sales/upload", "escaping-upload", size);
		const ref = `ESC-${size}-${mark}`;
		const csv = `external_ref,posting_date,retailer_name,item_code,qty\n"${ref.replaceAll('"', '""')}",2026-01-01,"${mark.replaceAll('"', '""')}","${mark.replaceAll('"', '""')}",1\n`;
		await page.setInputFiles("[data-dms-file]", { name: "escaping.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
		await page.locator("[data-dms-upload]").click();
		const results = page.locator("[data-dms-upload-results]");
		await results.waitFor({ state: "visible", timeout: 30000 });
		check((await results.innerText()).includes(ref), t("escaping upload results show the file's reference as text"));
		await clean("escaping upload results");
		await shot("upload-results");

		// the query string, echoed back
		for (const [url, label] of [
			[`/dms/retailers?q=${encodeURIComponent(mark)}`, "retailers-q"],
			[`/dms/retailers?saved=${encodeURIComponent(mark)}`, "retailers-saved"],
			[`/dms/orders/new?q=${encodeURIComponent(mark)}`, "place-order-q"],
			[`/dms/claims?filed=${encodeURIComponent(mark)}`, "claims-filed"],
			[`/dms/sales/view?name=${encodeURIComponent(mark)}`, "sales-view-name"],
		]) {
			await open(page, url, `escaping-${label}`, size);
			check((await text(page)).includes(mark), t(`escaping ${label}: the query reads as typed`));
			await clean(`escaping ${label}`);
		}
	} finally {
		check(dialogs.length === 0, t(`escaping: no script ran (${dialogs.length} dialogs${dialogs.length ? ": " + dialogs.slice(0, 3).join(" | ") : ""})`));
		await context.close();
	}
}
