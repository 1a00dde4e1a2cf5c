// The distributor's account (/dms/account) as distributor A: the credit position, the statement with
// the OEM's two invoices (dms_app.tests.browser_fixture._account_setup; one overdue) and their ageing,
// the CSV and PDF exports; then paying one invoice online through the loopback fake of Razorpay's
// Payment Links (desktop: the overdue one; phone: the other): the gateway's page, the signed callback,
// back on the account page with the payment recorded and the balance moved.
import path from "node:path";

const money = (s) => parseFloat(String(s).replace(/[^0-9.-]/g, ""));

export async function walk(ctx) {
	const { page, base, fixture, shots, size, t, check, text, open, noSideways } = ctx;
	const account = fixture.account;
	const shot = (name) => page.screenshot({ path: path.join(shots, `${size}-${name}.png`), fullPage: true });

	let response = await open(page, "/dms/account", "account", size);
	let body = await text(page);
	check(response.status() === 200, t("account answers 200"));
	check(body.includes("Opening Balance") && body.includes("Closing Balance"), t("account shows the statement"));
	check(!body.includes(fixture.b.distributor_name), t("account shows nothing of distributor B"));
	check((await page.locator('[data-credit="exposure"]').count()) === 1, t("account shows the exposure"));
	check((await page.locator('[data-bucket="0-30"]').count()) === 1, t("account shows the ageing"));
	await noSideways(page, t("account"));

	const csv = await page.request.get(base + (await page.locator("[data-dms-export]").getAttribute("href")));
	check(csv.status() === 200 && (await csv.text()).includes("Closing Balance"), t("statement CSV downloads"));
	const pdf = await page.request.get(base + (await page.locator("[data-dms-pdf]").getAttribute("href")));
	check(pdf.status() === 200 && (await pdf.body()).subarray(0, 4).toString() === "%PDF", t("statement PDF downloads"));

	if (!account.gateway) {
		check((await page.locator("[data-dms-no-payment]").count()) === 1, t("no online payment without the payments app"));
		return;
	}
	const number = size === "desktop" ? account.invoices[1].number : account.invoices[0].number;
	const row = page.locator("[data-dms-open-invoices] tr", { hasText: number });
	check((await row.count()) === 1, t(`invoice ${number} is open`));
	if (size === "desktop") check((await row.innerText()).includes("Overdue"), t(`${number} is marked overdue`));
	const amount = money(await row.locator("[data-amount]").inputValue());
	const before = money(await page.locator("[data-dms-closing]").innerText());
	await row.locator("[data-pick]").check();
	check((await page.locator("[data-dms-pay-button]").innerText()).includes(amount.toLocaleString(undefined, { minimumFractionDigits: 2 })), t("the button names the amount"));
	await shot("account-pay");

	// the gateway's page, then back to the portal through the signed callback
	await Promise.all([page.waitForURL((url) => url.port === String(account.gateway.port), { timeout: 30000 }), page.locator("[data-dms-pay-button]").click()]);
	await page.waitForLoadState("load");
	const asked = money(await page.locator("#amount").innerText());
	check(Math.abs(asked - amount) < 0.01, t(`the gateway asks for ${amount} (${asked})`));
	await shot("account-gateway");
	const gatewayPage = page.url();
	await Promise.all([page.waitForURL((url) => url.pathname === "/dms/account" && url.searchParams.get("payment"), { timeout: 30000 }), page.locator("#pay").click()]);
	await page.waitForLoadState("load");
	await shot("account-paid");
	body = await text(page);
	check((await page.locator('[data-dms-payment="Completed"]').count()) === 1, t("the payment is recorded"));
	check((await page.locator("[data-dms-open-invoices] tr", { hasText: number }).count()) === 0, t(`${number} is no longer open`));
	const after = money(await page.locator("[data-dms-closing]").innerText());
	check(Math.abs(before - amount - after) < 0.01, t(`the balance moved by the payment (${before} - ${amount} = ${after})`));

	// the gateway sends the payer back a second time (its redirect followed again): the same signed
	// callback records nothing more
	await page.goto(gatewayPage.replace("/i/", "/pay/"), { waitUntil: "load" });
	check(new URL(page.url()).pathname === "/dms/account", t(`back on the account page (${page.url()})`));
	check(Math.abs(money(await page.locator("[data-dms-closing]").innerText()) - after) < 0.01, t("a second callback records nothing more"));
	await noSideways(page, t("account after paying"));
}
