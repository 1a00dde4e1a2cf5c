// Browser smoke test of the distributor portal; run by scripts/portal-browser, which serves the site,
// makes the demo data (dms_app.tests.browser_fixture) and passes it in DMS_PORTAL_FIXTURE.
// playwright-core (version pinned in scripts/portal-browser) drives Debian's chromium, headless.
// Pages added later bring their own walk in scripts/portal_browser/<area>.mjs (export async function
// walk(ctx)); each runs, in name order, after the core walk below, logged in as distributor A.
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "package.json"));
const { chromium } = require("playwright-core");

const base = process.env.DMS_PORTAL_URL;
const fixture = JSON.parse(process.env.DMS_PORTAL_FIXTURE);
const shots = process.env.DMS_PORTAL_SHOTS || "/tmp/dms-portal-shots";
const [SOAP, TEA, OIL] = fixture.items;
const { a, b } = fixture;
const VIEWPORTS = {
	desktop: { viewport: { width: 1280, height: 900 } },
	phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

let failures = 0;
function check(ok, what) {
	console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
	if (!ok) failures++;
}

async function text(page) {
	return page.locator("body").innerText();
}

async function noSideways(page, label) {
	// against the screen's width: a phone browser widens its layout to fit content that overflows
	const width = page.viewportSize().width;
	const scroll = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, window.innerWidth));
	check(scroll <= width + 1, `${label}: no sideways scrolling of the page (${scroll} <= ${width})`);
}

async function open(page, url, label, size) {
	const response = await page.goto(base + url, { waitUntil: "load" });
	await page.screenshot({ path: path.join(shots, `${size}-${label}.png`), fullPage: true });
	return response;
}

async function walk(browser, size) {
	const context = await browser.newContext(VIEWPORTS[size]);
	const page = await context.newPage();
	const t = (s) => `${size} ${s}`;

	// a Guest is sent to the login page, and comes back to the portal after logging in
	await page.goto(base + "/dms/orders", { waitUntil: "load" });
	check(page.url().includes("/login?redirect-to=%2Fdms%2Forders"), t(`guest redirected to login (${page.url()})`));
	await page.screenshot({ path: path.join(shots, `${size}-login.png`), fullPage: true });
	await page.fill("#login_email", a.user);
	await page.fill("#login_password", fixture.password);
	await Promise.all([
		page.waitForURL((url) => url.pathname === "/dms/orders", { timeout: 30000 }),
		page.locator(".btn-login").first().click(),
	]);
	check(true, t("logged in and back on /dms/orders"));

	let response = await open(page, "/dms", "home", size);
	let body = await text(page);
	check(response.status() === 200, t("home answers 200"));
	check(body.includes(a.distributor_name), t("home names the distributor"));
	for (const label of ["Stock Value", "Sell-in", "Sell-out", "Orders Waiting", "Scheme Earnings"]) {
		check(body.toUpperCase().includes(label.toUpperCase()), t(`home shows ${label}`));
	}
	check(body.includes(SOAP), t("home lists the top SKU"));
	check(!body.includes(OIL) && !body.includes(b.distributor_name), t("home shows nothing of distributor B"));
	await noSideways(page, t("home"));

	response = await open(page, "/dms/inventory", "inventory", size);
	body = await text(page);
	check(response.status() === 200, t("inventory answers 200"));
	check(body.includes(SOAP) && body.includes(TEA), t("inventory lists own items"));
	check(body.includes("Expiry warning"), t("inventory warns of near expiry"));
	check(!body.includes(OIL), t("inventory shows nothing of distributor B"));
	await noSideways(page, t("inventory"));
	// the search narrows the lines; another distributor's item finds nothing
	await page.fill("[data-dms-search]", TEA);
	await Promise.all([page.waitForURL((url) => url.searchParams.get("q") === TEA), page.press("[data-dms-search]", "Enter")]);
	const searched = await page.locator("[data-dms-stock] tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.item));
	check(searched.length > 0 && searched.every((item) => item === TEA), t(`inventory search finds ${TEA} only (${searched})`));
	await page.screenshot({ path: path.join(shots, `${size}-inventory-search.png`), fullPage: true });
	await page.goto(`${base}/dms/inventory?q=${encodeURIComponent(OIL)}`, { waitUntil: "load" });
	check((await page.locator("[data-dms-empty]").count()) === 1, t("inventory search for B's item finds nothing"));
	await page.goto(base + "/dms/inventory", { waitUntil: "load" });

	const exportUrl = await page.locator("[data-dms-export]").getAttribute("href");
	let csv = await context.request.get(base + exportUrl);
	let csvText = await csv.text();
	check(
		csv.status() === 200 && csv.headers()["content-type"].startsWith("text/csv"),
		t(`CSV export answers ${csv.status()} ${csv.headers()["content-type"]}`),
	);
	check(csvText.includes(SOAP) && !csvText.includes(OIL), t("CSV holds own stock only"));
	csv = await context.request.get(`${base}${exportUrl}?distributor=${encodeURIComponent(b.distributor)}`);
	check(csv.status() === 403 && !(await csv.text()).includes(OIL), t(`CSV of distributor B refused (${csv.status()})`));

	response = await open(page, "/dms/orders", "orders", size);
	body = await text(page);
	check(response.status() === 200, t("orders answers 200"));
	check(body.includes(a.approved_order) && body.includes(a.draft_order), t("orders lists own orders"));
	check(!body.includes(b.draft_order), t("orders shows nothing of distributor B"));
	await noSideways(page, t("orders"));

	await page.locator(`a:has-text("${a.approved_order}")`).first().click();
	await page.waitForLoadState("load");
	await page.screenshot({ path: path.join(shots, `${size}-order.png`), fullPage: true });
	body = await text(page);
	check(page.url().includes("/dms/orders/view?name="), t("order link opens the order"));
	check(body.includes("Timeline") && body.includes(a.dispatch), t("order shows its timeline with the dispatch"));
	check(/Received \(/.test(body), t("timeline shows the receipt"));
	await noSideways(page, t("order"));

	response = await open(page, `/dms/orders/view?name=${encodeURIComponent(b.draft_order)}`, "foreign-order", size);
	body = await text(page);
	check(response.status() === 404 && body.includes("Order Not Found"), t(`B's order refused (${response.status()})`));
	check(!body.includes(OIL), t("B's order shows nothing of it"));

	response = await open(page, `/dms?distributor=${encodeURIComponent(b.distributor)}`, "foreign-distributor", size);
	body = await text(page);
	check(response.status() === 403 && !body.includes(OIL), t(`?distributor=B refused (${response.status()})`));

	const ctx = { page, context, base, fixture, shots, size, t, check, text, open, noSideways };
	for (const area of areas) await area.walk(ctx);

	// the portal's own header logs out; the portal then asks to log in again
	await page.goto(base + "/dms", { waitUntil: "load" });
	await Promise.all([page.waitForLoadState("load"), page.locator("header.dms-top a.out").click()]);
	await page.goto(base + "/dms/inventory", { waitUntil: "load" });
	check(page.url().includes("/login?redirect-to="), t(`logged out: the portal asks to log in (${page.url()})`));
	await context.close();
}

const areaDir = path.join(here, "portal_browser");
const areas = [];
for (const file of readdirSync(areaDir, { withFileTypes: true }).map((f) => f.name).filter((f) => f.endsWith(".mjs")).sort()) {
	areas.push(await import(pathToFileURL(path.join(areaDir, file)).href));
}

const started = Date.now();
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update"],
});
try {
	for (const size of Object.keys(VIEWPORTS)) await walk(browser, size);
} finally {
	await browser.close();
}
console.log(`${failures ? "FAILED" : "passed"}: screenshots in ${shots} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failures ? 1 : 0);
