// Schemes and claims walk: the walk's scheme and its utilization on /dms/schemes; filing a claim for the
// unclaimed benefits (the first screen size files it, the second is told there is nothing left), the
// claim pending approval in the list and on its page; a claim that is not A's is not found.
import path from "node:path";

export async function walk(ctx) {
	const { page, fixture, shots, size, t, check, text, open, noSideways } = ctx;
	const scheme = fixture.schemes;
	const shot = (label) => page.screenshot({ path: path.join(shots, `${size}-${label}.png`), fullPage: true });

	let response = await open(page, "/dms/schemes", "schemes", size);
	let body = await text(page);
	check(response.status() === 200, t("schemes answers 200"));
	check(body.includes(scheme.scheme_name), t("schemes shows the walk's scheme"));
	check(body.includes("off per unit"), t("schemes shows the terms in plain words"));
	check((await page.locator(`[data-utilization="${scheme.scheme}"]`).count()) === 1, t("schemes shows its utilization"));
	await noSideways(page, t("schemes"));

	response = await open(page, "/dms/claims", "claims", size);
	check(response.status() === 200, t("claims answers 200"));
	await noSideways(page, t("claims"));
	const nothing = (await page.locator("[data-dms-nothing-to-claim]").count()) > 0;
	if (!nothing) {
		await page.selectOption('select[name="scheme"]', scheme.scheme);
		await Promise.all([
			page.waitForURL((url) => url.searchParams.has("filed"), { timeout: 30000 }),
			page.locator("[data-dms-file]").click(),
		]);
		body = await text(page);
		check(body.includes("sent for approval"), t("the claim is filed and sent for approval"));
		await shot("claims-filed");
	} else {
		await page.locator("[data-dms-file]").click();
		const error = page.locator("[data-dms-form-error]");
		await error.waitFor({ state: "visible", timeout: 15000 });
		check(/nothing to claim/i.test(await error.innerText()), t("filing again is refused: nothing to claim"));
		await shot("claims-nothing");
	}
	const row = page.locator("[data-dms-claims] tr[data-claim]").first();
	check((await row.innerText()).includes("Pending Approval"), t("the claim is listed as Pending Approval"));
	const claim = await row.getAttribute("data-claim");
	await row.locator("a").first().click();
	await page.waitForLoadState("load");
	await shot("claim");
	body = await text(page);
	check(page.url().includes("/dms/claims/view?name="), t("the claim link opens the claim"));
	check(body.includes("Pending Approval") && body.includes(scheme.scheme_name), t("the claim shows its state and scheme"));
	check((await page.locator("[data-dms-claim-lines] tr[data-line-voucher]").count()) === 2, t("the claim has the two unclaimed benefits"));
	await noSideways(page, t("claim"));

	response = await open(page, `/dms/claims/view?name=${encodeURIComponent(claim + "-X")}`, "foreign-claim", size);
	body = await text(page);
	check(response.status() === 404 && body.includes("Claim Not Found"), t(`a claim not A's is not found (${response.status()})`));
}
