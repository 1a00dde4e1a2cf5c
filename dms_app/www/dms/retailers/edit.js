// Posts the retailer form to dms_app.portal.retailers.save_retailer and shows what the server refused.
document.addEventListener("DOMContentLoaded", () => {
	const form = document.querySelector("[data-dms-retailer-form]");
	if (!form) return;
	const alert = document.querySelector("[data-dms-form-error]");
	const button = form.querySelector("[data-dms-save]");
	const show = (lines) => {
		dmsPortal.show(alert, lines);
		alert.hidden = false;
		alert.scrollIntoView({ behavior: "smooth", block: "center" });
	};
	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		alert.hidden = true;
		const values = new URLSearchParams();
		for (const [key, value] of new FormData(form)) values.append(key, value);
		if (form.elements.disabled && !form.elements.disabled.checked) values.set("disabled", "0");
		button.disabled = true;
		try {
			const message = await dmsPortal.call("dms_app.portal.retailers.save_retailer", Object.fromEntries(values), { failed: __("The retailer could not be saved.") });
			const list = form.dataset.list;
			window.location.href = list + (list.includes("?") ? "&" : "?") + "saved=" + encodeURIComponent(message.name);
		} catch (lines) {
			show(Array.isArray(lines) ? lines : [String(lines)]);
		} finally {
			button.disabled = false;
		}
	});
});
