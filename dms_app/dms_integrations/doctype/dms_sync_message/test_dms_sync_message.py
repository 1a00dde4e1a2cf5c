# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""The outbox on a real site: messages written with their documents, delivered to a fake OEM ERP on
loopback in order, once, through faults."""

import json
import random
import time
from contextlib import contextmanager
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from dms_app.api.primary_orders import acknowledge_order
from dms_app.core import outbox as core
from dms_app.dms_integrations import outbox
from dms_app.dms_integrations.fake_erp import DROP, ERROR, OK, SLOW, FakeERP
from dms_app.tests.factories import (
	act,
	as_user,
	ensure_depot,
	make_distributor,
	make_item,
	make_primary_order,
	make_user,
	receive_stock,
)
from dms_app.tests.workers import run_workers

ITEM = "T-OB-ITEM"
TOKEN, SECRET = "erp-token", "erp-signing-secret"


def configure(url: str, **extra) -> None:
	settings = frappe.get_single("DMS Settings")
	settings.update(
		{
			"oem_sync_enabled": 1,
			"oem_endpoint_url": url,
			"oem_auth": "Bearer Token",
			"oem_token": TOKEN,
			"oem_signing_secret": SECRET,
			"sync_timeout": 0.5,
			"sync_max_attempts": 8,
			"sync_retry_base": 0.01,
			"sync_retry_cap": 0.05,
			"sms_enabled": 0,
			"whatsapp_enabled": 0,
			**extra,
		}
	)
	settings.save(ignore_permissions=True)


@contextmanager
def worker_commits_stay_in_the_test():
	"""deliver_stream commits after each attempt, as a worker must; here that would end the test's
	transaction and leave its data on the site."""
	with patch.object(frappe.db, "commit"):
		yield


def messages(doctype: str, name: str) -> list:
	return frappe.get_all(
		outbox.DOCTYPE,
		filters={"reference_doctype": doctype, "reference_name": name, "target": core.OEM_ERP},
		fields=["name", "event", "status", "sequence", "attempts", "payload"],
		order_by="sequence asc",
	)


class TestOutbox(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.depot = ensure_depot()
		make_item(ITEM, price=50)
		receive_stock(ITEM, cls.depot, 100)
		cls.asm = make_user("t-ob-asm@dms.test", roles=("Area Sales Manager",))
		cls.integration = make_user("t-ob-erp@dms.test", roles=("DMS Integration",))
		cls.portal = make_user("t-ob-dist@dms.test")
		cls.dist = make_distributor("T-OB-1", portal_users=[{"user": cls.portal}], mobile_no="+919800000001")
		receive_stock(ITEM, cls.dist.warehouse, 40)
		cls.retailer = (
			frappe.get_doc(
				{"doctype": "Customer", "customer_name": "T-OB Retailer", "distributor": cls.dist.name}
			)
			.insert()
			.name
		)
		frappe.db.delete("DMS Approval Rule")
		frappe.get_doc({"doctype": "DMS Approval Rule", "level": "Area Sales Manager"}).insert()
		frappe.db.set_single_value("DMS Settings", "require_oem_confirmation", 1)

	def setUp(self):
		frappe.db.delete(outbox.DOCTYPE)
		frappe.clear_document_cache("DMS Settings", "DMS Settings")

	def invoice(self, qty=2):
		doc = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": self.dist.company,
				"customer": self.retailer,
				"distributor": self.dist.name,
				"update_stock": 1,
				"items": [{"item_code": ITEM, "qty": qty, "rate": 60, "warehouse": self.dist.warehouse}],
			}
		).insert()
		doc.submit()
		return doc

	def place_order_and_deliver(self):
		"""The distributor submits an order for approval ("order placed"); the outbox is drained."""
		order = as_user(self.portal, make_primary_order, self.dist, [(ITEM, 1)])
		act(self.portal, order, "Submit for Approval")
		with worker_commits_stay_in_the_test():
			outbox.drain(deadline_seconds=10)
		return order

	def test_nothing_is_written_while_sync_is_off(self):
		frappe.db.set_single_value("DMS Settings", "oem_sync_enabled", 0)
		frappe.clear_document_cache("DMS Settings", "DMS Settings")
		doc = self.invoice()
		self.assertEqual(messages("Sales Invoice", doc.name), [])

	def test_message_is_written_with_its_document_and_only_with_it(self):
		configure("http://127.0.0.1:9/none")
		doc = self.invoice()
		[message] = messages("Sales Invoice", doc.name)
		self.assertEqual(
			(message.event, message.status, message.sequence), ("secondary_sale.submitted", "Pending", 1)
		)
		payload = json.loads(message.payload)
		self.assertEqual(payload["version"], core.PAYLOAD_VERSION)
		self.assertEqual(payload["document"]["customer"], self.retailer)
		self.assertEqual(payload["document"]["items"][0]["qty"], 2)

		# a document that does not make it (rolled back) leaves no message behind
		frappe.db.savepoint("gone")
		gone = self.invoice()
		frappe.db.rollback(save_point="gone")
		self.assertEqual(messages("Sales Invoice", gone.name), [])

		doc.reload()
		doc.cancel()
		self.assertEqual(
			[(m.event, m.sequence) for m in messages("Sales Invoice", doc.name)],
			[("secondary_sale.submitted", 1), ("secondary_sale.cancelled", 2)],
		)

	def test_approved_order_is_sent_once_through_confirmation(self):
		configure("http://127.0.0.1:9/none")
		order = as_user(self.portal, make_primary_order, self.dist, [(ITEM, 3)])
		for user, action in ((self.portal, "Submit for Approval"), (self.asm, "Approve")):
			act(user, order, action)
		[approved] = messages("Material Request", order.name)
		self.assertEqual(approved.event, "primary_order.approved")
		self.assertEqual(
			json.loads(approved.payload)["document"]["workflow_state"], "Pending OEM Confirmation"
		)
		as_user(self.integration, acknowledge_order, order.name, True, "SAP-1")
		self.assertEqual(len(messages("Material Request", order.name)), 1)  # confirming does not repeat it

	def test_delivery_is_signed_ordered_and_logged(self):
		with FakeERP(token=TOKEN, secret=SECRET, plan=lambda n: ERROR if n == 0 else OK) as erp:
			configure(erp.url)
			doc = self.invoice()
			doc.reload()
			doc.cancel()
			with worker_commits_stay_in_the_test():
				outbox.drain(deadline_seconds=30)
			rows = messages("Sales Invoice", doc.name)
			self.assertEqual([r.status for r in rows], ["Sent", "Sent"])
			self.assertEqual(rows[0].attempts, 2)  # the planned 500 was retried
			self.assertEqual(
				[p["event"] for p in erp.applied_order],
				["secondary_sale.submitted", "secondary_sale.cancelled"],
			)
			self.assertEqual(erp.refused, 0)  # token and signature were right
			log = frappe.get_all(
				"Integration Request",
				filters={"reference_doctype": outbox.DOCTYPE, "reference_docname": rows[0].name},
				fields=["status", "error", "request_headers"],
				order_by="creation asc",
			)
			self.assertEqual([r.status for r in log], ["Failed", "Completed"])
			self.assertIn("HTTP 500", log[0].error)
			self.assertEqual(json.loads(log[0].request_headers)["Authorization"], "***")

	def test_refused_message_is_dead_holds_its_document_and_can_be_retried(self):
		with FakeERP(token="another-token") as erp:
			configure(erp.url)
			doc = self.invoice()
			doc.reload()
			doc.cancel()
			with worker_commits_stay_in_the_test():
				outbox.drain(deadline_seconds=10)
			submitted, cancelled = messages("Sales Invoice", doc.name)
			self.assertEqual((submitted.status, submitted.attempts), ("Dead", 1))  # 401: no point retrying
			self.assertEqual((cancelled.status, cancelled.attempts), ("Pending", 0))  # held behind it

			erp.token = TOKEN  # the ERP side is fixed
			manager = make_user("t-ob-mgr@dms.test", roles=("DMS Manager",))
			with self.assertRaises(frappe.PermissionError):
				as_user(self.portal, outbox.retry, [submitted.name])
			as_user(manager, outbox.retry, [submitted.name])
			with worker_commits_stay_in_the_test():
				outbox.drain(deadline_seconds=10)
			self.assertEqual([m.status for m in messages("Sales Invoice", doc.name)], ["Sent", "Sent"])

	def test_gives_up_after_max_attempts(self):
		with FakeERP(plan=lambda n: ERROR) as erp:
			configure(erp.url, sync_max_attempts=3)
			doc = self.invoice()
			with worker_commits_stay_in_the_test():
				outbox.drain(deadline_seconds=10)
			[message] = messages("Sales Invoice", doc.name)
			self.assertEqual((message.status, message.attempts), ("Dead", 3))
			self.assertEqual(erp.requests, 3)

	def test_failed_message_waits_for_its_retry_time(self):
		with FakeERP(plan=lambda n: ERROR if n == 0 else OK) as erp:
			configure(erp.url, sync_retry_base=3600, sync_retry_cap=3600)
			doc = self.invoice()
			[message] = messages("Sales Invoice", doc.name)
			with worker_commits_stay_in_the_test():
				outbox.deliver_stream(core.stream_of(core.OEM_ERP, "Sales Invoice", doc.name))
				self.assertEqual(outbox.due_streams(), [])  # waits at least half an hour
				retry_at = frappe.db.get_value(outbox.DOCTYPE, message.name, "next_attempt")
				self.assertGreater(retry_at, add_to_date(now_datetime(), minutes=29))
				frappe.db.set_value(outbox.DOCTYPE, message.name, "next_attempt", now_datetime())
				outbox.drain(deadline_seconds=10)
			self.assertEqual(frappe.db.get_value(outbox.DOCTYPE, message.name, "status"), "Sent")

	def test_a_delivery_job_out_of_time_hands_its_shard_on(self):
		handed = []
		with (
			patch.object(outbox, "SHARD_JOB_BUDGET", -1),
			patch.object(outbox, "_enqueue_shard", handed.append),
		):
			with worker_commits_stay_in_the_test():
				self.assertEqual(outbox.deliver_shard(3), 0)
		self.assertEqual(handed, [3])

	def test_notifications_by_whatsapp(self):
		with FakeERP(token="wa-token") as provider:
			configure("http://127.0.0.1:9/none", oem_sync_enabled=0)
			settings = frappe.get_single("DMS Settings")
			settings.update(
				{
					"whatsapp_enabled": 1,
					"whatsapp_api_url": provider.url,
					"whatsapp_phone_number_id": "",
					"whatsapp_token": "wa-token",
				}
			)
			settings.save(ignore_permissions=True)
			order = self.place_order_and_deliver()
			[sent] = provider.applied_order
			self.assertEqual(sent["to"], "+919800000001")
			self.assertIn(order.name, sent["text"]["body"])
			self.assertEqual(
				frappe.get_all(outbox.DOCTYPE, filters={"target": "WhatsApp"}, pluck="status"), ["Sent"]
			)

	def test_notifications_by_sms_through_the_sms_settings_gateway(self):
		with FakeERP() as gateway:
			configure("http://127.0.0.1:9/none", oem_sync_enabled=0, sms_enabled=1)
			sms = frappe.get_single("SMS Settings")
			sms.update(
				{
					"sms_gateway_url": gateway.url,
					"message_parameter": "text",
					"receiver_parameter": "to",
					"use_post": 1,
					"parameters": [],
				}
			)
			sms.append("parameters", {"parameter": "Content-Type", "value": "application/json", "header": 1})
			sms.append("parameters", {"parameter": "sender", "value": "DMSBRD"})
			sms.save(ignore_permissions=True)
			order = self.place_order_and_deliver()
			[sent] = gateway.applied_order
			self.assertEqual((sent["to"], sent["sender"]), ("+919800000001", "DMSBRD"))
			self.assertIn(order.name, sent["text"])
			self.assertTrue(
				frappe.db.exists("SMS Log", {"sent_to": "+919800000001", "message": sent["text"]})
			)


class TestOutboxReliability(FrappeTestCase):
	"""1,000 messages through an ERP that is down for a while, answers 500s, answers too slowly and
	drops the connection after applying: each applied exactly once, none lost, order kept."""

	def test_thousand_messages_through_faults(self):
		frappe.db.delete(outbox.DOCTYPE)
		rng = random.Random(7)
		faults = {}
		for n in range(3000):
			roll = rng.random()
			faults[n] = ERROR if roll < 0.10 else SLOW if roll < 0.13 else DROP if roll < 0.18 else OK
		with FakeERP(token=TOKEN, secret=SECRET, plan=lambda n: faults.get(n, OK), slow_seconds=0.3) as erp:
			configure(
				erp.url, sync_timeout=0.2, sync_max_attempts=30, sync_retry_base=0.01, sync_retry_cap=0.2
			)
			documents = [f"T-REL-{i:04d}" for i in range(250)]
			events = ("submitted", "updated", "status", "cancelled")
			for name in documents:  # four messages per document, 1,000 in all
				for event in events:
					key = core.idempotency_key(core.OEM_ERP, "Sales Invoice", name, event)
					outbox.write(core.OEM_ERP, "Sales Invoice", name, event, {"name": name}, key)
			erp.stop()  # down while the first deliveries are tried
			with worker_commits_stay_in_the_test():
				outbox.drain(deadline_seconds=1)
				erp.start()
				outbox.drain(deadline_seconds=600)

			statuses = frappe.get_all(outbox.DOCTYPE, fields=["status", "count(*) as n"], group_by="status")
			self.assertEqual({r.status: r.n for r in statuses}, {"Sent": 1000})
			self.assertEqual(len(erp.applied), 1000)  # none lost
			self.assertEqual(erp.duplicates(), {})  # none applied twice
			seen: dict[str, list[str]] = {}
			for payload in erp.applied_order:
				seen.setdefault(payload["document"]["name"], []).append(payload["event"])
			self.assertEqual(len(seen), 250)
			self.assertTrue(all(tuple(v) == events for v in seen.values()))  # order per document kept
			retried = frappe.db.count(outbox.DOCTYPE, {"attempts": [">", 1]})
			self.assertGreater(retried, 100)  # the faults happened, and show on the messages
			self.assertGreater(
				frappe.db.count(
					"Integration Request", {"reference_doctype": outbox.DOCTYPE, "status": "Failed"}
				),
				100,
			)


class TestOutboxOverWorkers(FrappeTestCase):
	"""Messages of many documents delivered by two real RQ workers: a handful of delivery jobs (one per
	shard of streams), not one per message; each message applied once, in order per document. The
	workers see only committed data, so this class commits and cleans up."""

	PREFIX = "T-OBW-"

	def setUp(self):
		settings = frappe.get_single("DMS Settings")
		saved = {key: settings.get(key) for key in ("oem_sync_enabled", "oem_endpoint_url", "oem_token")}
		self.addCleanup(self.clean, saved)

	def clean(self, saved):
		frappe.db.rollback()
		names = frappe.get_all(outbox.DOCTYPE, {"reference_name": ["like", f"{self.PREFIX}%"]}, pluck="name")
		if names:
			frappe.db.delete(
				"Integration Request",
				{"reference_doctype": outbox.DOCTYPE, "reference_docname": ["in", names]},
			)
			frappe.db.delete(outbox.DOCTYPE, {"name": ["in", names]})
		settings = frappe.get_single("DMS Settings")
		settings.update(saved)
		settings.save(ignore_permissions=True)
		frappe.db.commit()

	def test_a_burst_is_delivered_by_two_workers_in_a_few_jobs(self):
		events = ("submitted", "updated", "cancelled")
		faults = {n: ERROR for n in range(0, 400, 9)}  # some 500s: retried by the sweep
		with FakeERP(token=TOKEN, secret=SECRET, plan=lambda n: faults.get(n, OK)) as erp:
			configure(erp.url, sync_retry_base=0.01, sync_retry_cap=0.02, sync_max_attempts=20)
			frappe.db.commit()
			enqueued = []
			enqueue = frappe.enqueue

			def counting_enqueue(method, **kwargs):
				enqueued.append(method)
				return enqueue(method, **kwargs)

			documents = [f"{self.PREFIX}{i:03d}" for i in range(60)]
			with patch.object(frappe, "enqueue", counting_enqueue):
				for name in documents:
					for event in events:
						key = core.idempotency_key(core.OEM_ERP, "Sales Invoice", name, event)
						outbox.write(core.OEM_ERP, "Sales Invoice", name, event, {"name": name}, key)
				frappe.db.commit()  # the delivery jobs are enqueued here
				self.assertLessEqual(len(enqueued), outbox.SHARDS)  # 180 messages, a job per shard

				output, deadline = [], time.monotonic() + 300
				while time.monotonic() < deadline:  # the workers deliver; the sweep (every minute) retries
					output += run_workers(2, "short")
					frappe.db.rollback()
					if not frappe.db.count(
						outbox.DOCTYPE,
						{"reference_name": ["like", f"{self.PREFIX}%"], "status": ["!=", "Sent"]},
					):
						break
					time.sleep(0.05)
					outbox.sweep()

			statuses = frappe.get_all(
				outbox.DOCTYPE,
				filters={"reference_name": ["like", f"{self.PREFIX}%"]},
				fields=["status", "count(*) as n"],
				group_by="status",
			)
			self.assertEqual({r.status: r.n for r in statuses}, {"Sent": 180}, output[-2:])
			self.assertEqual(erp.duplicates(), {})
			seen: dict[str, list[str]] = {}
			for payload in erp.applied_order:
				seen.setdefault(payload["document"]["name"], []).append(payload["event"])
			self.assertEqual(set(seen), set(documents))
			self.assertTrue(all(tuple(v) == events for v in seen.values()))
