// /dms/sales/new: pick a retailer and items, see the schemes' prices as the lines change (debounced
// calls to dms_app.portal.sales.preview), then create the invoice (create_invoice) and open it.
// (Frappe replaces the word index or next in braces anywhere in a page with its table of contents or a link, so
// no template here names a variable that way.)
(function () {
	const form = document.getElementById("dms-sale");
	if (!form) return;
	const L = JSON.parse(document.getElementById("dms-sale-labels").textContent);
	const distributor = form.dataset.distributor || null;
	const $ = (selector) => form.querySelector(selector);
	const retailer = $("[data-dms-retailer]");
	const warehouse = $("[data-dms-warehouse]");
	const coupon = $("[data-dms-coupon]");
	const search = $("[data-dms-item-search]");
	const suggestions = $("[data-dms-suggestions]");
	const tbody = $("[data-dms-lines] tbody");
	const previewBox = $("[data-dms-preview]");
	const errorsBox = $("[data-dms-errors]");
	const submit = $("[data-dms-submit]");
	const busy = $("[data-dms-busy]");
	const lines = []; // {item_code, item_name, uom, on_hand, qty}
	let previewSeq = 0;
	let previewTimer = null;
	let searchTimer = null;
	let searchSeq = 0;
	let creating = false;

	const { esc } = dmsPortal;
	const number = (value) => (Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000));

	const call = (method, args, httpMethod = "POST") => dmsPortal.call(method, args, { httpMethod, distributor, failed: L.failed });

	const showErrors = dmsPortal.show;

	// -- lines -----------------------------------------------------------------------------------------

	function renderLines() {
		tbody.innerHTML = lines
			.map(
				(line, n) => `<tr data-line="${n}" data-item="${esc(line.item_code)}">
				<td data-label="${esc(L.item)}"><b>${esc(line.item_code)}</b>${line.item_name && line.item_name !== line.item_code ? `<br><span class="dms-muted">${esc(line.item_name)}</span>` : ""}</td>
				<td data-label="${esc(L.on_hand)}" class="num" data-on-hand>${line.on_hand == null ? "–" : esc(number(line.on_hand))} ${esc(line.uom || "")}</td>
				<td data-label="${esc(L.qty)}" class="num"><input class="form-control form-control-sm dms-qty" type="text" inputmode="decimal" aria-label="${esc(L.qty)} ${esc(line.item_code)}" value="${esc(line.qty)}" data-qty="${n}"></td>
				<td class="num"><button type="button" class="btn btn-xs btn-default" data-remove="${n}" aria-label="${esc(L.remove)} ${esc(line.item_code)}">${esc(L.remove)}</button></td>
			</tr>`,
			)
			.join("");
		$("[data-dms-no-lines]").hidden = lines.length > 0;
	}

	function addItem(item) {
		const existing = lines.findIndex((line) => line.item_code === item.item_code);
		if (existing < 0) {
			lines.push({ item_code: item.item_code, item_name: item.item_name, uom: item.stock_uom, on_hand: item.actual_qty, qty: "1" });
			renderLines();
		}
		const index = existing < 0 ? lines.length - 1 : existing;
		const input = tbody.querySelector(`[data-qty="${String(index)}"]`);
		if (input) {
			input.focus();
			input.select();
		}
		schedulePreview();
	}

	tbody.addEventListener("input", (event) => {
		const index = event.target.dataset.qty;
		if (index === undefined) return;
		lines[Number(index)].qty = event.target.value;
		schedulePreview();
	});
	tbody.addEventListener("click", (event) => {
		const index = event.target.dataset.remove;
		if (index === undefined) return;
		lines.splice(Number(index), 1);
		renderLines();
		schedulePreview();
	});

	// -- item search -----------------------------------------------------------------------------------

	async function runSearch() {
		const mine = ++searchSeq;
		let items;
		try {
			items = await call("dms_app.portal.sales.search_items", { txt: search.value.trim(), warehouse: warehouse.value }, "GET");
		} catch (messages) {
			items = null;
			suggestions.innerHTML = `<li class="empty">${esc(messages.join(" "))}</li>`;
		}
		// a pick (or a later search) made this answer stale; a list nobody is searching stays closed
		if (mine !== searchSeq || document.activeElement !== search) return;
		if (items) {
			suggestions.innerHTML = items.length
				? items
						.map(
							(item, n) => `<li><button type="button" data-pick="${n}">
							<span class="name"><b>${esc(item.item_code)}</b>${item.item_name !== item.item_code ? ` · ${esc(item.item_name)}` : ""}</span>
							<span class="meta">${esc(number(item.actual_qty))} ${esc(item.stock_uom)} · ${esc(item.fmt_price)}</span></button></li>`,
						)
						.join("")
				: `<li class="empty">${esc(L.no_match)}</li>`;
			suggestions.items = items;
		}
		suggestions.hidden = false;
	}

	search.addEventListener("input", () => {
		clearTimeout(searchTimer);
		searchTimer = setTimeout(runSearch, 250);
	});
	search.addEventListener("focus", () => {
		clearTimeout(searchTimer);
		searchTimer = setTimeout(runSearch, 0);
	});
	search.addEventListener("keydown", (event) => {
		if (event.key === "Escape") suggestions.hidden = true;
		if (event.key === "ArrowDown") {
			const first = suggestions.querySelector("button");
			if (first) {
				event.preventDefault();
				first.focus();
			}
		}
		if (event.key === "Enter") {
			event.preventDefault();
			const items = suggestions.items || [];
			if (!suggestions.hidden && items.length) pick(items[0]);
		}
	});
	suggestions.addEventListener("click", (event) => {
		const button = event.target.closest("[data-pick]");
		if (button) pick((suggestions.items || [])[Number(button.dataset.pick)]);
	});
	suggestions.addEventListener("keydown", (event) => {
		const button = event.target.closest("[data-pick]");
		if (!button) return;
		const li = button.parentElement;
		if (event.key === "ArrowDown" && li.nextElementSibling) li.nextElementSibling.querySelector("button")?.focus();
		if (event.key === "ArrowUp") (li.previousElementSibling?.querySelector("button") || search).focus();
		if (event.key === "Escape") {
			suggestions.hidden = true;
			search.focus();
		}
	});
	document.addEventListener("click", (event) => {
		if (!event.target.closest(".dms-search")) suggestions.hidden = true;
	});

	function pick(item) {
		if (!item) return;
		clearTimeout(searchTimer);
		searchSeq++;
		suggestions.hidden = true;
		search.value = "";
		addItem(item);
	}

	// -- preview ---------------------------------------------------------------------------------------

	function payload() {
		return {
			retailer: retailer.value,
			warehouse: warehouse.value,
			coupon_code: coupon.value.trim(),
			lines: lines.map((line) => ({ item_code: line.item_code, qty: String(line.qty).trim() })),
		};
	}

	function schedulePreview() {
		clearTimeout(previewTimer);
		submit.disabled = true;
		showErrors(errorsBox, []);
		if (!retailer.value || !lines.length) {
			previewSeq++;
			busy.hidden = true;
			previewBox.innerHTML = `<p class="dms-muted">${esc(previewBox.dataset.empty)}</p>`;
			return;
		}
		busy.hidden = false;
		previewTimer = setTimeout(runPreview, 400);
	}

	async function runPreview() {
		const mine = ++previewSeq;
		let result;
		try {
			result = await call("dms_app.portal.sales.preview", payload());
		} catch (messages) {
			if (mine !== previewSeq) return;
			busy.hidden = true;
			previewBox.innerHTML = `<div class="dms-alert red" role="alert" data-dms-preview-error>${messages.map((m) => `<div>${esc(m)}</div>`).join("")}</div>`;
			return;
		}
		if (mine !== previewSeq) return;
		busy.hidden = true;
		renderPreview(result);
		submit.disabled = creating;
	}

	function renderPreview(p) {
		// the server's stock figures replace those of the search
		for (const row of p.lines) {
			if (row.free_under) continue;
			const line = lines.find((l) => l.item_code === row.item_code);
			if (line) line.on_hand = row.on_hand;
		}
		tbody.querySelectorAll("tr").forEach((tr) => {
			const line = lines[Number(tr.dataset.line)];
			if (line) tr.querySelector("[data-on-hand]").textContent = `${number(line.on_hand)} ${line.uom || ""}`;
		});
		const rows = p.lines
			.map(
				(row) => `<tr data-item="${esc(row.item_code)}"${row.free_under ? ` data-free-under="${esc(row.free_under)}"` : ""}>
				<td data-label="${esc(L.item)}"><b>${esc(row.item_code)}</b>${row.item_name && row.item_name !== row.item_code ? `<br><span class="dms-muted">${esc(row.item_name)}</span>` : ""}
					${row.free_under ? `<br><span class="dms-pill green">${esc(L.free_under.replace("{0}", row.free_under_name || row.free_under))}</span>` : ""}
					${row.short ? `<br><span class="dms-pill red">${esc(L.short)}</span>` : ""}</td>
				<td data-label="${esc(L.qty)}" class="num">${esc(number(row.qty))} ${esc(row.uom || "")}</td>
				<td data-label="${esc(L.list_rate)}" class="num">${row.free_under ? "–" : esc(row.fmt.base_rate)}</td>
				<td data-label="${esc(L.scheme_discount)}" class="num" data-scheme-discount>${row.scheme_discount ? esc(row.fmt.scheme_discount) : "–"}</td>
				<td data-label="${esc(L.rate)}" class="num" data-rate>${esc(row.fmt.rate)}</td>
				<td data-label="${esc(L.amount)}" class="num">${esc(row.fmt.amount)}</td>
			</tr>`,
			)
			.join("");
		const t = p.totals;
		const totals = [
			[L.total, p.fmt.total, "total"],
			t.bill_discount ? [L.bill_discount, "− " + p.fmt.bill_discount, "bill_discount"] : null,
			[L.net_total, p.fmt.net_total, "net_total"],
			t.taxes ? [L.taxes, p.fmt.taxes, "taxes"] : null,
			[`<b>${esc(L.grand_total)}</b>`, `<b>${esc(p.fmt.rounded_total)}</b>`, "grand_total", true],
			t.scheme_discount ? [L.saved, p.fmt.scheme_discount, "scheme_discount"] : null,
		]
			.filter(Boolean)
			.map(([label, value, key, raw]) => `<dt>${raw ? label : esc(label)}</dt><dd data-total="${key}">${raw ? value : esc(value)}</dd>`)
			.join("");
		const schemes = p.schemes.length
			? `<ul class="dms-preview-notes" data-dms-preview-schemes>${p.schemes
					.map(
						(s) => `<li data-scheme="${esc(s.scheme)}"><b>${esc(s.scheme_name)}</b>: ${esc(s.fmt_value)}${s.free
							.map((f) => ` · ${esc(number(f.qty))} × ${esc(f.item_code)} ${esc(L.free)}`)
							.join("")}</li>`,
					)
					.join("")}</ul>`
			: `<p class="dms-muted" data-dms-preview-no-scheme>${esc(L.no_scheme)}</p>`;
		const warnings = [...p.short.map((s) => `${L.short}: ${s}`), ...p.notes];
		previewBox.innerHTML = `<div class="dms-table-wrap"><table class="dms-table dms-stack" data-dms-preview-lines>
			<thead><tr><th>${esc(L.item)}</th><th class="num">${esc(L.qty)}</th><th class="num">${esc(L.list_rate)}</th><th class="num">${esc(L.scheme_discount)}</th><th class="num">${esc(L.rate)}</th><th class="num">${esc(L.amount)}</th></tr></thead>
			<tbody>${rows}</tbody></table></div>
			<dl class="dms-dl dms-totals" data-dms-preview-totals>${totals}</dl>
			<h3 class="dms-h2" style="font-size:1rem">${esc(L.schemes)}</h3>${schemes}
			${warnings.length ? `<div class="dms-alert" role="status" data-dms-preview-warnings>${warnings.map((w) => `<div>${esc(w)}</div>`).join("")}<div class="dms-muted">${p.short.length ? esc(L.stock_note) : ""}</div></div>` : ""}`;
	}

	previewBox.dataset.empty = previewBox.textContent.trim();
	for (const element of [retailer, coupon]) element.addEventListener("input", schedulePreview);
	retailer.addEventListener("change", schedulePreview);
	warehouse.addEventListener("change", () => {
		for (const line of lines) line.on_hand = null;
		renderLines();
		schedulePreview();
	});

	// -- submit ----------------------------------------------------------------------------------------

	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		if (creating || submit.disabled) return;
		creating = true;
		submit.disabled = true;
		showErrors(errorsBox, []);
		const note = $("[data-dms-submit-note]");
		note.textContent = L.creating;
		try {
			const created = await call("dms_app.portal.sales.create_invoice", { ...payload(), submit: 1 });
			window.location.href = created.url + (distributor ? "&distributor=" + encodeURIComponent(distributor) : "");
		} catch (messages) {
			creating = false;
			note.textContent = "";
			showErrors(errorsBox, messages);
			errorsBox.scrollIntoView({ block: "center", behavior: "smooth" });
			submit.disabled = false;
		}
	});

	renderLines();
})();
