"""The outbox's rules, without the database: what a message says, how it is signed and sent, what an
answer means, when to try again and which message of a document may go next.

Every message belongs to a *stream*, one per target and document. Messages of a stream are delivered
in the order they were written, so a document's cancellation never reaches the OEM ERP before its
submission. A message is retried until it is sent or has used up its attempts (Dead); a Dead message
holds back the rest of its stream until someone retries it from the desk.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

PAYLOAD_VERSION = 1

# Targets: the OEM ERP gets documents; SMS and WhatsApp get notifications.
OEM_ERP = "OEM ERP"
SMS = "SMS"
WHATSAPP = "WhatsApp"
TARGETS = (OEM_ERP, SMS, WHATSAPP)

PENDING = "Pending"
SENT = "Sent"
FAILED = "Failed"  # tried, will try again
DEAD = "Dead"  # gave up; a person must look
STATUSES = (PENDING, SENT, FAILED, DEAD)

SIGNATURE_HEADER = "X-DMS-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-DMS-Event"

# Answers worth trying again: the server may succeed later.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def stream_of(target: str, doctype: str, name: str, recipient: str | None = None) -> str:
	"""Messages about one document to one target (and one recipient, for SMS and WhatsApp): a number
	that refuses messages holds back only its own."""
	return "|".join(filter(None, (target, doctype, name, recipient)))


def idempotency_key(target: str, doctype: str, name: str, event: str, *extra: str) -> str:
	"""The same event of the same document for the same target always has the same key, so writing it
	twice is harmless and the receiver can recognise a repeat."""
	return ":".join(["dms", target, doctype, name, event, *extra])


# Signing ---------------------------------------------------------------------------------------


def sign(secret: str | bytes, body: bytes) -> str:
	"""``sha256=<hex HMAC-SHA256 of the exact body bytes>``, GitHub-style."""
	key = secret.encode() if isinstance(secret, str) else secret
	return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(secret: str | bytes, body: bytes, signature: str | None) -> bool:
	if not signature:
		return False
	return hmac.compare_digest(sign(secret, body), signature.strip())


# Requests --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
	method: str
	url: str
	headers: dict[str, str]
	body: bytes = b""
	params: dict[str, str] = field(default_factory=dict)


def encode(payload: Mapping) -> bytes:
	"""Canonical JSON: the bytes that are signed are the bytes that are sent."""
	return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def oem_request(config: Mapping, payload: Mapping, key: str, event: str) -> Request:
	"""POST the payload as JSON to the OEM endpoint.

	config: url, and optionally token (Bearer), username + password (Basic), secret (HMAC)."""
	body = encode(payload)
	headers = {
		"Content-Type": "application/json",
		IDEMPOTENCY_HEADER: key,
		EVENT_HEADER: event,
	}
	if config.get("token"):
		headers["Authorization"] = f"Bearer {config['token']}"
	elif config.get("username"):
		pair = f"{config['username']}:{config.get('password') or ''}".encode()
		headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
	if config.get("secret"):
		headers[SIGNATURE_HEADER] = sign(config["secret"], body)
	return Request("POST", config["url"], headers, body)


def whatsapp_request(config: Mapping, to: str, text: str, key: str) -> Request:
	"""A text message in the shape of the WhatsApp Cloud API: POST {url}/{phone_number_id}/messages."""
	url = config["url"].rstrip("/")
	if config.get("phone_number_id"):
		url = f"{url}/{config['phone_number_id']}/messages"
	body = encode(
		{
			"messaging_product": "whatsapp",
			"to": to,
			"type": "text",
			"text": {"preview_url": False, "body": text},
		}
	)
	headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: key}
	if config.get("token"):
		headers["Authorization"] = f"Bearer {config['token']}"
	return Request("POST", url, headers, body)


def sms_request(config: Mapping, to: str, text: str, key: str) -> Request:
	"""A request to an SMS gateway configured as in Frappe's SMS Settings: url, message_parameter,
	receiver_parameter, parameters ({name: value} sent with the message), headers, use_post, use_json."""
	params = {
		**(config.get("parameters") or {}),
		config["message_parameter"]: text,
		config["receiver_parameter"]: to,
	}
	headers = {**(config.get("headers") or {}), IDEMPOTENCY_HEADER: key}
	if not config.get("use_post"):
		return Request("GET", config["url"], headers, params=params)
	if config.get("use_json"):
		headers["Content-Type"] = "application/json"
		return Request("POST", config["url"], headers, encode(params))
	headers["Content-Type"] = "application/x-www-form-urlencoded"
	return Request("POST", config["url"], headers, urlencode(params).encode())


# Outcomes --------------------------------------------------------------------------------------


def outcome(status_code: int | None) -> str:
	"""What an answer means: SENT (2xx), FAILED (no answer, timeout, 408/425/429/5xx: try again) or
	DEAD (any other answer: the receiver refused this message and will refuse it again)."""
	if status_code is None or status_code in RETRYABLE_STATUS:
		return FAILED
	if 200 <= status_code < 300:
		return SENT
	return DEAD


def retry_delay(attempts: int, base: float, cap: float, rand: Callable[[], float] = random.random) -> float:
	"""Seconds to wait after the ``attempts``-th failed attempt: exponential (base, 2·base, 4·base, …,
	at most cap) with "equal jitter" (half fixed, half random), so retries of many messages after an
	outage spread out instead of arriving together."""
	delay = min(cap, base * 2 ** max(attempts - 1, 0))
	return delay / 2 + rand() * delay / 2


def after_attempt(status: str, attempts: int, max_attempts: int) -> str:
	"""The message's status after an attempt whose outcome was ``status``."""
	if status == FAILED and attempts >= max_attempts:
		return DEAD
	return status


@dataclass(frozen=True)
class Queued:
	name: str
	sequence: int
	status: str
	due: bool  # next attempt time reached


def next_to_send(stream: Iterable[Queued]) -> Queued | None:
	"""The one message of a stream that may be sent now: the earliest not yet sent, if it is due.
	None when everything is sent, the earliest is waiting for its retry time, or it is Dead."""
	for message in sorted(stream, key=lambda m: (m.sequence, m.name)):
		if message.status == SENT:
			continue
		if message.status in (PENDING, FAILED) and message.due:
			return message
		return None
	return None


# Payloads --------------------------------------------------------------------------------------
# Version 1. Fields are chosen, not dumped: the OEM ERP depends on them, so adding one is fine and
# renaming or removing one needs PAYLOAD_VERSION 2. Documented in README "Outbound messages".


def envelope(event: str, key: str, sequence: int, occurred_at: str, document: Mapping) -> dict:
	"""``sequence`` counts the messages of the document's stream from 1, so a receiver can see order."""
	return {
		"version": PAYLOAD_VERSION,
		"event": event,
		"idempotency_key": key,
		"sequence": sequence,
		"occurred_at": occurred_at,
		"document": dict(document),
	}


def _pick(row: Mapping, fields: Iterable[str]) -> dict:
	return {f: row.get(f) for f in fields}


ORDER_FIELDS = (
	"name",
	"company",
	"distributor",
	"transaction_date",
	"schedule_date",
	"workflow_state",
	"dms_order_value",
	"dms_scheme_discount",
	"dms_erp_reference",
)
ORDER_ITEM_FIELDS = (
	"item_code",
	"qty",
	"uom",
	"stock_qty",
	"stock_uom",
	"rate",
	"amount",
	"warehouse",
	"dms_scheme",
	"dms_scheme_discount",
)

DISPATCH_FIELDS = (
	"name",
	"company",
	"distributor",
	"purpose",
	"stock_entry_type",
	"posting_date",
	"posting_time",
	"docstatus",
	"workflow_state",
	"dms_carrier",
	"dms_tracking_no",
)
DISPATCH_ITEM_FIELDS = (
	"item_code",
	"qty",
	"uom",
	"transfer_qty",
	"s_warehouse",
	"t_warehouse",
	"batch_no",
	"basic_rate",
	"material_request",
)

INVOICE_FIELDS = (
	"name",
	"company",
	"distributor",
	"customer",
	"posting_date",
	"dms_external_ref",
	"dms_scheme_discount",
	"is_return",
	"return_against",
	"currency",
	"net_total",
	"total_taxes_and_charges",
	"grand_total",
	"docstatus",
)
INVOICE_ITEM_FIELDS = (
	"item_code",
	"qty",
	"uom",
	"rate",
	"price_list_rate",
	"discount_percentage",
	"discount_amount",
	"amount",
	"dms_scheme",
	"dms_scheme_discount",
	"warehouse",
	"batch_no",
)

CLAIM_FIELDS = (
	"name",
	"company",
	"distributor",
	"scheme",
	"from_date",
	"to_date",
	"total_amount",
	"settlement",
	"credit_note",
	"journal_entry",
)
CLAIM_LINE_FIELDS = (
	"voucher_type",
	"voucher_no",
	"posting_date",
	"retailer",
	"item_code",
	"free_item",
	"free_qty",
	"value",
)

PAYMENT_FIELDS = (
	"name",
	"company",
	"distributor",
	"payment_type",
	"party_type",
	"party",
	"posting_date",
	"paid_amount",
	"paid_to_account_currency",
	"unallocated_amount",
	"reference_no",
	"reference_date",
	"docstatus",
)
PAYMENT_REFERENCE_FIELDS = (
	"reference_doctype",
	"reference_name",
	"allocated_amount",
	"outstanding_amount",
	"payment_request",
)

DOCUMENT_FIELDS = {
	"Material Request": (ORDER_FIELDS, ORDER_ITEM_FIELDS),
	"Stock Entry": (DISPATCH_FIELDS, DISPATCH_ITEM_FIELDS),
	"Sales Invoice": (INVOICE_FIELDS, INVOICE_ITEM_FIELDS),
	"Delivery Note": (INVOICE_FIELDS, INVOICE_ITEM_FIELDS),
	"DMS Scheme Claim": (CLAIM_FIELDS, CLAIM_LINE_FIELDS),
	"Payment Entry": (PAYMENT_FIELDS, PAYMENT_REFERENCE_FIELDS),
}


def document_payload(doctype: str, doc: Mapping, items: Iterable[Mapping]) -> dict:
	"""The document part of a message: the chosen header fields, ``doctype`` and the item rows."""
	header_fields, item_fields = DOCUMENT_FIELDS[doctype]
	return {"doctype": doctype, **_pick(doc, header_fields), "items": [_pick(i, item_fields) for i in items]}
