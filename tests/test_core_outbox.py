import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_app.core import outbox
from dms_app.core.outbox import DEAD, FAILED, PENDING, SENT, Queued
from dms_app.dms_integrations.fake_erp import DROP, ERROR, OK, SLOW, FakeERP
from dms_app.dms_integrations.transport import perform


def test_signature_round_trip_and_tamper():
	body = outbox.encode({"b": 1, "a": [1, 2]})
	assert body == b'{"a":[1,2],"b":1}'
	signature = outbox.sign("s3cret", body)
	assert signature.startswith("sha256=") and len(signature) == 7 + 64
	assert outbox.verify("s3cret", body, signature)
	assert not outbox.verify("s3cret", body + b" ", signature)
	assert not outbox.verify("other", body, signature)
	assert not outbox.verify("s3cret", body, None)


def test_outcome():
	assert outbox.outcome(200) == SENT
	assert outbox.outcome(201) == SENT
	assert outbox.outcome(None) == FAILED
	for code in (408, 429, 500, 502, 503, 504):
		assert outbox.outcome(code) == FAILED
	for code in (400, 401, 403, 404, 409, 422, 301):
		assert outbox.outcome(code) == DEAD


def test_after_attempt_gives_up_at_max():
	assert outbox.after_attempt(FAILED, 4, 5) == FAILED
	assert outbox.after_attempt(FAILED, 5, 5) == DEAD
	assert outbox.after_attempt(SENT, 5, 5) == SENT
	assert outbox.after_attempt(DEAD, 1, 5) == DEAD


@given(st.integers(1, 40), st.floats(0.01, 100), st.floats(0, 1))
def test_retry_delay_is_bounded_and_grows(attempts, base, r):
	cap = base * 50
	delay = outbox.retry_delay(attempts, base, cap, rand=lambda: r)
	full = min(cap, base * 2 ** (attempts - 1))
	assert full / 2 <= delay <= full
	assert outbox.retry_delay(attempts + 1, base, cap, rand=lambda: 1.0) >= outbox.retry_delay(
		attempts, base, cap, rand=lambda: 1.0
	)


def q(name, sequence, status, due=True):
	return Queued(name, sequence, status, due)


def test_next_to_send_keeps_order():
	# The submit is waiting for its retry: the cancel behind it must wait too.
	stream = [q("cancel", 2, PENDING), q("submit", 1, FAILED, due=False)]
	assert outbox.next_to_send(stream) is None
	stream = [q("cancel", 2, PENDING), q("submit", 1, FAILED, due=True)]
	assert outbox.next_to_send(stream).name == "submit"
	stream = [q("cancel", 2, PENDING), q("submit", 1, SENT)]
	assert outbox.next_to_send(stream).name == "cancel"
	assert outbox.next_to_send([q("a", 1, SENT)]) is None
	assert outbox.next_to_send([]) is None


def test_dead_message_holds_its_stream():
	assert outbox.next_to_send([q("submit", 1, DEAD), q("cancel", 2, PENDING)]) is None


@given(st.lists(st.sampled_from([PENDING, SENT, FAILED, DEAD]), max_size=8), st.randoms())
def test_next_to_send_is_the_earliest_unsent_whatever_the_row_order(statuses, rnd):
	stream = [q(f"m{i}", i, s) for i, s in enumerate(statuses)]
	shuffled = list(stream)
	rnd.shuffle(shuffled)
	chosen = outbox.next_to_send(shuffled)
	unsent = [m for m in stream if m.status != SENT]
	if not unsent or unsent[0].status == DEAD:
		assert chosen is None
	else:
		assert chosen == unsent[0]


def test_streams_are_per_document_and_recipient():
	assert outbox.stream_of("OEM ERP", "Sales Invoice", "S-1") == "OEM ERP|Sales Invoice|S-1"
	assert outbox.stream_of("SMS", "Material Request", "MR-1", "+9198") != outbox.stream_of(
		"SMS", "Material Request", "MR-1", "+9197"
	)


def test_idempotency_key_is_stable():
	a = outbox.idempotency_key("OEM ERP", "Sales Invoice", "SINV-1", "submitted")
	assert a == outbox.idempotency_key("OEM ERP", "Sales Invoice", "SINV-1", "submitted")
	assert a != outbox.idempotency_key("OEM ERP", "Sales Invoice", "SINV-1", "cancelled")


def test_oem_request_headers():
	req = outbox.oem_request({"url": "http://x/e", "token": "t", "secret": "k"}, {"a": 1}, "key-1", "ev")
	assert req.method == "POST" and req.body == b'{"a":1}'
	assert req.headers["Authorization"] == "Bearer t"
	assert req.headers["Idempotency-Key"] == "key-1"
	assert outbox.verify("k", req.body, req.headers["X-DMS-Signature"])
	basic = outbox.oem_request({"url": "http://x/e", "username": "u", "password": "p"}, {}, "k", "ev")
	assert basic.headers["Authorization"] == "Basic dTpw"
	assert "X-DMS-Signature" not in basic.headers


def test_messaging_requests():
	wa = outbox.whatsapp_request(
		{"url": "https://graph/v19.0/", "phone_number_id": "123", "token": "t"}, "9198", "Hi", "k"
	)
	assert wa.url == "https://graph/v19.0/123/messages"
	assert json.loads(wa.body) == {
		"messaging_product": "whatsapp",
		"to": "9198",
		"type": "text",
		"text": {"preview_url": False, "body": "Hi"},
	}
	config = {
		"url": "https://sms/send",
		"message_parameter": "msg",
		"receiver_parameter": "to",
		"parameters": {"key": "K"},
	}
	get = outbox.sms_request(config, "9198", "Hi there", "k")
	assert get.method == "GET" and get.params == {"key": "K", "msg": "Hi there", "to": "9198"}
	post = outbox.sms_request({**config, "use_post": 1}, "9198", "Hi there", "k")
	assert post.body == b"key=K&msg=Hi+there&to=9198"
	as_json = outbox.sms_request({**config, "use_post": 1, "use_json": 1}, "9198", "Hi", "k")
	assert json.loads(as_json.body)["to"] == "9198"


def test_document_payload_picks_fields():
	doc = {"name": "SINV-1", "customer": "R1", "secret_field": "x", "grand_total": 10}
	items = [{"item_code": "A", "qty": 2, "rate": 5, "income_account": "x"}]
	payload = outbox.document_payload("Sales Invoice", doc, items)
	assert payload["doctype"] == "Sales Invoice" and payload["customer"] == "R1"
	assert "secret_field" not in payload and "income_account" not in payload["items"][0]
	assert payload["items"][0]["qty"] == 2
	message = outbox.envelope("secondary_sale.submitted", "k", 1, "2026-01-01 10:00:00", payload)
	assert message["version"] == outbox.PAYLOAD_VERSION and message["sequence"] == 1


# Transport against the fake ERP on loopback -------------------------------------------------------


def send(erp, key, payload=None, timeout=2.0, **config):
	request = outbox.oem_request({"url": erp.url, **config}, payload or {"k": key}, key, "test")
	return perform(request, timeout)


def test_transport_applies_once_and_reports_repeats():
	with FakeERP(token="t", secret="s") as erp:
		first = send(erp, "k1", token="t", secret="s")
		again = send(erp, "k1", token="t", secret="s")
		assert first.status_code == 200 and json.loads(first.body)["duplicate"] is False
		assert again.status_code == 200 and json.loads(again.body)["duplicate"] is True
		assert erp.applied["k1"] == 1


@pytest.mark.parametrize("config", [{"token": "wrong", "secret": "s"}, {"token": "t", "secret": "wrong"}])
def test_transport_refused_without_the_right_credentials(config):
	with FakeERP(token="t", secret="s") as erp:
		result = send(erp, "k1", **config)
		assert result.status_code == 401 and outbox.outcome(result.status_code) == DEAD
		assert not erp.applied


def test_transport_faults_are_reported_not_raised():
	plan = {0: ERROR, 1: SLOW, 2: DROP}
	with FakeERP(plan=lambda n: plan.get(n, OK), slow_seconds=1.0) as erp:
		error = send(erp, "k1")
		assert error.status_code == 500 and outbox.outcome(500) == FAILED
		slow = send(erp, "k2", timeout=0.2)
		assert slow.status_code is None and "Timeout" in slow.error
		dropped = send(erp, "k3")
		assert dropped.status_code is None and dropped.error
		assert set(erp.applied) == {"k2", "k3"}  # applied, but the client never heard


def test_transport_while_down_then_up():
	erp = FakeERP().start()
	assert send(erp, "k1").status_code == 200
	erp.stop()
	down = send(erp, "k2", timeout=0.5)
	assert down.status_code is None and "Connection" in down.error
	erp.start()
	try:
		assert send(erp, "k2").status_code == 200
	finally:
		erp.stop()
