// /dms/retail-orders/view: Accept (the quantities to serve), Refuse (with a reason) and Invoice post to
// dms_app.portal.retail_orders; the page then reloads and shows the order's new status, or shows the
// server's message.
(function () {
	const box = document.querySelector("[data-dms-retail-actions]");
	if (!box) return;
	const labels = JSON.parse(document.querySelector("[data-dms-labels]").textContent);
	const error = box.querySelector("[data-dms-action-error]");
	const order = box.dataset.order;
	const distributor = box.dataset.distributor || null;

	async function post(method, args, button) {
		dmsPortal.show(error, []);
		const text = button.textContent;
		box.querySelectorAll("button").forEach((b) => (b.disabled = true));
		button.textContent = labels.working;
		try {
			await dmsPortal.call("dms_app.portal.retail_orders." + method, { order, ...args }, { distributor, failed: labels.failed });
			window.location.reload();
		} catch (lines) {
			dmsPortal.show(error, Array.isArray(lines) && lines.length ? lines : [labels.failed]);
			box.querySelectorAll("button").forEach((b) => (b.disabled = false));
			button.textContent = text;
			error.scrollIntoView({ block: "nearest" });
		}
	}

	const accept = box.querySelector("[data-dms-accept]");
	if (accept) accept.addEventListener("click", () => {
		const quantities = {};
		document.querySelectorAll("[data-dms-retail-items] tr[data-item]:not([data-free]) [data-serve]").forEach((input) => {
			const value = input.value === "" ? 0 : parseFloat(input.value);
			quantities[input.closest("tr").dataset.item] = Number.isFinite(value) ? value : -1;
		});
		if (!Object.values(quantities).some((q) => q > 0)) {
			dmsPortal.show(error, [labels.nothing]);
			return;
		}
		post("accept", { quantities }, accept);
	});
	const open = box.querySelector("[data-dms-refuse-open]");
	if (open) open.addEventListener("click", () => {
		box.querySelector("[data-dms-refuse-box]").hidden = false;
		box.querySelector("[data-dms-reason]").focus();
	});
	const refuse = box.querySelector("[data-dms-refuse]");
	if (refuse) refuse.addEventListener("click", () => {
		const reason = box.querySelector("[data-dms-reason]").value.trim();
		if (!reason) {
			dmsPortal.show(error, [labels.reason]);
			return;
		}
		post("refuse", { reason }, refuse);
	});
	const invoice = box.querySelector("[data-dms-invoice]");
	if (invoice) invoice.addEventListener("click", () => post("invoice", {}, invoice));
})();
