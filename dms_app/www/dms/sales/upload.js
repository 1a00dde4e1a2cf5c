// /dms/sales/upload: read the chosen file, post it with dms_app.portal.sales.upload, show one result per
// invoice with its row errors; a large file is posted in the background, so poll upload_status.
(function () {
	const form = document.getElementById("dms-upload");
	if (!form) return;
	const L = JSON.parse(document.getElementById("dms-upload-labels").textContent);
	const shown = JSON.parse(document.getElementById("dms-upload-shown").textContent);
	const distributor = form.dataset.distributor || null;
	const maxSize = Number(form.dataset.maxSize) || 0;
	const invoiceBase = form.dataset.invoiceBase;
	const $ = (selector) => form.querySelector(selector);
	const fileInput = $("[data-dms-file]");
	const format = $("[data-dms-format]");
	const button = $("[data-dms-upload]");
	const errorsBox = $("[data-dms-errors]");
	const progressBox = $("[data-dms-progress]");
	const resultsBox = $("[data-dms-results]");
	let fileLines = {};
	let polling = null;

	const { esc } = dmsPortal;
	const fill = (text, ...values) => values.reduce((out, value, i) => out.replace(`{${i}}`, value), text);

	const call = (method, args, httpMethod = "POST") => dmsPortal.call(method, args, { httpMethod, distributor, failed: L.failed });

	const showErrors = (messages) => dmsPortal.show(errorsBox, messages);

	function guessFormat(file, text) {
		if (format.value) return format.value;
		if (/\.xml$/i.test(file.name) || /^\s*</.test(text)) return "tally";
		return "csv";
	}

	// Tally's "Unicode" export is UTF-16 with a byte order mark; file.text() would read it as UTF-8
	async function readText(file) {
		const bytes = new Uint8Array(await file.arrayBuffer());
		const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? "utf-16le" : bytes[0] === 0xfe && bytes[1] === 0xff ? "utf-16be" : "utf-8";
		return new TextDecoder(encoding).decode(bytes); // the mark itself is dropped
	}

	fileInput.addEventListener("change", () => {
		button.disabled = !fileInput.files.length;
		showErrors([]);
	});

	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		const file = fileInput.files[0];
		if (!file) return showErrors([L.choose]);
		if (maxSize && file.size > maxSize) return showErrors([fill(L.too_big, Math.round(maxSize / 1048576))]);
		button.disabled = true;
		showErrors([]);
		resultsBox.innerHTML = "";
		progress(0, L.reading);
		try {
			const text = await readText(file);
			if (!text.trim()) throw [L.empty];
			progress(0, L.sending, true);
			const answer = await call("dms_app.portal.sales.upload", { format: guessFormat(file, text), data: text });
			fileLines = answer.file_lines || {};
			if (answer.results) {
				progressBox.hidden = true;
				render(answer);
			} else {
				follow(answer.upload, answer.invoices);
			}
		} catch (messages) {
			progressBox.hidden = true;
			showErrors(Array.isArray(messages) ? messages : [String(messages)]);
		} finally {
			button.disabled = !fileInput.files.length;
		}
	});

	function progress(percent, text, indeterminate) {
		progressBox.hidden = false;
		progressBox.querySelector(".bar").style.width = `${indeterminate ? 100 : percent}%`;
		progressBox.querySelector(".bar").style.opacity = indeterminate ? 0.35 : 1;
		progressBox.querySelector("[data-dms-progress-text]").textContent = text;
	}

	// a queued upload: poll its status until it is done (or failed)
	function follow(upload, invoices) {
		clearTimeout(polling);
		progress(0, fill(L.queued, invoices ?? "?"));
		const tick = async () => {
			let status;
			try {
				status = await call("dms_app.api.secondary_sales.upload_status", { upload }, "GET");
			} catch (messages) {
				showErrors(messages);
				polling = setTimeout(tick, 5000);
				return;
			}
			if (status.status === "Done") {
				progress(100, L.done);
				render(status);
				return;
			}
			if (status.status === "Failed") {
				progressBox.hidden = true;
				showErrors([fill(L.upload_failed, status.upload)]);
				return;
			}
			if (status.status === "Running") progress(status.progress || 0, fill(L.running, Math.round(status.progress || 0)));
			polling = setTimeout(tick, 1500);
		};
		polling = setTimeout(tick, 1000);
	}

	function where(error, result) {
		const lines = fileLines[String(error.invoice)] || fileLines[String(result.external_ref)];
		let fileLine = error.file_line;
		if (fileLine == null && lines) fileLine = error.line == null ? lines[0] : lines[error.line - 1];
		const parts = [];
		if (fileLine != null) parts.push(fill(L.file_line, fileLine));
		parts.push(error.line == null ? L.header : fill(L.invoice_line, error.line));
		return parts.join(", ");
	}

	const money = (value) => Number(value || 0).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

	function render(status) {
		const results = status.results || [];
		const counts = { created: 0, duplicate: 0, rejected: 0 };
		for (const r of results) counts[r.status] = (counts[r.status] || 0) + 1;
		const rows = results
			.map((r) => {
				const pill = { created: "green", duplicate: "", rejected: "red" }[r.status];
				const link = r.sales_invoice
					? `<a href="${esc(invoiceBase + (invoiceBase.includes("?") ? "&" : "?") + "name=" + encodeURIComponent(r.sales_invoice))}">${esc(r.sales_invoice)}</a>`
					: "";
				// created, but not as the books say (DMS Settings: Create and Flag), or with a discount no scheme gives
				const notes = [
					...(r.differences || []).map((d) => `<li data-note="books">${esc(d.message)}</li>`),
					...(r.unexplained_discount ? [`<li data-note="unexplained">${esc(fill(L.unexplained, r.unexplained_discount))}</li>`] : []),
				];
				const details =
					r.status === "rejected"
						? `<ul class="dms-errs">${(r.errors || [])
								.map((e) => `<li data-error-field="${esc(e.field)}"><b>${esc(e.field)}</b> (${esc(where(e, r))}): ${esc(e.message)}</li>`)
								.join("")}</ul>`
						: r.status === "duplicate"
							? fill(esc(L.already), link)
							: link + (notes.length ? `<ul class="dms-errs">${notes.join("")}</ul>` : "");
				return `<tr data-result="${esc(r.status)}" data-ref="${esc(r.external_ref)}">
					<td data-label="${esc(L.invoice)}"><b>${esc(r.external_ref)}</b></td>
					<td data-label="${esc(L.result)}"><span class="dms-pill ${pill}">${esc(L[r.status] || r.status)}</span></td>
					<td data-label="${esc(L.details)}" class="dms-wrap">${details}</td></tr>`;
			})
			.join("");
		// vouchers of a Tally file that are no sale (cancelled, optional, deleted, post-dated, other types)
		const skipped = (status.skipped || [])
			.map(
				(v) => `<tr data-result="skipped" data-ref="${esc(v.external_ref || "")}">
					<td data-label="${esc(L.invoice)}"><b>${esc(v.external_ref || "")}</b> ${esc(v.voucher_type || "")}</td>
					<td data-label="${esc(L.result)}"><span class="dms-pill">${esc(L.skipped)}</span></td>
					<td data-label="${esc(L.details)}" class="dms-wrap">${esc(v.reason)}</td></tr>`
			)
			.join("");
		if (!shown || shown.upload !== status.upload) refreshRecent();
		resultsBox.innerHTML = `<div class="dms-alert ${counts.rejected ? "red" : ""}" role="status" data-dms-upload-summary${counts.rejected ? "" : ' style="background:#e4f8ec;color:#137333;border-color:#b7e4c7"'}>
				${esc(fill(L.upload, status.upload))}: ${esc(fill(L.summary, counts.created, counts.duplicate, counts.rejected))}${
					skipped ? " " + esc(fill(L.skipped_summary, (status.skipped || []).length)) : ""
				}${status.books_total ? " " + esc(fill(L.totals, money(status.books_total), money(status.dms_total))) : ""}</div>
			<div class="dms-table-wrap"><table class="dms-table dms-stack" data-dms-upload-results>
			<thead><tr><th>${esc(L.invoice)}</th><th>${esc(L.result)}</th><th>${esc(L.details)}</th></tr></thead>
			<tbody>${rows}${skipped}</tbody></table></div>`;
	}

	// the list of recent uploads, as the page renders it now (with the upload just made)
	async function refreshRecent() {
		const recent = document.querySelector("[data-dms-recent]");
		try {
			const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
			const fresh = new DOMParser().parseFromString(await response.text(), "text/html").querySelector("[data-dms-recent]");
			if (response.ok && recent && fresh) recent.innerHTML = fresh.innerHTML;
		} catch (e) {
			/* the list stays as it was */
		}
	}

	if (shown) {
		if (shown.status === "Queued" || shown.status === "Running") follow(shown.upload, null);
		else render(shown);
	}
})();
