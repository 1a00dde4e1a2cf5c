"""A fake of Razorpay's Payment Links API on loopback, for tests and browser walks. Plain stdlib, no frappe.

The subset dms_app uses:

- ``POST /v1/payment_links`` (basic auth key_id:key_secret; JSON amount in paise, currency, reference_id,
  description, customer, callback_url, callback_method "get") -> ``{"id", "short_url", "status": "created",
  ...}``; a reference_id is accepted once, as Razorpay does;
- ``GET /v1/payment_links/{id}`` (basic auth) -> the link, with ``status`` and ``amount_paid``;
- the hosted page ``GET /i/{id}`` (the link's short_url): the amount and two links, "Pay" (``/pay/{id}``)
  and "Cancel" (``/cancel/{id}``). Each marks the link paid (with a new payment id) or cancelled and
  redirects (302) to the link's callback_url with Razorpay's signed query parameters. ``pay(link_id)`` and
  ``cancel(link_id)`` do the same for tests without a browser and return that callback URL.

The signature is computed here independently of dms_app's verification, as Razorpay documents it:
hex HMAC-SHA256 with key_secret over ``{payment_link_id}|{reference_id}|{status}|{payment_id}``.

``fail_with = 503`` makes every API call answer that status (a gateway outage); ``stop()`` takes it
down altogether. Run standalone for a browser walk:
``python fake_razorpay.py --port 8765 --key-id rzp_test_x --key-secret s3cret``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import json
import secrets
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

PAID, CANCELLED, CREATED = "paid", "cancelled", "created"


class FakeRazorpay:
	def __init__(
		self, key_id: str = "rzp_test_fake", key_secret: str = "fake-secret", port: int | None = None
	):
		self.key_id = key_id
		self.key_secret = key_secret
		self.fail_with: int | None = None
		self.lock = threading.Lock()
		self.links: dict[str, dict] = {}
		self.requests = 0  # API requests that reached the handler
		self.refused = 0  # bad credentials
		self.port = port or _free_port()
		self._server: ThreadingHTTPServer | None = None
		self._thread: threading.Thread | None = None

	@property
	def url(self) -> str:
		"""The API's base URL (DMS Razorpay Settings.api_url)."""
		return f"http://127.0.0.1:{self.port}"

	def start(self) -> FakeRazorpay:
		server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
		server.daemon_threads = True
		self._server = server
		self._thread = threading.Thread(
			target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
		)
		self._thread.start()
		return self

	def stop(self) -> None:
		if self._server:
			self._server.shutdown()
			self._server.server_close()
			self._server = None

	def __enter__(self) -> FakeRazorpay:
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()

	# What the payer does on the hosted page ------------------------------------------------------

	def pay(self, link_id: str) -> str:
		"""Pay the link in full (once: paying again repeats the same payment); the signed callback URL."""
		with self.lock:
			link = self.links[link_id]
			if link["status"] != PAID:
				link.update(status=PAID, amount_paid=link["amount"], payment_id=_id("pay"))
			return self._callback_url(link, PAID)

	def cancel(self, link_id: str) -> str:
		"""Cancel the unpaid link; the signed callback URL."""
		with self.lock:
			link = self.links[link_id]
			if link["status"] == CREATED:
				link["status"] = CANCELLED
			return self._callback_url(link, link["status"])

	def sign(self, link_id: str, reference_id: str, status: str, payment_id: str) -> str:
		message = f"{link_id}|{reference_id}|{status}|{payment_id}".encode()
		return hmac.new(self.key_secret.encode(), message, hashlib.sha256).hexdigest()

	def _callback_url(self, link: dict, status: str) -> str:
		payment_id = link.get("payment_id") or ""
		params = {
			"razorpay_payment_id": payment_id,
			"razorpay_payment_link_id": link["id"],
			"razorpay_payment_link_reference_id": link["reference_id"],
			"razorpay_payment_link_status": status,
			"razorpay_signature": self.sign(link["id"], link["reference_id"], status, payment_id),
		}
		separator = "&" if urlsplit(link["callback_url"]).query else "?"
		return f"{link['callback_url']}{separator}{urlencode(params)}"

	# The API -----------------------------------------------------------------------------------

	def _create(self, body: dict) -> tuple[int, dict]:
		amount, currency = body.get("amount"), body.get("currency")
		if not isinstance(amount, int) or isinstance(amount, bool) or amount < 100:
			return 400, _error("amount must be an integer of at least 100")
		if currency != "INR":
			return 400, _error("currency is not supported")
		if not body.get("reference_id") or not body.get("callback_url"):
			return 400, _error("reference_id and callback_url are required")
		with self.lock:
			if any(link["reference_id"] == body["reference_id"] for link in self.links.values()):
				return 400, _error("reference_id already exists")
			link_id = _id("plink")
			link = {
				"id": link_id,
				"short_url": f"{self.url}/i/{link_id}",
				"status": CREATED,
				"amount": amount,
				"amount_paid": 0,
				"currency": currency,
				"reference_id": body["reference_id"],
				"description": body.get("description") or "",
				"customer": body.get("customer") or {},
				"callback_url": body["callback_url"],
				"callback_method": body.get("callback_method"),
				"created_at": int(time.time()),
			}
			self.links[link_id] = link
			return 200, {k: v for k, v in link.items() if k != "payment_id"}

	def _get(self, link_id: str) -> tuple[int, dict]:
		with self.lock:
			link = self.links.get(link_id)
			if not link:
				return 400, _error("The id provided does not exist")
			return 200, {k: v for k, v in link.items() if k != "payment_id"}

	def _authorised(self, header: str | None) -> bool:
		expected = "Basic " + base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
		return bool(header) and hmac.compare_digest(header, expected)


def _id(prefix: str) -> str:
	return f"{prefix}_{secrets.token_hex(7)}"


def _error(description: str) -> dict:
	return {"error": {"code": "BAD_REQUEST_ERROR", "description": description}}


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def _page(link: dict) -> str:
	amount = f"{link['amount'] / 100:,.2f} {link['currency']}"
	title = html.escape(link["description"] or "Payment")
	if link["status"] != CREATED:
		action = f"<p>This payment link is {html.escape(link['status'])}.</p>"
	else:
		action = (
			f'<p><a id="pay" href="/pay/{link["id"]}">Pay</a> '
			f'<a id="cancel" href="/cancel/{link["id"]}">Cancel</a></p>'
		)
	return (
		"<!doctype html><html><head><meta charset='utf-8'><title>Fake Razorpay</title></head><body>"
		f"<h1>{title}</h1><p>Amount: <strong id='amount'>{amount}</strong></p>{action}</body></html>"
	)


def _handler(fake: FakeRazorpay) -> type[BaseHTTPRequestHandler]:
	class Handler(BaseHTTPRequestHandler):
		protocol_version = "HTTP/1.1"

		def log_message(self, *args) -> None:
			pass

		def _api_allowed(self) -> bool:
			with fake.lock:
				fake.requests += 1
			if fake.fail_with:
				self._json(fake.fail_with, _error("planned failure"))
				return False
			if not fake._authorised(self.headers.get("Authorization")):
				with fake.lock:
					fake.refused += 1
				self._json(401, _error("Authentication failed"))
				return False
			return True

		def do_POST(self) -> None:
			body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
			if self.path.rstrip("/") != "/v1/payment_links":
				return self._json(404, _error("not found"))
			if not self._api_allowed():
				return
			try:
				data = json.loads(body)
			except ValueError:
				return self._json(400, _error("body is not JSON"))
			self._json(*fake._create(data if isinstance(data, dict) else {}))

		def do_GET(self) -> None:
			parts = urlsplit(self.path).path.strip("/").split("/")
			if parts[:2] == ["v1", "payment_links"] and len(parts) == 3:
				if self._api_allowed():
					self._json(*fake._get(parts[2]))
			elif len(parts) == 2 and parts[0] in ("i", "pay", "cancel") and parts[1] in fake.links:
				if parts[0] == "i":
					self._send(200, "text/html; charset=utf-8", _page(fake.links[parts[1]]).encode())
				else:
					location = fake.pay(parts[1]) if parts[0] == "pay" else fake.cancel(parts[1])
					self._send(302, "text/plain", b"", {"Location": location})
			else:
				self._send(404, "text/plain", b"not found")

		def _json(self, status: int, data: dict) -> None:
			self._send(status, "application/json", json.dumps(data).encode())

		def _send(self, status: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
			try:
				self.send_response(status)
				self.send_header("Content-Type", content_type)
				self.send_header("Content-Length", str(len(body)))
				for key, value in (headers or {}).items():
					self.send_header(key, value)
				self.end_headers()
				self.wfile.write(body)
			except OSError:
				pass

	return Handler


def main(argv: list[str] | None = None) -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--port", type=int, default=8765)
	parser.add_argument("--key-id", default="rzp_test_fake")
	parser.add_argument("--key-secret", default="fake-secret")
	args = parser.parse_args(argv)
	fake = FakeRazorpay(args.key_id, args.key_secret, port=args.port).start()
	print(f"fake Razorpay on {fake.url} (key id {args.key_id})", flush=True)
	try:
		while True:
			time.sleep(3600)
	except KeyboardInterrupt:
		fake.stop()
		sys.exit(0)


if __name__ == "__main__":
	main()
