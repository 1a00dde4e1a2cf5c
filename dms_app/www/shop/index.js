// /shop: the retailer's cart, kept in localStorage (per customer) across searches and pages; every change
// is priced by dms_app.portal.store.quote (per distributor, with the schemes' free goods and discounts,
// exactly as the invoices will charge) and shown under the cart; Place Order posts the cart to
// dms_app.portal.store.place_order and opens the retailer's orders.
(function () {
	const cartEl = document.querySelector("[data-dms-shop-cart]");
	if (!cartEl) return;
	const labels = JSON.parse(document.querySelector("[data-dms-labels]").textContent);
	const key = "dms-shop-cart:" + cartEl.dataset.customer;
	const esc = dmsPortal.esc;
	const nfQty = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });
	const error = cartEl.querySelector("[data-cart-error]");
	const status = cartEl.querySelector("[data-cart-status]");
	const quoteBox = cartEl.querySelector("[data-dms-quote]");
	const place = cartEl.querySelector("[data-dms-place]");

	function load() {
		try {
			const saved = JSON.parse(localStorage.getItem(key));
			return saved && typeof saved === "object" ? saved : {};
		} catch (e) {
			return {};
		}
	}
	let cart = load();
	const save = () => localStorage.setItem(key, JSON.stringify(cart));
	let quoted = null; // the last answer of quote, for the cart as it was sent
	let asked = 0;

	function setQty(card, qty, typed) {
		const code = card.dataset.item;
		if (qty > 0) cart[code] = { qty, name: card.dataset.name, uom: card.dataset.uom };
		else delete cart[code];
		const input = card.querySelector("[data-dms-qty]");
		if (!typed) input.value = qty > 0 ? qty : "";
		card.classList.toggle("in-cart", qty > 0);
	}
	function cardOf(code) {
		return document.querySelector(`[data-dms-shop-catalogue] [data-item="${CSS.escape(code)}"]`);
	}

	let timer = null;
	function changed() {
		save();
		quoted = null;
		renderBar();
		clearTimeout(timer);
		timer = setTimeout(price, 350);
	}

	function renderBar() {
		const codes = Object.keys(cart);
		cartEl.querySelector("[data-cart-count]").textContent = codes.length;
		cartEl.querySelector("[data-cart-unit]").textContent = codes.length === 1 ? labels.oneItem : labels.items;
		cartEl.querySelector("[data-cart-total]").textContent = quoted ? quoted.fmt_grand_total : "";
		cartEl.querySelector("[data-dms-clear]").hidden = !codes.length;
		place.disabled = !codes.length || !quoted;
		if (!codes.length) {
			quoteBox.hidden = true;
			quoteBox.replaceChildren();
			status.textContent = "";
			dmsPortal.show(error, []);
		}
	}

	function lines() {
		return Object.entries(cart).map(([item_code, line]) => ({ item_code, qty: line.qty }));
	}

	async function price() {
		const sent = lines();
		if (!sent.length) return;
		const ticket = ++asked;
		status.textContent = labels.pricing;
		try {
			const answer = await dmsPortal.call("dms_app.portal.store.quote", { lines: sent }, { failed: labels.quoteFailed });
			if (ticket !== asked) return;
			quoted = answer;
			dmsPortal.show(error, []);
			renderQuote(answer);
		} catch (texts) {
			if (ticket !== asked) return;
			quoted = null;
			quoteBox.hidden = true;
			dmsPortal.show(error, texts.length ? texts : [labels.quoteFailed]);
		}
		status.textContent = "";
		renderBar();
	}

	function renderQuote(answer) {
		const parts = answer.orders.map((part) => {
			const title = part.distributor ? labels.from.replace("{0}", esc(part.distributor_name)) : esc(labels.unroutedTitle);
			const rows = part.lines
				.map(
					(l) => `<tr data-item="${esc(l.item_code)}"${l.free ? ' data-free="1"' : ""}>
						<td>${esc(l.item_name || l.item_code)}${l.free ? ` <span class="dms-shop-pill green">${esc(labels.free)}</span>` : ""}
							${l.free ? "" : `<br><button type="button" class="dms-shop-link small" data-remove="${esc(l.item_code)}">${esc(labels.remove)}</button>`}</td>
						<td class="num">${esc(nfQty.format(l.qty))}</td>
						<td class="num" data-rate>${l.price_list_rate && l.price_list_rate > l.rate + 0.005 && !l.free ? `<s class="text-muted">${esc(l.fmt_price_list_rate)}</s><br>` : ""}${esc(l.fmt_rate)}</td>
						<td class="num">${esc(l.fmt_amount)}</td></tr>`,
				)
				.join("");
			const note = part.distributor ? "" : `<div class="dms-shop-alert" style="margin:6px 0">${esc(labels.unrouted)}</div>`;
			const scheme = part.scheme_discount ? `<span data-scheme-discount>${esc(labels.schemeDiscount)}: <b>${esc(part.fmt_scheme_discount)}</b></span>` : "";
			const discount = part.discount_amount ? `<span>${esc(labels.discount)}: <b>${esc(part.fmt_discount_amount)}</b></span>` : "";
			return `<div class="dms-shop-part" data-dms-quote-part="${esc(part.distributor || "")}">
				<div class="head">${title}</div>${note}
				<table class="dms-shop-table"><thead><tr><th>${esc(labels.item)}</th><th class="num">${esc(labels.qty)}</th><th class="num">${esc(labels.rate)}</th><th class="num">${esc(labels.amount)}</th></tr></thead><tbody>${rows}</tbody></table>
				<div class="foot">${scheme}${discount}<span>${esc(labels.total)}: <b data-part-total>${esc(part.fmt_grand_total)}</b></span></div>
			</div>`;
		});
		const total = answer.orders.length > 1 ? `<div class="dms-shop-part foot" style="text-align:right">${esc(labels.orderTotal)}: <b data-quote-total>${esc(answer.fmt_grand_total)}</b></div>` : "";
		quoteBox.innerHTML = parts.join("") + total;
		quoteBox.hidden = false;
		quoteBox.querySelectorAll("[data-remove]").forEach((button) =>
			button.addEventListener("click", () => {
				const code = button.dataset.remove;
				delete cart[code];
				const card = cardOf(code);
				if (card) setQty(card, 0);
				changed();
			}),
		);
	}

	document.querySelectorAll("[data-dms-shop-catalogue] [data-item]").forEach((card) => {
		const input = card.querySelector("[data-dms-qty]");
		const line = cart[card.dataset.item];
		if (line) setQty(card, line.qty);
		input.addEventListener("input", () => {
			const qty = parseFloat(input.value);
			setQty(card, Number.isFinite(qty) && qty > 0 ? qty : 0, true);
			changed();
		});
		card.querySelectorAll("[data-step]").forEach((button) =>
			button.addEventListener("click", () => {
				const now = parseFloat(input.value) || 0;
				setQty(card, Math.max(0, now + parseInt(button.dataset.step, 10)));
				changed();
			}),
		);
	});
	cartEl.querySelector("[data-dms-clear]").addEventListener("click", () => {
		cart = {};
		document.querySelectorAll("[data-dms-shop-catalogue] [data-item]").forEach((card) => setQty(card, 0));
		changed();
	});

	place.addEventListener("click", async () => {
		dmsPortal.show(error, []);
		place.disabled = true;
		place.textContent = labels.placing;
		try {
			const answer = await dmsPortal.call("dms_app.portal.store.place_order", { lines: lines() }, { failed: labels.failed });
			cart = {};
			save();
			window.location.href = answer.url;
			return;
		} catch (texts) {
			dmsPortal.show(error, texts.length ? texts : [labels.failed]);
			error.scrollIntoView({ block: "nearest" });
		}
		place.textContent = labels.place;
		renderBar();
	});

	renderBar();
	if (Object.keys(cart).length) price();
})();
