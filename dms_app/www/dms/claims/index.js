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
			const response = await fetch("/api/method/dms_app.portal.schemes.file_claim", {
				method: "POST",
				headers: { "X-Frappe-CSRF-Token": frappe.csrf_token, Accept: "application/json" },
				body: values,
			});
			const data = await response.json().catch(() => ({}));
			if (response.ok && data.message) {
				const list = form.dataset.list;
				const names = data.message.map((c) => c.name).join(",");
				window.location.href = list + (list.includes("?") ? "&" : "?") + "filed=" + encodeURIComponent(names);
				return;
			}
			show(dmsPortal.messages(data, __("The claim could not be filed ({0}).", [response.status])));
		} catch (e) {
			show([__("The claim could not be filed: {0}", [String(e)])]);
		} finally {
			button.disabled = false;
		}
	});
});
