// /dms/orders/view: the receipt form of each dispatch in transit. "Everything arrived" posts the
// dispatch alone to dms_app.api.primary_orders.confirm_receipt; "Some items arrived short" posts the
// quantities received and the reason. The page then reloads and its timeline shows the receipt.
(function () {
	const labelsEl = document.querySelector("[data-dms-labels]");
	if (!labelsEl) return;
	const labels = JSON.parse(labelsEl.textContent);
	function messageOf(data, status) {
		const texts = dmsPortal.messages(data);
		if (texts.length) return texts.join(" ");
		return status === 403 ? labels.forbidden : labels.failed;
	}
	document.querySelectorAll("[data-dms-receipt]").forEach((form) => {
		const error = form.querySelector("[data-receipt-error]");
		const reasonBox = form.querySelector("[data-short-reason]");
		const inputs = form.querySelectorAll("[data-received]");
		const short = () => form.querySelector("[data-mode]:checked").value === "short";
		form.querySelectorAll("[data-mode]").forEach((radio) =>
			radio.addEventListener("change", () => {
				reasonBox.hidden = !short();
				inputs.forEach((input) => {
					input.disabled = !short();
					if (!short()) input.value = input.closest("tr").dataset.pending;
				});
				error.hidden = true;
			}),
		);
		form.querySelector("[data-reason]").addEventListener("input", () => (error.hidden = true));
		form.addEventListener("submit", async (event) => {
			event.preventDefault();
			error.hidden = true;
			const args = { dispatch: form.dataset.dmsReceipt };
			if (short()) {
				const received = {};
				let isShort = false;
				inputs.forEach((input) => {
					const row = input.closest("tr");
					const value = input.value === "" ? 0 : parseFloat(input.value);
					received[row.dataset.item] = value;
					if (!(value >= parseFloat(row.dataset.pending) - 1e-9)) isShort = true;
				});
				const reason = form.querySelector("[data-reason]").value.trim();
				if (isShort && !reason) {
					error.textContent = labels.reason;
					error.hidden = false;
					return;
				}
				args.received = received;
				args.reason = reason;
			}
			const button = form.querySelector("[data-dms-confirm]");
			button.disabled = true;
			button.textContent = labels.confirming;
			let data = {};
			let status = 0;
			try {
				const response = await fetch("/api/method/dms_app.api.primary_orders.confirm_receipt", {
					method: "POST",
					headers: {
						"Content-Type": "application/json",
						Accept: "application/json",
						"X-Frappe-CSRF-Token": (window.frappe && frappe.csrf_token) || "",
					},
					body: JSON.stringify(args),
				});
				status = response.status;
				data = await response.json().catch(() => ({}));
			} catch (e) { /* network error */ }
			if (status === 200 && data.message) {
				window.location.reload();
				return;
			}
			error.textContent = messageOf(data, status);
			error.hidden = false;
			button.disabled = false;
			button.textContent = labels.confirm;
		});
	});
})();
