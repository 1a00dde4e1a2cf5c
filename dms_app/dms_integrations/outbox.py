"""The outbox: messages to the OEM ERP, SMS and WhatsApp are written as DMS Sync Message rows in the
same transaction as the document that causes them, and delivered afterwards by background jobs.

- ``write`` records a message (once per idempotency key) and enqueues its stream's delivery after
  the commit (one job per shard of streams, not per message: see SHARDS).
- ``deliver_stream`` sends a document's messages in order, one attempt each, until one fails; a failed
  message waits for its retry time (exponential backoff with jitter), then the ``sweep`` (every minute)
  enqueues it again. After the last attempt it is Dead and holds its stream until retried from the desk.
- Every attempt is logged as an Integration Request (request, response, error).

The rules (outcomes, backoff, ordering, payloads, signing) are in dms_app.core.outbox.
"""

import hashlib
import json
import time
from functools import partial

import frappe
from frappe import _
from frappe.utils import add_to_date, cint, flt, now_datetime

from dms_app.api.errors import InvalidPayload, require_args
from dms_app.core import outbox as core
from dms_app.core.outbox import DEAD, FAILED, OEM_ERP, PENDING, SENT, SMS, WHATSAPP, Queued
from dms_app.distribution.locks import named_lock
from dms_app.dms_integrations.transport import Result, perform
from dms_app.permissions import require_role

DOCTYPE = "DMS Sync Message"
MASKED_HEADERS = ("Authorization", core.SIGNATURE_HEADER)


# Configuration ----------------------------------------------------------------------------------


def _settings():
	return frappe.get_cached_doc("DMS Settings")


def enabled_targets() -> set[str]:
	settings = _settings()
	targets = set()
	if settings.get("oem_sync_enabled") and settings.get("oem_endpoint_url"):
		targets.add(OEM_ERP)
	if settings.get("sms_enabled"):
		targets.add(SMS)
	if settings.get("whatsapp_enabled") and settings.get("whatsapp_api_url"):
		targets.add(WHATSAPP)
	return targets


def target_config(target: str) -> dict:
	"""What ``dms_app.core.outbox`` needs to build a request for ``target``, secrets decrypted."""
	settings = _settings()

	def secret(fieldname: str) -> str | None:
		return settings.get_password(fieldname, raise_exception=False) if settings.get(fieldname) else None

	if target == OEM_ERP:
		config = {"url": settings.oem_endpoint_url, "secret": secret("oem_signing_secret")}
		if settings.get("oem_auth") == "Basic Auth":
			config.update(username=settings.oem_username, password=secret("oem_password"))
		else:
			config["token"] = secret("oem_token")
		return config
	if target == WHATSAPP:
		return {
			"url": settings.whatsapp_api_url,
			"phone_number_id": settings.whatsapp_phone_number_id,
			"token": secret("whatsapp_token"),
		}
	sms = frappe.get_cached_doc("SMS Settings")
	return {
		"url": sms.sms_gateway_url,
		"message_parameter": sms.message_parameter,
		"receiver_parameter": sms.receiver_parameter,
		"parameters": {p.parameter: p.value for p in sms.parameters if not p.header},
		"headers": {p.parameter: p.value for p in sms.parameters if p.header},
		"use_post": sms.use_post,
		"use_json": any(p.header and p.value == "application/json" for p in sms.parameters),
	}


def delivery_policy() -> dict:
	settings = _settings()
	return {
		"timeout": flt(settings.get("sync_timeout")) or 10.0,
		"max_attempts": cint(settings.get("sync_max_attempts")) or 8,
		"base": flt(settings.get("sync_retry_base")) or 30.0,
		"cap": flt(settings.get("sync_retry_cap")) or 3600.0,
	}


# Writing ---------------------------------------------------------------------------------------


def write(
	target: str,
	reference_doctype: str,
	reference_name: str,
	event: str,
	payload: dict,
	key: str,
	distributor: str | None = None,
	recipient: str | None = None,
) -> str | None:
	"""Record a message in the current transaction; returns its name, or None if its key exists."""
	if frappe.db.exists(DOCTYPE, {"idempotency_key": key}):
		return None
	stream = core.stream_of(target, reference_doctype, reference_name, recipient)
	sequence = (frappe.db.count(DOCTYPE, {"stream": stream}) or 0) + 1
	if target == OEM_ERP:
		payload = core.envelope(event, key, sequence, str(now_datetime()), payload)
	message = frappe.get_doc(
		{
			"doctype": DOCTYPE,
			"target": target,
			"event": event,
			"status": PENDING,
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"distributor": distributor,
			"recipient": recipient,
			"idempotency_key": key,
			"stream": stream,
			"sequence": sequence,
			"payload": json.dumps(payload, default=str, indent=1, sort_keys=True),
		}
	)
	# The message is the system's record of a change the user was allowed to make, and its reference
	# is the document being saved in this same transaction.
	message.insert(ignore_permissions=True, ignore_links=True)
	enqueue_stream(stream)
	return message.name


# A burst of N messages (a month-end upload makes one per invoice) must not cost N jobs: every job is a
# forked process that connects to the site, about half a second before it does anything. Streams are
# spread over SHARDS delivery jobs instead, each delivering every due stream of its shard until none is
# left. A shard has at most one job waiting in the queue: a Redis key is set (NX) when one is enqueued
# and deleted by the job as it starts, before its first read, so a message committed after that read
# enqueues the next job and none is missed; several jobs of one shard may run at once (different
# workers), each stream still delivered by one at a time (its named lock).
SHARDS = 8
SHARD_JOB_BUDGET = 240  # seconds a delivery job goes on taking due streams before it leaves the rest


def shard_of(stream: str) -> int:
	return int(hashlib.sha1(stream.encode()).hexdigest()[:8], 16) % SHARDS


def _waiting_key(shard: int) -> str:
	return frappe.cache.make_key(f"dms_outbox_shard_waiting::{shard}")


def enqueue_stream(stream: str, after_commit: bool = True) -> None:
	"""Have the stream's messages delivered: after this transaction commits, or now."""
	enqueue = partial(_enqueue_shard, shard_of(stream))
	frappe.db.after_commit.add(enqueue) if after_commit else enqueue()


def _enqueue_shard(shard: int) -> None:
	# expires in case the job is lost (Redis flushed, a worker killed before the job started): the sweep
	# enqueues the shard again after that
	if frappe.cache.set(_waiting_key(shard), 1, nx=True, ex=120):
		frappe.enqueue(
			"dms_app.dms_integrations.outbox.deliver_shard",
			queue="short",
			timeout=SHARD_JOB_BUDGET + 120,
			shard=shard,
		)


def deliver_shard(shard: int) -> int:
	"""Job: deliver the due streams of ``shard`` until none is left; when its time budget is spent first,
	it hands the rest to a next job. Returns how many messages were sent."""
	frappe.cache.delete(_waiting_key(shard))
	frappe.db.commit()  # a snapshot from after the key was deleted: see the note above SHARDS
	started, sent = time.monotonic(), 0
	while True:
		if time.monotonic() - started > SHARD_JOB_BUDGET:
			_enqueue_shard(shard)
			break
		streams = [stream for stream in due_streams() if shard_of(stream) == shard]
		sent_now = sum(deliver_stream(stream) for stream in streams)
		if not sent_now:  # nothing due, or all failed (due again later) or held by another worker
			break
		sent += sent_now
		frappe.db.commit()
	return sent


# Delivering ------------------------------------------------------------------------------------


def deliver_stream(stream: str) -> int:
	"""Send the stream's messages in order while they succeed; returns how many were sent. Only one
	worker works on a stream at a time (dms_app.distribution.locks.named_lock); another simply returns."""
	with named_lock(f"outbox:{stream}") as taken:
		if not taken:
			return 0
		frappe.db.commit()  # read from here on what the previous holder committed, not an older snapshot
		return _deliver_in_order(stream)


def _deliver_in_order(stream: str) -> int:
	sent = 0
	policy = delivery_policy()
	configs: dict[str, dict] = {}
	while True:
		rows = frappe.get_all(
			DOCTYPE,
			filters={"stream": stream, "status": ["!=", SENT]},
			fields=["name", "sequence", "status", "next_attempt", "target"],
			order_by="sequence asc",
		)
		now = now_datetime()
		head = core.next_to_send(
			Queued(r.name, r.sequence, r.status, not r.next_attempt or r.next_attempt <= now) for r in rows
		)
		if not head:
			break
		target = next(r.target for r in rows if r.name == head.name)
		if target not in configs:
			configs[target] = target_config(target)
		status = attempt(head.name, configs[target], policy)
		frappe.db.commit()
		if status != SENT:
			break
		sent += 1
	return sent


def _request(message, config: dict) -> core.Request:
	payload = json.loads(message.payload)
	if message.target == OEM_ERP:
		return core.oem_request(config, payload, message.idempotency_key, message.event)
	if message.target == WHATSAPP:
		return core.whatsapp_request(config, message.recipient, payload["text"], message.idempotency_key)
	return core.sms_request(config, message.recipient, payload["text"], message.idempotency_key)


def attempt(name: str, config: dict, policy: dict) -> str:
	"""One attempt to deliver message ``name``; records the outcome and returns the new status."""
	message = frappe.get_doc(DOCTYPE, name)
	try:
		request = _request(message, config)
	except Exception as e:  # a broken configuration: say so on the message, keep it for a retry
		request = core.Request("POST", "", {})
		result = Result(None, "", f"{type(e).__name__}: {e}", 0.0)
	else:
		result = perform(request, policy["timeout"])
	attempts = cint(message.attempts) + 1
	status = core.after_attempt(core.outcome(result.status_code), attempts, policy["max_attempts"])
	now = now_datetime()
	values = {
		"attempts": attempts,
		"status": status,
		"response_code": result.status_code or 0,
		"response": result.body,
		"last_error": result.error,
		"next_attempt": None,
	}
	if status == SENT:
		values["sent_at"] = now
	elif status == FAILED:
		delay = core.retry_delay(attempts, policy["base"], policy["cap"])
		values["next_attempt"] = add_to_date(now, seconds=delay)
	message.db_set(values, update_modified=True)
	_log(message, request, result, status)
	if message.target == SMS and status == SENT:
		_sms_log(message)
	return status


def _log(message, request: core.Request, result: Result, status: str) -> None:
	headers = {k: ("***" if k in MASKED_HEADERS else v) for k, v in request.headers.items()}
	frappe.get_doc(
		{
			"doctype": "Integration Request",
			"integration_request_service": f"DMS {message.target}",
			"request_description": message.event,
			"request_id": message.idempotency_key[:140],
			"status": "Completed" if status == SENT else "Failed",
			"url": request.url,
			"request_headers": json.dumps(headers, indent=1),
			"data": request.body.decode(errors="replace") if request.body else json.dumps(request.params),
			"output": result.body,
			"error": result.error,
			"reference_doctype": DOCTYPE,
			"reference_docname": message.name,
		}
	).insert(ignore_permissions=True)


def _sms_log(message) -> None:
	"""Frappe's SMS Log, as its own sender writes it."""
	from frappe.core.doctype.sms_settings.sms_settings import create_sms_log

	text = json.loads(message.payload)["text"]
	create_sms_log({"message": text.encode(), "receiver_list": [message.recipient]}, [message.recipient])


def due_streams(limit: int = 1000, due_only: bool = True) -> list[str]:
	"""Streams with a message that may be tried now (or later, with ``due_only`` False) and no Dead
	message holding them."""
	message = frappe.qb.DocType(DOCTYPE)
	dead = frappe.qb.from_(message).select(message.stream).where(message.status == DEAD)
	query = (
		frappe.qb.from_(message)
		.select(message.stream)
		.distinct()
		.where(message.status.isin([PENDING, FAILED]))
		.where(message.stream.notin(dead))
		.limit(limit)
	)
	if due_only:
		query = query.where(message.next_attempt.isnull() | (message.next_attempt <= now_datetime()))
	return [r[0] for r in query.run()]


def sweep() -> None:
	"""Scheduler (every minute): enqueue the delivery of every shard with a message due."""
	for shard in sorted({shard_of(stream) for stream in due_streams()}):
		_enqueue_shard(shard)


def drain(deadline_seconds: float = 600.0, poll: float = 0.02) -> dict:
	"""Deliver in this process until nothing more can be sent (all Sent, Dead or held behind a Dead
	message) or the deadline passes. For tests, benchmarks and ``bench execute``; production uses the
	workers."""
	started = time.monotonic()
	sent = 0
	while time.monotonic() - started < deadline_seconds:
		streams = due_streams()
		for stream in streams:
			sent += deliver_stream(stream)
		if not streams:
			if not due_streams(limit=1, due_only=False):
				break
			time.sleep(poll)
	return {"sent": sent, "seconds": time.monotonic() - started}


@frappe.whitelist(methods=["POST"])
def retry(names: str | list[str] | None = None) -> int:
	"""Try these messages again now (from the desk: one message, or a selection in the list).
	Dead and Failed messages get a fresh set of attempts. DMS Managers and System Managers."""
	require_role("DMS Manager", "System Manager")
	require_args(names=names)
	if isinstance(names, str):
		names = frappe.parse_json(names) if names.startswith("[") else [names]
	if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
		frappe.throw(_("names: send a list of message names."), InvalidPayload, title=_("Invalid Payload"))
	streams = set()
	for name in names:
		message = frappe.get_doc(DOCTYPE, name)
		message.check_permission("write")
		if message.status == SENT:
			continue
		message.db_set({"status": PENDING, "attempts": 0, "next_attempt": None, "last_error": None})
		streams.add(message.stream)
	for stream in streams:
		enqueue_stream(stream)
	return len(streams)
