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
			let message = "";
			try {
				message = JSON.parse(data._server_messages || "[]").map((m) => JSON.parse(m).message).join("<br>");
			} catch (e) {}
			dmsShowMessages(alert, message || __("The claim could not be sent ({0}).", [response.status]));
			alert.hidden = false;
		} finally {
			button.disabled = false;
		}
	});
});

// Server messages may hold markup (a bold name, <br> between messages) and values a user typed: they are
// shown as text, one line per message or <br>, never as markup (parsed in an inert document, not the page).
function dmsShowMessages(box, html) {
	const doc = new DOMParser().parseFromString(String(html ?? ""), "text/html");
	doc.querySelectorAll("br").forEach((br) => br.replaceWith("\n"));
	box.replaceChildren(
		...doc.body.textContent
			.split("\n")
			.map((line) => line.trim())
			.filter(Boolean)
			.map((line) => {
				const div = document.createElement("div");
				div.textContent = line;
				return div;
			}),
	);
}
