// /dms/beat: work today's outlets. Check in (with the phone's position when it gives one), then Take order
// (the priced cart: dms_app.portal.beat.quote as quantities change, book to place it) or No order with a
// reason. Each outlet's buttons follow its state (data-state: new, visited, ordered, no-order; beat.css).
(() => {
	const summary = document.querySelector("[data-beat]");
	if (!summary || summary.dataset.today !== "1") return;
	const M = "dms_app.portal.beat.";
	const labels = JSON.parse(document.querySelector("[data-beat-labels]").textContent);
	const marks = JSON.parse(document.querySelector("[data-beat-marks]").textContent);
	const beat = summary.dataset.beat;
	const distributor = summary.dataset.distributor || null;
	const cart = document.querySelector("[data-cart]");
	const noOrderForm = document.querySelector("[data-no-order-form]");
	const quoteBox = cart.querySelector("[data-quote]");
	const bookButton = cart.querySelector("[data-book]");
	const { call, show, esc } = dmsPortal;
	const fill = (text, ...values) => values.reduce((s, v, i) => s.replace(`{${i}}`, v), text);

	function setState(outlet, visit, statusText) {
		outlet.dataset.state = visit.state;
		outlet.dataset.visit = visit.name;
		const [label, colour] = marks[visit.state];
		const mark = outlet.querySelector("[data-mark]");
		mark.textContent = label;
		mark.className = `dms-pill ${colour}`;
		if (statusText !== undefined) outlet.querySelector("[data-status]").textContent = statusText;
		const all = [...document.querySelectorAll(".beat-outlet")];
		document.querySelector("[data-count-visited]").textContent = all.filter((o) => o.dataset.state !== "new").length;
		document.querySelector("[data-count-ordered]").textContent = all.filter((o) => o.dataset.state === "ordered").length;
	}

	function note(outlet, text) {
		const box = outlet.querySelector("[data-note]");
		box.textContent = text || "";
		box.hidden = !text;
	}

	function error(outlet, lines) {
		show(outlet.querySelector("[data-error]"), Array.isArray(lines) ? lines.filter(Boolean) : [labels.failed]);
	}

	// -- check in ---------------------------------------------------------------------------------------
	function position() {
		return new Promise((resolve) => {
			if (!navigator.geolocation) return resolve({ why: labels.unsupported });
			navigator.geolocation.getCurrentPosition(
				(p) => resolve({ coords: p.coords }),
				(e) => resolve({ why: e.code === 1 ? labels.denied : e.code === 3 ? labels.timeout : labels.unavailable }),
				{ enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
			);
		});
	}

	async function checkIn(outlet, button) {
		error(outlet, []);
		button.disabled = true;
		button.textContent = labels.locating;
		const where = await position();
		button.textContent = labels.checkingIn;
		const args = { beat, retailer: outlet.dataset.retailer };
		if (where.coords) Object.assign(args, { latitude: where.coords.latitude, longitude: where.coords.longitude, accuracy: where.coords.accuracy });
		try {
			const visit = await call(M + "check_in", args, { distributor, failed: labels.failed });
			let status = fill(labels.checkedIn, visit.checked_in_at);
			if (!visit.has_position) {
				// say why the phone gave none (for a second check-in the first one's position stands)
				status = visit.again ? `${status} · ${labels.noPositionShort}` : fill(labels.noPosition, visit.checked_in_at, where.why || labels.unavailable);
			}
			setState(outlet, visit, status);
			note(outlet, visit.again ? fill(labels.again, visit.checked_in_at) : "");
		} catch (lines) {
			error(outlet, lines);
		} finally {
			button.disabled = false;
			button.textContent = button.dataset.label;
		}
	}

	// -- panels: one outlet at a time --------------------------------------------------------------------
	let current = null;
	function open(panel, outlet) {
		closePanels();
		current = outlet;
		outlet.appendChild(panel);
		panel.hidden = false;
		panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
	}
	function closePanels() {
		cart.hidden = true;
		noOrderForm.hidden = true;
		current = null;
	}

	// -- the cart ----------------------------------------------------------------------------------------
	function lines() {
		return [...cart.querySelectorAll("[data-item]")]
			.map((row) => ({ item_code: row.dataset.item, qty: parseFloat(row.querySelector("[data-qty]").value) || 0 }))
			.filter((line) => line.qty > 0);
	}

	function resetCart() {
		cart.querySelectorAll("[data-qty]").forEach((input) => (input.value = ""));
		const search = cart.querySelector("[data-cart-search]");
		if (search) search.value = "";
		cart.querySelectorAll("[data-item]").forEach((row) => (row.hidden = false));
		quoteBox.hidden = false;
		quoteBox.textContent = labels.addItems;
		bookButton.disabled = true;
	}

	function renderQuote(result) {
		const parts = result.parts
			.map((part) => {
				const rows = part.lines
					.map((l) => `<tr><td>${esc(l.item_name || l.item_code)}${l.free ? ` <span class="dms-pill green">${esc(labels.free)}</span>` : ""}</td><td class="num">${esc(l.qty)}</td><td class="num">${esc(l.fmt_amount)}</td></tr>`)
					.join("");
				const head = part.served ? "" : `<div class="dms-alert red">${esc(part.distributor ? labels.notServed + " (" + part.distributor + ")" : labels.unrouted)}</div>`;
				const discount = part.scheme_discount || part.discount_amount ? `<tr><td colspan="2">${esc(labels.discount)}</td><td class="num">−${esc(part.fmt_discount)}</td></tr>` : "";
				return `${head}<table class="dms-table cart-lines" data-quote-part="${esc(part.distributor || "")}"><tbody>${rows}${discount}</tbody></table>`;
			})
			.join("");
		quoteBox.hidden = false;
		quoteBox.innerHTML = `${parts}<div class="cart-total">${esc(labels.total)} <b data-quote-total>${esc(result.fmt_total)}</b></div>`;
	}

	let asked = 0;
	let timer = null;
	function requote() {
		clearTimeout(timer);
		bookButton.disabled = true;
		const wanted = lines();
		if (!wanted.length || !current) {
			quoteBox.textContent = labels.addItems;
			return;
		}
		quoteBox.textContent = labels.pricing;
		timer = setTimeout(async () => {
			const mine = ++asked;
			try {
				const result = await call(M + "quote", { retailer: current.dataset.retailer, lines: wanted }, { distributor, failed: labels.failed });
				if (mine !== asked) return;
				renderQuote(result);
				bookButton.disabled = !result.ok;
			} catch (lines) {
				if (mine !== asked) return;
				show(quoteBox, Array.isArray(lines) ? lines : [labels.failed]);
				quoteBox.hidden = false;
			}
		}, 350);
	}

	cart.addEventListener("input", (e) => {
		if (e.target.matches("[data-qty]")) requote();
		if (e.target.matches("[data-cart-search]")) {
			const q = e.target.value.trim().toLowerCase();
			cart.querySelectorAll("[data-item]").forEach((row) => (row.hidden = q && !row.dataset.search.includes(q) && !(parseFloat(row.querySelector("[data-qty]").value) > 0)));
		}
	});
	cart.addEventListener("click", (e) => {
		const step = e.target.closest("[data-plus], [data-minus]");
		if (!step) return;
		const input = step.closest("[data-item]").querySelector("[data-qty]");
		const value = Math.max((parseFloat(input.value) || 0) + (step.matches("[data-plus]") ? 1 : -1), 0);
		input.value = value ? String(value) : "";
		requote();
	});

	bookButton.addEventListener("click", async () => {
		const outlet = current;
		if (!outlet) return;
		error(outlet, []);
		bookButton.disabled = true;
		bookButton.textContent = labels.booking;
		try {
			const visit = await call(M + "book", { visit: outlet.dataset.visit, lines: lines() }, { distributor, failed: labels.failed });
			setState(outlet, visit, fill(labels.ordered, visit.sales_order, visit.fmt_total));
			note(outlet, "");
			closePanels();
		} catch (lines) {
			error(outlet, lines);
			bookButton.disabled = false;
		} finally {
			bookButton.textContent = labels.book;
		}
	});

	// -- no order ----------------------------------------------------------------------------------------
	noOrderForm.querySelector("[data-save-no-order]").addEventListener("click", async (e) => {
		const outlet = current;
		if (!outlet) return;
		const reason = noOrderForm.querySelector("[data-reason]");
		const remarks = noOrderForm.querySelector("[data-remarks]").value.trim();
		if (reason.value === "Other" && !remarks) return error(outlet, [labels.otherNeedsRemark]);
		error(outlet, []);
		const button = e.currentTarget;
		button.disabled = true;
		try {
			const visit = await call(M + "no_order", { visit: outlet.dataset.visit, reason: reason.value, remarks }, { distributor, failed: labels.failed });
			const label = reason.options[reason.selectedIndex].text;
			setState(outlet, visit, fill(labels.noOrder, label) + (remarks ? ` (${remarks})` : ""));
			closePanels();
		} catch (lines) {
			error(outlet, lines);
		} finally {
			button.disabled = false;
		}
	});

	document.querySelectorAll("[data-close]").forEach((b) => b.addEventListener("click", closePanels));

	// -- each outlet's buttons ---------------------------------------------------------------------------
	document.querySelectorAll(".beat-outlet").forEach((outlet) => {
		const checkInButton = outlet.querySelector("[data-check-in]");
		checkInButton.dataset.label = checkInButton.textContent;
		checkInButton.addEventListener("click", () => checkIn(outlet, checkInButton));
		outlet.querySelector("[data-take-order]").addEventListener("click", () => {
			resetCart();
			open(cart, outlet);
		});
		outlet.querySelector("[data-no-order]").addEventListener("click", () => {
			noOrderForm.querySelector("[data-remarks]").value = "";
			open(noOrderForm, outlet);
		});
	});
})();
