"""A fake OEM ERP on loopback for tests and the reliability benchmark. Plain stdlib, no frappe.

It behaves like a careful receiver: it checks the token and the HMAC signature, applies each
Idempotency-Key once and answers a repeat with 200 ``{"duplicate": true}``. A ``plan`` decides how it
answers the n-th request (counting from 0), to play faults:

- ``ok``: apply, answer 200;
- ``error``: answer 500 without applying;
- ``slow``: apply, then wait ``slow_seconds`` before answering (the client times out first);
- ``drop``: apply, then close the connection without answering (the client never hears back).

``stop()`` and ``start()`` take it down and up again on the same port.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dms_app.core.outbox import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verify

OK, ERROR, SLOW, DROP = "ok", "error", "slow", "drop"


class FakeERP:
	def __init__(
		self,
		token: str | None = None,
		secret: str | None = None,
		plan: Callable[[int], str] | None = None,
		slow_seconds: float = 1.0,
	):
		self.token = token
		self.secret = secret
		self.plan = plan or (lambda n: OK)
		self.slow_seconds = slow_seconds
		self.lock = threading.Lock()
		self.requests = 0  # every request that reached the handler
		self.applied: Counter[str] = Counter()  # idempotency key -> times its effect was applied
		self.applied_order: list[dict] = []  # payloads in the order they were applied
		self.refused = 0  # bad token or signature
		self.port = _free_port()
		self._server: ThreadingHTTPServer | None = None
		self._thread: threading.Thread | None = None
		self._connections: set[socket.socket] = set()

	@property
	def url(self) -> str:
		return f"http://127.0.0.1:{self.port}/dms/events"

	def start(self) -> FakeERP:
		server = _Server(("127.0.0.1", self.port), _handler(self))
		server.daemon_threads = True
		self._server = server
		self._thread = threading.Thread(
			target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
		)
		self._thread.start()
		return self

	def stop(self) -> None:
		"""Down: no new connections, and the open keep-alive ones are cut."""
		if self._server:
			self._server.shutdown()
			self._server.server_close()
			self._server = None
		with self.lock:
			connections, self._connections = self._connections, set()
		for connection in connections:
			try:
				connection.shutdown(socket.SHUT_RDWR)
			except OSError:
				pass

	def __enter__(self) -> FakeERP:
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()

	def duplicates(self) -> dict[str, int]:
		"""Keys whose effect was applied more than once: must stay empty."""
		return {key: n for key, n in self.applied.items() if n > 1}

	def _apply(self, key: str, payload: dict) -> bool:
		"""Apply once per key; False when the key was seen before."""
		with self.lock:
			if key in self.applied:
				return False
			self.applied[key] += 1
			self.applied_order.append(payload)
			return True


class _Server(ThreadingHTTPServer):
	def handle_error(self, request, client_address) -> None:
		"""A client that gave up (timeout) breaks the pipe under the last flush: expected here, not noise."""
		if not isinstance(sys.exc_info()[1], ConnectionError):
			super().handle_error(request, client_address)


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def _handler(erp: FakeERP) -> type[BaseHTTPRequestHandler]:
	class Handler(BaseHTTPRequestHandler):
		protocol_version = "HTTP/1.1"
		# One write per answer, sent at once: without these, headers and body go out in two packets
		# and the client waits ~40 ms for a delayed ACK on every request.
		wbufsize = 64 * 1024
		disable_nagle_algorithm = True

		def log_message(self, *args) -> None:
			pass

		def setup(self) -> None:
			super().setup()
			with erp.lock:
				erp._connections.add(self.connection)

		def finish(self) -> None:
			with erp.lock:
				erp._connections.discard(self.connection)
			try:
				super().finish()
			except OSError:
				pass

		def do_POST(self) -> None:
			body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
			with erp.lock:
				n = erp.requests
				erp.requests += 1
			if erp.token and self.headers.get("Authorization") != f"Bearer {erp.token}":
				return self._refuse(401, "bad token")
			if erp.secret and not verify(erp.secret, body, self.headers.get(SIGNATURE_HEADER)):
				return self._refuse(401, "bad signature")
			key = self.headers.get(IDEMPOTENCY_HEADER)
			try:
				payload = json.loads(body)
			except ValueError:
				return self._answer(400, {"error": "body is not JSON"})
			if not key:
				return self._answer(400, {"error": "Idempotency-Key missing"})

			behaviour = erp.plan(n)
			if behaviour == ERROR:
				return self._answer(500, {"error": "planned failure"})
			first = erp._apply(key, payload)
			if behaviour == SLOW:
				time.sleep(erp.slow_seconds)
			elif behaviour == DROP:
				self.close_connection = True
				self.connection.shutdown(socket.SHUT_RDWR)
				return
			self._answer(200, {"accepted": True, "duplicate": not first})

		def _refuse(self, status: int, reason: str) -> None:
			with erp.lock:
				erp.refused += 1
			self._answer(status, {"error": reason})

		def _answer(self, status: int, data: dict) -> None:
			out = json.dumps(data).encode()
			try:
				self.send_response(status)
				self.send_header("Content-Type", "application/json")
				self.send_header("Content-Length", str(len(out)))
				self.end_headers()
				self.wfile.write(out)
				self.wfile.flush()
			except OSError:
				pass  # the client gave up waiting (timeout)

	return Handler
