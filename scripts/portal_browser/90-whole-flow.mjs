// The whole flow, once, at desktop size (issue #7, acceptance 1): distributor A places an order in the
// portal → the approver approves it level by level in the desk → dispatches it in the desk → A confirms
// the receipt in the portal → sells to its retailer with the fixture's free-goods scheme → sees its stock
// and its home KPIs move. Every page on the way is a screenshot (desktop-flow-*.png).
import path from "node:path";

const QTY = 7; // ordered and received
const SOLD = 5; // sold on: the fixture's scheme gives a cup free for 5 soap

export async function walk(ctx) {
	const { page, context, base, fixture, shots, size, t, check, text, open } = ctx;
	if (size !== "desktop") return;
	const [SOAP] = fixture.items;
	const shot = (p, name) => p.screenshot({ path: path.join(shots, `desktop-flow-${name}.png`), fullPage: true });
	const f = (s) => `flow: ${s}`;

	const onHand = async () => {
		await open(page, "/dms/inventory", "flow-inventory", size);
		const cells = await page.locator(`[data-dms-stock] tr[data-item="${SOAP}"] td.num`).allInnerTexts();
		return cells.length ? parseFloat(cells[0].replace(/,/g, "")) : 0;
	};
	const kpis = async (name) => {
		await open(page, "/dms", `flow-${name}`, size);
		const read = async (k) => (await page.locator(`[data-kpi="${k}"] .value`).innerText()).trim();
		return { waiting: parseInt(await read("orders_waiting"), 10), sellOut: await read("sell_out"), sellIn: await read("sell_in") };
	};
	const before = { stock: await onHand(), ...(await kpis("home-before")) };

	// 1. A places an order from the catalogue
	await open(page, `/dms/orders/new?q=${encodeURIComponent(SOAP)}`, "flow-place-order", size);
	const row = page.locator(`[data-dms-catalogue] tr[data-item="${SOAP}"]`);
	await row.locator("[data-dms-qty]").fill(String(QTY));
	await Promise.all([page.waitForURL(/\/dms\/orders\/view\?name=/, { timeout: 30000 }), page.locator("[data-dms-submit]").click()]);
	await page.waitForLoadState("load");
	await shot(page, "1-placed");
	const order = new URL(page.url()).searchParams.get("name");
	check((await page.locator("[data-dms-stage]").getAttribute("data-dms-stage")) === "pending", t(f(`order ${order} placed, awaiting approval`)));
	const waiting = (await kpis("home-waiting")).waiting;
	check(waiting === before.waiting + 1, t(f(`home counts one more order waiting (${before.waiting} → ${waiting})`)));

	// 2. the approver approves it in the desk, level by level, then dispatches it
	const desk = await context.browser().newContext({ viewport: { width: 1280, height: 900 } });
	try {
		const dp = await desk.newPage();
		await dp.goto(base + "/login", { waitUntil: "load" });
		await dp.fill("#login_email", fixture.approver);
		await dp.fill("#login_password", fixture.password);
		await Promise.all([dp.waitForURL(/\/app/, { timeout: 60000 }), dp.locator(".btn-login").first().click()]);
		const state = () => dp.locator(".page-head .indicator-pill").first().innerText();
		const act = async (doctype, name, action, label) => {
			await dp.goto(`${base}/app/${doctype}/${encodeURIComponent(name)}`, { waitUntil: "load" });
			await dp.locator(".page-head .indicator-pill").first().waitFor({ timeout: 60000 });
			const was = await state();
			await dp.locator(".page-actions .actions-btn-group > button:visible").first().click();
			await dp.locator(`.page-actions .actions-btn-group .dropdown-menu a:visible:has-text("${action}")`).first().click();
			await dp.waitForFunction((w) => document.querySelector(".page-head .indicator-pill")?.innerText !== w, was, { timeout: 60000 });
			await shot(dp, label);
			return state();
		};
		let now = "";
		for (let level = 1; level <= 5 && !/^Approved/.test(now); level++) {
			now = await act("material-request", order, /OEM/.test(now) ? "Confirm" : "Approve", `2-desk-approval-${level}`);
			check(true, t(f(`desk: ${order} → ${now}`)));
		}
		check(/^Approved/.test(now), t(f(`the order is approved in the desk (${now})`)));

		const found = await desk.request.get(`${base}/api/resource/Stock Entry`, {
			params: { filters: JSON.stringify([["Stock Entry Detail", "material_request", "=", order], ["docstatus", "=", 0]]) },
		});
		const dispatch = (await found.json()).data?.[0]?.name;
		check(Boolean(dispatch), t(f(`approval made the dispatch ${dispatch}`)));
		now = await act("stock-entry", dispatch, "Dispatch", "3-desk-dispatch");
		check(/Dispatched|In Transit|Submitted/.test(now), t(f(`desk: dispatch ${dispatch} → ${now}`)));
	} finally {
		await desk.close();
	}

	// 3. A sees it in transit and confirms the receipt in full
	await open(page, `/dms/orders/view?name=${encodeURIComponent(order)}`, "flow-in-transit", size);
	check((await page.locator("[data-dms-stage]").getAttribute("data-dms-stage")) === "in_transit", t(f("the portal shows the order in transit")));
	const form = page.locator("[data-dms-receipt]").first();
	await Promise.all([page.waitForEvent("load", { timeout: 30000 }), form.locator("[data-dms-confirm]").click()]);
	await shot(page, "4-received");
	check((await page.locator("[data-dms-stage]").getAttribute("data-dms-stage")) === "received", t(f("receipt confirmed: order received")));
	const received = await onHand();
	check(received === before.stock + QTY, t(f(`stock rose by the receipt (${before.stock} → ${received})`)));

	// 4. A sells to its retailer; the scheme gives a cup free
	await open(page, "/dms/sales/new", "flow-sale", size);
	await page.selectOption("[data-dms-retailer]", fixture.sales.retailer);
	await page.fill("[data-dms-item-search]", SOAP);
	await page.locator(`[data-dms-suggestions] button:has-text("${SOAP}")`).first().click();
	await page.locator('[data-dms-lines] [data-qty="0"]').fill(String(SOLD));
	await page.locator(`[data-dms-preview] tr[data-free-under="${fixture.sales.scheme}"]`).waitFor({ state: "visible", timeout: 30000 });
	await page.locator("[data-dms-busy]").waitFor({ state: "hidden", timeout: 20000 });
	await shot(page, "5-sale-preview");
	await Promise.all([page.waitForURL(/\/dms\/sales\/view\?name=/, { timeout: 60000 }), page.locator("[data-dms-submit]").click()]);
	await page.waitForLoadState("load");
	await shot(page, "6-sale");
	const body = await text(page);
	check(
		(await page.locator(`[data-dms-invoice-schemes] tr[data-scheme="${fixture.sales.scheme}"]`).count()) === 1 && body.includes(fixture.sales.free_item),
		t(f("the invoice carries the scheme and its free cup")),
	);

	// 5. stock falls by what was sold; the home KPIs moved
	const after = await onHand();
	check(after === received - SOLD, t(f(`stock fell by the sale (${received} → ${after})`)));
	const end = await kpis("home-after");
	await shot(page, "7-home");
	check(end.waiting === before.waiting, t(f(`no order waiting any more (${end.waiting})`)));
	check(end.sellOut !== before.sellOut, t(f(`sell-out moved (${before.sellOut} → ${end.sellOut})`)));
	check(end.sellIn !== before.sellIn, t(f(`sell-in moved (${before.sellIn} → ${end.sellIn})`)));
}
