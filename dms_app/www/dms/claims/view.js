// "Send for Approval" of a draft or rejected claim: dms_app.portal.schemes.send_claim.
document.addEventListener("DOMContentLoaded", () => {
	const button = document.querySelector("[data-dms-send-claim]");
	if (!button) return;
	const alert = document.querySelector("[data-dms-form-error]");
	button.addEventListener("click", async () => {
		alert.hidden = true;
		button.disabled = true;
		const values = new URLSearchParams({ name: button.dataset.dmsSendClaim });
		if (button.dataset.distributor) values.set("distributor", button.dataset.distributor);
		try {
			const response = await fetch("/api/method/dms_app.portal.schemes.send_claim", {
				method: "POST",
				headers: { "X-Frappe-CSRF-Token": frappe.csrf_token, Accept: "application/json" },
				body: values,
			});
			const data = await response.json().catch(() => ({}));
			if (response.ok) {
				window.location.reload();
				return;
			}
			dmsPortal.show(alert, dmsPortal.messages(data, __("The claim could not be sent ({0}).", [response.status])));
			alert.hidden = false;
		} finally {
			button.disabled = false;
		}
	});
});
