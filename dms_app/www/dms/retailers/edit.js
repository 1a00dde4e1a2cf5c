// Posts the retailer form to dms_app.portal.retailers.save_retailer and shows what the server refused.
document.addEventListener("DOMContentLoaded", () => {
	const form = document.querySelector("[data-dms-retailer-form]");
	if (!form) return;
	const alert = document.querySelector("[data-dms-form-error]");
	const button = form.querySelector("[data-dms-save]");
	const show = (html) => {
		dmsShowMessages(alert, html);
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
			const response = await fetch("/api/method/dms_app.portal.retailers.save_retailer", {
				method: "POST",
				headers: { "X-Frappe-CSRF-Token": frappe.csrf_token, Accept: "application/json" },
				body: values,
			});
			const data = await response.json().catch(() => ({}));
			if (response.ok && data.message) {
				const list = form.dataset.list;
				window.location.href = list + (list.includes("?") ? "&" : "?") + "saved=" + encodeURIComponent(data.message.name);
				return;
			}
			show(dmsServerMessage(data) || __("The retailer could not be saved ({0}).", [response.status]));
		} catch (e) {
			show(__("The retailer could not be saved: {0}", [String(e)]));
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
