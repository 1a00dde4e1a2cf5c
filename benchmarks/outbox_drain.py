"""Outbox delivery: throughput and time to drain 1,000 messages to a fake OEM ERP on loopback.

Two scenarios in one run, each with 1, then 2 delivering processes (what `bench worker` processes do,
committing after every attempt):
  healthy  the ERP answers every request at once;
  faults   the ERP is down for the first 3 s, then answers 10 % of requests with 500, 3 % too slowly
           (past the 0.2 s timeout, after applying them) and drops the connection after applying 5 %.
Afterwards each run checks what the reliability test checks: every message Sent, each applied by the
ERP exactly once, in order per document.

Run it with the bench's Python as the bench owner, from the bench's sites folder:

	cd /opt/dms-bench/sites && ../env/bin/python /path/to/benchmarks/outbox_drain.py --site dms.localhost

Figures go to stdout and to <--out>/outbox_drain.json (default benchmarks/out/). The messages and
their delivery log are deleted at the end.
"""

import argparse
import json
import multiprocessing
import random
import time
from pathlib import Path

import frappe

HERE = Path(__file__).resolve().parent
DOCUMENTS, EVENTS = 250, ("submitted", "updated", "status", "cancelled")
SETTINGS = ("oem_sync_enabled", "oem_endpoint_url", "oem_auth", "sync_timeout", "sync_max_attempts")
SETTINGS += ("sync_retry_base", "sync_retry_cap")


def drainer(site: str, deadline: float) -> None:
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	from dms_app.dms_integrations import outbox

	try:
		outbox.drain(deadline_seconds=deadline)
	finally:
		frappe.destroy()


def write_messages(tag: str) -> None:
	from dms_app.core import outbox as core
	from dms_app.dms_integrations import outbox

	for d in range(DOCUMENTS):
		name = f"BENCH-OB-{tag}-{d:04d}"
		for event in EVENTS:
			key = core.idempotency_key(core.OEM_ERP, "Sales Invoice", name, event)
			outbox.write(core.OEM_ERP, "Sales Invoice", name, event, {"name": name}, key)
	frappe.db.commit()


def clean(tag: str) -> None:
	from dms_app.dms_integrations.outbox import DOCTYPE

	names = frappe.get_all(DOCTYPE, filters={"reference_name": ["like", f"BENCH-OB-{tag}-%"]}, pluck="name")
	for chunk in range(0, len(names), 500):
		part = names[chunk : chunk + 500]
		frappe.db.delete(
			"Integration Request", {"reference_doctype": DOCTYPE, "reference_docname": ["in", part]}
		)
		frappe.db.delete(DOCTYPE, {"name": ["in", part]})
	frappe.db.commit()


def run(site: str, scenario: str, drainers: int) -> dict:
	from dms_app.dms_integrations.fake_erp import DROP, ERROR, OK, SLOW, FakeERP
	from dms_app.dms_integrations.outbox import DOCTYPE

	rng = random.Random(7)
	plan = {}
	if scenario == "faults":
		for n in range(5000):
			roll = rng.random()
			plan[n] = ERROR if roll < 0.10 else SLOW if roll < 0.13 else DROP if roll < 0.18 else OK
	tag = f"{scenario[0].upper()}{drainers}{int(time.time()) % 100000}"
	erp = FakeERP(plan=lambda n: plan.get(n, OK), slow_seconds=0.3)
	erp.start()
	settings = frappe.get_single("DMS Settings")
	settings.update(
		{
			"oem_sync_enabled": 1,
			"oem_endpoint_url": erp.url,
			"oem_auth": "Bearer Token",
			"sync_timeout": 0.2,
			"sync_max_attempts": 30,
			"sync_retry_base": 0.05,
			"sync_retry_cap": 1.0,
		}
	)
	settings.save(ignore_permissions=True)
	write_messages(tag)
	if scenario == "faults":
		erp.stop()
	started = time.monotonic()
	context = multiprocessing.get_context("spawn")
	workers = [context.Process(target=drainer, args=(site, 600)) for _ in range(drainers)]
	for w in workers:
		w.start()
	if scenario == "faults":
		time.sleep(3)
		erp.start()
	for w in workers:
		w.join()
	seconds = time.monotonic() - started
	erp.stop()

	frappe.db.rollback()  # see the drainers' commits
	rows = frappe.get_all(
		DOCTYPE,
		filters={"reference_name": ["like", f"BENCH-OB-{tag}-%"]},
		fields=["status", "attempts"],
	)
	by_document: dict[str, list[str]] = {}
	for payload in erp.applied_order:
		by_document.setdefault(payload["document"]["name"], []).append(payload["event"])
	result = {
		"scenario": scenario,
		"drainers": drainers,
		"messages": len(rows),
		"sent": sum(r.status == "Sent" for r in rows),
		"attempts": sum(r.attempts for r in rows),
		"requests_seen_by_erp": erp.requests,
		"applied_once": len(erp.applied) == len(rows) and not erp.duplicates(),
		"order_kept": all(tuple(v) == EVENTS for v in by_document.values()),
		"seconds_to_drain": round(seconds, 2),
		"messages_per_second": round(len(rows) / seconds, 1),
	}
	clean(tag)
	return result


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default="dms.localhost")
	parser.add_argument("--drainers", default="1,2", help="comma-separated numbers of delivering processes")
	parser.add_argument("--out", default=str(HERE / "out"), help="folder for the JSON report")
	args = parser.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	settings = frappe.get_single("DMS Settings")
	saved = {f: settings.get(f) for f in SETTINGS}
	results = []
	try:
		for scenario in ("healthy", "faults"):
			for drainers in map(int, args.drainers.split(",")):
				result = run(args.site, scenario, drainers)
				print(json.dumps(result))
				results.append(result)
	finally:
		settings = frappe.get_single("DMS Settings")
		settings.update(saved)
		settings.save(ignore_permissions=True)
		frappe.db.commit()
		frappe.destroy()
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	(out / "outbox_drain.json").write_text(json.dumps(results, indent=1))
	print(
		f"{'scenario':<9} {'drainers':>8} {'sent':>5} {'attempts':>8} {'seconds':>8} {'msg/s':>7} once order"
	)
	for r in results:
		print(
			f"{r['scenario']:<9} {r['drainers']:>8} {r['sent']:>5} {r['attempts']:>8} "
			f"{r['seconds_to_drain']:>8} {r['messages_per_second']:>7} {r['applied_once']!s:>4} {r['order_kept']}"
		)


if __name__ == "__main__":
	main()
