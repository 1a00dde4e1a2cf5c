// /dms/account: pay open invoices (each in full or in part) and an advance through the payment gateway.
(() => {
	const box = document.querySelector("[data-dms-pay]");
	if (!box) return;
	const button = box.querySelector("[data-dms-pay-button]");
	const error = box.querySelector("[data-pay-error]");
	const advance = box.querySelector("[data-advance]");
	const fmt = (n) => n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

	function chosen() {
		const invoices = {};
		box.querySelectorAll("tr[data-invoice]").forEach((row) => {
			if (!row.querySelector("[data-pick]").checked) return;
			invoices[row.dataset.invoice] = parseFloat(row.querySelector("[data-amount]").value) || 0;
		});
		return invoices;
	}

	function render() {
		const invoices = chosen();
		const total = Object.values(invoices).reduce((a, b) => a + b, 0) + (parseFloat(advance.value) || 0);
		button.disabled = !(total > 0);
		button.textContent = total > 0 ? box.dataset.labelPay.replace("{0}", fmt(total)) : box.dataset.labelPay.replace(" {0}", "");
	}

	box.addEventListener("input", render);
	box.addEventListener("change", render);
	button.addEventListener("click", async () => {
		dmsPortal.show(error, []);
		button.disabled = true;
		button.textContent = box.dataset.labelPaying;
		try {
			const result = await dmsPortal.call(
				"dms_app.distributor_account.payments.pay",
				{ invoices: chosen(), advance: parseFloat(advance.value) || 0 },
				{ distributor: box.dataset.distributor || null, failed: box.dataset.labelFailed },
			);
			window.location.href = result.url;
		} catch (lines) {
			dmsPortal.show(error, Array.isArray(lines) ? lines : [box.dataset.labelFailed]);
			render();
		}
	});
	render();
})();
