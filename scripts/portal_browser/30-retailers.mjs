// Retailers walk: the list shows A's retailers only; add a retailer (a bad mobile number is refused in the
// page first), edit it, find it in the list; B's retailer by URL is not found.
import path from "node:path";

export async function walk(ctx) {
	const { page, fixture, shots, size, t, check, text, open, noSideways } = ctx;
	const prefix = fixture.items[0].split("-")[0];
	const shot = (label) => page.screenshot({ path: path.join(shots, `${size}-${label}.png`), fullPage: true });

	let response = await open(page, "/dms/retailers", "retailers", size);
	let body = await text(page);
	check(response.status() === 200, t("retailers answers 200"));
	check(body.includes(`${prefix} A Corner Store`), t("retailers lists A's retailer"));
	check(!body.includes(`${prefix} B Corner Store`), t("retailers shows nothing of distributor B"));
	// A sold to its corner store this month (the fixture's 3 SOAP, and whatever the sales walk added)
	const sales = await page.locator(`tr:has-text("${prefix} A Corner Store") [data-sales]`).innerText();
	check(/[1-9]/.test(sales), t(`retailers shows A's sales this month (${sales.trim()})`));
	await noSideways(page, t("retailers"));

	// add: a bad mobile number is refused in the page, then the retailer is saved
	const name = `${prefix} Walk Shop ${size}`;
	const mobile = size === "desktop" ? "98200 10001" : "98200 10002";
	await page.locator("[data-dms-add-retailer]").click();
	await page.waitForLoadState("load");
	check(page.url().includes("/dms/retailers/edit"), t("Add Retailer opens the form"));
	await page.fill('input[name="customer_name"]', name);
	await page.fill('input[name="mobile_no"]', "12");
	await page.fill('input[name="address_line1"]', "7 Station Road");
	await page.fill('input[name="city"]', "Nashik");
	await page.locator("[data-dms-save]").click();
	const error = page.locator("[data-dms-form-error]");
	await error.waitFor({ state: "visible", timeout: 15000 });
	check((await error.innerText()).includes("digits"), t("a bad mobile number is refused in the page"));
	await shot("retailer-refused");
	await noSideways(page, t("retailer form"));
	await page.fill('input[name="mobile_no"]', mobile);
	await page.selectOption('select[name="outlet_type"]', "General Trade");
	await Promise.all([
		page.waitForURL((url) => url.pathname === "/dms/retailers" && url.searchParams.has("saved"), { timeout: 30000 }),
		page.locator("[data-dms-save]").click(),
	]);
	body = await text(page);
	check(body.includes(name) && body.includes("saved"), t("the new retailer is saved and listed"));
	check(body.includes(mobile.replace(/\s/g, "")), t("the list shows its mobile number"));

	// edit it
	await page.locator(`tr:has-text("${name}") [data-dms-edit]`).click();
	await page.waitForLoadState("load");
	check((await page.inputValue('input[name="city"]')) === "Nashik", t("the form shows the saved address"));
	await page.fill('input[name="beat"]', `Walk Beat ${size}`);
	await shot("retailer-edit");
	await Promise.all([
		page.waitForURL((url) => url.pathname === "/dms/retailers" && url.searchParams.has("saved"), { timeout: 30000 }),
		page.locator("[data-dms-save]").click(),
	]);
	body = await text(page);
	check(body.includes(`Walk Beat ${size}`), t("the edited retailer shows its new beat in the list"));
	await page.screenshot({ path: path.join(shots, `${size}-retailers-after.png`), fullPage: true });
	await noSideways(page, t("retailers after edit"));

	// the same mobile number again is a duplicate
	await open(page, "/dms/retailers/edit", "retailer-new", size);
	await page.fill('input[name="customer_name"]', `${name} Copy`);
	await page.fill('input[name="mobile_no"]', mobile);
	await page.locator("[data-dms-save]").click();
	await error.waitFor({ state: "visible", timeout: 15000 });
	check((await error.innerText()).includes("already used by your retailer"), t("a duplicate mobile number is refused"));

	// B's retailer by URL
	response = await open(page, `/dms/retailers/edit?name=${encodeURIComponent(`${prefix} B Corner Store`)}`, "foreign-retailer", size);
	body = await text(page);
	check(response.status() === 404 && body.includes("Retailer Not Found"), t(`B's retailer refused (${response.status()})`));
}
