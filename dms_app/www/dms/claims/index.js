// Posts the claim form to dms_app.portal.schemes.file_claim and shows what the server refused.
document.addEventListener("DOMContentLoaded", () => {
	const form = document.querySelector("[data-dms-claim-form]");
	if (!form) return;
	const alert = document.querySelector("[data-dms-form-error]");
	const button = form.querySelector("[data-dms-file]");
	const show = (html) => {
		dmsShowMessages(alert, html);
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
			show(dmsServerMessage(data) || __("The claim could not be filed ({0}).", [response.status]));
		} catch (e) {
			show(__("The claim could not be filed: {0}", [String(e)]));
		} finally {
			button.disabled = false;
		}
	});
});

function dmsServerMessage(data) {
	try {
		return JSON.parse(data._server_messages || "[]")
			.map((m) => {
				try {
					return JSON.parse(m).message;
				} catch (e) {
					return m;
				}
			})
			.join("<br>");
	} catch (e) {
		return "";
	}
}

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
