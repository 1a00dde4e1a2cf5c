"""Sending one outbox request over HTTP. No frappe here, so it is tested against a loopback server by
plain pytest as well as by the bench tests."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from dms_app.core.outbox import Request

_session = requests.Session()


@dataclass(frozen=True)
class Result:
	status_code: int | None  # None: no answer (refused, reset, timed out)
	body: str
	error: str | None
	seconds: float


def perform(request: Request, timeout: float) -> Result:
	"""Send ``request``; never raises for network trouble, which is reported as a Result without status.
	``timeout`` bounds connecting and each read."""
	started = time.monotonic()
	try:
		response = _session.request(
			request.method,
			request.url,
			headers=request.headers,
			data=request.body or None,
			params=request.params or None,
			timeout=timeout,
			allow_redirects=False,
		)
	except requests.RequestException as e:
		return Result(None, "", f"{type(e).__name__}: {e}"[:1000], time.monotonic() - started)
	error = None if response.ok else f"HTTP {response.status_code}"
	return Result(response.status_code, response.text[:10000], error, time.monotonic() - started)
