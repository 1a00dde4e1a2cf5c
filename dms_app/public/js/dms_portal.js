// The distributor portal's shared page helpers; templates/dms/base.html loads this before a page's own
// script. One rule for what the server says: Frappe's messages may hold markup (a bold name, <br> between
// lines) and values users typed, so they become plain text, parsed in an inert DOMParser document (never
// an element of the page: even a detached element loads <img onerror>), and are shown with textContent.
window.dmsPortal = (() => {
	const inert = (html) => new DOMParser().parseFromString(String(html ?? ""), "text/html").body;

	/** ``value`` escaped for building markup in a template string. */
	const esc = (value) =>
		String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

	/** The text of ``html``, one entry per line (<br> or a new line), blank lines left out. */
	function lines(html) {
		const body = inert(html);
		body.querySelectorAll("br").forEach((br) => br.replaceWith("\n"));
		return body.textContent
			.split("\n")
			.map((line) => line.trim())
			.filter(Boolean);
	}

	/** The text lines of a Frappe answer's messages (_server_messages), else of its exception; else
	 * ``fallback`` when given. */
	function messages(body, fallback) {
		let out = [];
		try {
			for (const m of JSON.parse((body && body._server_messages) || "[]")) {
				let message = m;
				try {
					message = JSON.parse(m).message;
				} catch (e) {
					/* a bare string */
				}
				out.push(...lines(message));
			}
		} catch (e) {
			/* not a Frappe answer */
		}
		if (!out.length && body && body.exception) out = lines(String(body.exception).replace(/^[\w.]+: /, ""));
		return out.length || fallback === undefined ? out : [fallback];
	}

	/** ``box`` shows ``items`` (text), one line each; hidden when there are none. */
	function show(box, items) {
		box.replaceChildren(
			...items.map((line) => {
				const div = document.createElement("div");
				div.textContent = line;
				return div;
			}),
		);
		box.hidden = !items.length;
	}

	/** Call a whitelisted method as the logged-in user (JSON in and out, the CSRF token sent); resolves
	 * to its message, or throws the text lines of what went wrong (``failed`` when nothing better). */
	async function call(method, args, { httpMethod = "POST", distributor = null, failed = "" } = {}) {
		const params = { ...args };
		if (distributor) params.distributor = distributor;
		let url = "/api/method/" + method;
		const init = { method: httpMethod, headers: { Accept: "application/json", "X-Frappe-CSRF-Token": (window.frappe && frappe.csrf_token) || "" } };
		if (httpMethod === "GET") url += "?" + new URLSearchParams(params);
		else {
			init.headers["Content-Type"] = "application/json";
			init.body = JSON.stringify(params);
		}
		let response;
		try {
			response = await fetch(url, init);
		} catch (e) {
			throw [failed];
		}
		let body = {};
		try {
			body = await response.json();
		} catch (e) {
			/* not JSON: a proxy's error page */
		}
		if (!response.ok) throw messages(body, failed);
		return body.message;
	}

	return { esc, lines, messages, show, call };
})();
