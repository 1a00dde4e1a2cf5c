// /dms/orders/new: the cart (kept in sessionStorage per distributor across searches and pages), the
// suggested-quantity buttons, and Submit, which posts the cart to dms_app.portal.catalogue.place_order
// and opens the new order, or shows the server's message in the page.
(function () {
	const cartEl = document.querySelector("[data-dms-cart]");
	if (!cartEl) return;
	const distributor = cartEl.dataset.distributor;
	// OEM staff name the distributor; a portal user's own one is not sent
	const askedDistributor = cartEl.dataset.asked || "";
	const currency = cartEl.dataset.currency || "";
	const key = "dms-cart:" + distributor;
	const labels = JSON.parse(document.querySelector("[data-dms-labels]").textContent);
	const fmt = (() => {
		try {
			const nf = new Intl.NumberFormat(document.documentElement.lang || undefined, currency ? { style: "currency", currency } : { maximumFractionDigits: 2 });
			return (v) => nf.format(v);
		} catch (e) {
			return (v) => (Math.round(v * 100) / 100).toFixed(2);
		}
	})();
	const nfQty = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

	function load() {
		try { return JSON.parse(sessionStorage.getItem(key)) || {}; } catch (e) { return {}; }
	}
	let cart = load();
	function save() { sessionStorage.setItem(key, JSON.stringify(cart)); }

	// typed: the quantity comes from the input itself, which is left as the user typed it
	function setQty(row, qty, typed) {
		const code = row.dataset.item;
		const input = row.querySelector("[data-dms-qty]");
		if (qty > 0) {
			cart[code] = { qty, rate: parseFloat(row.dataset.rate) || 0, name: row.dataset.name, uom: row.dataset.uom };
		} else {
			delete cart[code];
		}
		if (!typed) input.value = qty > 0 ? qty : "";
		input.closest("td").classList.toggle("has-qty", qty > 0);
	}

	function render() {
		const codes = Object.keys(cart);
		let total = 0;
		const body = cartEl.querySelector("[data-cart-lines] tbody");
		body.innerHTML = "";
		for (const code of codes) {
			const line = cart[code];
			const amount = line.qty * line.rate;
			total += amount;
			const tr = document.createElement("tr");
			tr.dataset.item = code;
			const cells = [
				[labels.item, code + (line.name && line.name !== code ? " · " + line.name : "")],
				[labels.quantity, nfQty.format(line.qty) + " " + (line.uom || "")],
				[labels.amount, fmt(amount)],
			];
			cells.forEach(([label, value], n) => {
				const td = document.createElement("td");
				td.dataset.label = label;
				if (n) td.className = "num";
				td.textContent = value;
				tr.appendChild(td);
			});
			const td = document.createElement("td");
			td.className = "num";
			const btn = document.createElement("button");
			btn.type = "button";
			btn.className = "dms-link-btn";
			btn.textContent = labels.remove;
			btn.addEventListener("click", () => {
				delete cart[code];
				const row = document.querySelector(`[data-dms-catalogue] tr[data-item="${CSS.escape(code)}"]`);
				if (row) setQty(row, 0);
				save();
				render();
			});
			td.appendChild(btn);
			tr.appendChild(td);
			body.appendChild(tr);
		}
		cartEl.querySelector("[data-cart-count]").textContent = codes.length;
		cartEl.querySelector("[data-cart-unit]").textContent = codes.length === 1 ? labels.oneItem : labels.items;
		cartEl.querySelector("[data-cart-total]").textContent = fmt(total);
		cartEl.querySelector("[data-cart-details]").hidden = !codes.length;
		cartEl.querySelector("[data-dms-clear]").hidden = !codes.length;
		const credit = document.querySelector("[data-dms-credit]");
		const blocked = !!credit && credit.dataset.blocked === "1";
		const available = credit && credit.dataset.available !== "" ? parseFloat(credit.dataset.available) : null;
		cartEl.querySelector("[data-dms-submit]").disabled = !codes.length || blocked;
		cartEl.querySelector("[data-cart-credit]").hidden = !(available !== null && total > available);
	}

	document.querySelectorAll("[data-dms-catalogue] tbody tr").forEach((row) => {
		const input = row.querySelector("[data-dms-qty]");
		const line = cart[row.dataset.item];
		if (line) setQty(row, line.qty);
		input.addEventListener("input", () => {
			const qty = parseFloat(input.value);
			setQty(row, Number.isFinite(qty) && qty > 0 ? qty : 0, true);
			save();
			render();
		});
		const use = row.querySelector("[data-dms-use]");
		if (use) use.addEventListener("click", () => {
			setQty(row, parseFloat(row.dataset.suggested));
			save();
			render();
		});
	});
	const useAll = document.querySelector("[data-dms-use-all]");
	if (useAll) useAll.addEventListener("click", () => {
		document.querySelectorAll("[data-dms-catalogue] tbody tr").forEach((row) => {
			const s = parseFloat(row.dataset.suggested);
			if (s > 0) setQty(row, s);
		});
		save();
		render();
	});
	cartEl.querySelector("[data-dms-clear]").addEventListener("click", () => {
		cart = {};
		document.querySelectorAll("[data-dms-catalogue] tbody tr").forEach((row) => setQty(row, 0));
		save();
		render();
	});

	function messageOf(data, status) {
		const texts = dmsPortal.messages(data);
		if (texts.length) return texts.join(" ");
		return status === 403 ? labels.forbidden : labels.failed;
	}

	const submit = cartEl.querySelector("[data-dms-submit]");
	submit.addEventListener("click", async () => {
		const error = cartEl.querySelector("[data-cart-error]");
		error.hidden = true;
		submit.disabled = true;
		submit.textContent = labels.placing;
		const lines = Object.entries(cart).map(([item_code, line]) => ({ item_code, qty: line.qty }));
		let data = {};
		let status = 0;
		try {
			const response = await fetch("/api/method/dms_app.portal.catalogue.place_order", {
				method: "POST",
				headers: {
					"Content-Type": "application/json",
					Accept: "application/json",
					"X-Frappe-CSRF-Token": (window.frappe && frappe.csrf_token) || "",
				},
				body: JSON.stringify(askedDistributor ? { lines, distributor: askedDistributor } : { lines }),
			});
			status = response.status;
			data = await response.json().catch(() => ({}));
		} catch (e) { /* network error */ }
		if (status === 200 && data.message && data.message.url) {
			cart = {};
			save();
			window.location.href = data.message.url;
			return;
		}
		error.textContent = messageOf(data, status);
		error.hidden = false;
		submit.textContent = labels.submit;
		submit.disabled = false;
		error.scrollIntoView({ block: "nearest" });
	});
	render();
})();
