// Posts the claim form to dms_app.portal.schemes.file_claim and shows what the server refused.
document.addEventListener("DOMContentLoaded", () => {
	const form = document.querySelector("[data-dms-claim-form]");
	if (!form) return;
	const alert = document.querySelector("[data-dms-form-error]");
	const button = form.querySelector("[data-dms-file]");
	const show = (lines) => {
		dmsPortal.show(alert, lines);
		alert.hidden = false;
	};
	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		alert.hidden = true;
		const values = new URLSearchParams();
		for (const [key, value] of new FormData(form)) if (value) values.append(key, value);
		button.disabled = true;
		try {
			const message = await dmsPortal.call("dms_app.portal.schemes.file_claim", Object.fromEntries(values), { failed: __("The claim could not be filed.") });
			const list = form.dataset.list;
			const names = message.map((c) => c.name).join(",");
			window.location.href = list + (list.includes("?") ? "&" : "?") + "filed=" + encodeURIComponent(names);
		} catch (lines) {
			show(Array.isArray(lines) ? lines : [String(lines)]);
		} finally {
			button.disabled = false;
		}
	});
});
