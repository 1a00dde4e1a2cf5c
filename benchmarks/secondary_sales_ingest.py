"""Secondary-sales ingestion, three ways, on one bench site, in one run:

  (a) the bulk API: one POST of the whole batch to dms_app.api.secondary_sales.upload over HTTP,
      processed by a background worker, polled with upload_status until done;
  (b) the per-document REST path an integrator uses today: POST /api/resource/Sales Invoice, then
      PUT .../<name> {"docstatus": 1} to submit it, one invoice at a time;
  (c) a plain in-process ERPNext loop: frappe.get_doc(...).insert(); .submit(), committing every 25.

The invoices are posted in --rounds slices, each slice the three ways in turn, so that a change in the
machine's load during the run weighs on all three alike. Each way gets its own freshly made distributor
(same items, stock and invoice contents), so none sees the others' invoices. The script starts gunicorn and an RQ worker on loopback for (a) and (b) and stops
them at the end. Run it with the bench's Python as the bench owner, from the bench's sites folder:

	cd /opt/dms-bench/sites && ../env/bin/python /path/to/benchmarks/secondary_sales_ingest.py \\
		--site dms.localhost --invoices 2000 --lines 5

Figures go to stdout and to <--out>/secondary_sales_ingest.json (default benchmarks/out/).
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import frappe
import requests

HERE = Path(__file__).resolve().parent


def setup(tag: str, n_items: int, stock: int) -> dict:
	from dms_app.tests.factories import (
		complete_setup_wizard,
		make_distributor,
		make_item,
		make_user,
		receive_stock,
	)

	complete_setup_wizard()
	items = [make_item(f"BENCH-ITEM-{i:02d}", price=100 + i) for i in range(n_items)]
	user = make_user("bench-integration@dms.example", roles=("DMS Integration",))
	doc = frappe.get_doc("User", user)
	doc.api_key = doc.api_key or frappe.generate_hash(length=15)
	secret = frappe.generate_hash(length=15)
	doc.api_secret = secret
	doc.save(ignore_permissions=True)
	distributors = {}
	made = {
		way: make_distributor(f"BENCH-{tag}-{way.upper()}", distributor_name=f"Bench {tag} {way}")
		for way in "abc"
	}
	# ERPNext caches the warehouse -> account map per process; the new warehouses are not in it yet
	frappe.flags.pop("warehouse_account_map", None)
	for way, dist in made.items():
		for item in items:
			receive_stock(item, dist.warehouse, stock, posting_date="2026-01-01")
		retailers = []
		for r in range(20):
			retailers.append(
				frappe.get_doc(
					{
						"doctype": "Customer",
						"customer_name": f"Bench {tag} {way} Retailer {r}",
						"customer_type": "Company",
						"distributor": dist.name,
						"retailer_code": f"{dist.name}-R{r}",
					}
				)
				.insert()
				.name
			)
		distributors[way] = {
			"name": dist.name,
			"warehouse": dist.warehouse,
			"company": dist.company,
			"retailers": retailers,
		}
	frappe.db.commit()
	return {"items": items, "token": f"token {doc.api_key}:{secret}", "distributors": distributors}


def make_invoices(n: int, lines: int, items: list[str], seed: int = 7) -> list[dict]:
	rng = random.Random(seed)
	return [
		{
			"external_ref": f"INV-{i:06d}",
			"posting_date": "2026-02-01",
			"retailer_index": rng.randrange(20),
			"lines": [
				{"item_code": item, "qty": rng.randint(1, 5), "rate": 100, "discount_percentage": 0}
				for item in rng.sample(items, lines)
			],
		}
		for i in range(n)
	]


def way_a(base: str, token: str, dist: dict, invoices: list[dict]) -> float:
	payload = [
		{
			"external_ref": inv["external_ref"],
			"posting_date": inv["posting_date"],
			"retailer": {"code": f"{dist['name']}-R{inv['retailer_index']}"},
			"lines": inv["lines"],
		}
		for inv in invoices
	]
	start = time.perf_counter()
	response = requests.post(
		f"{base}/api/method/dms_app.api.secondary_sales.upload",
		json={"format": "json", "distributor": dist["name"], "invoices": payload},
		headers={"Authorization": token},
		timeout=600,
	)
	if not response.ok:
		raise RuntimeError(f"upload failed: {response.status_code} {response.text[:3000]}")
	message = response.json()["message"]
	while message.get("status") not in ("Done", "Failed"):
		time.sleep(0.5)
		message = requests.get(
			f"{base}/api/method/dms_app.api.secondary_sales.upload_status",
			params={"upload": message["upload"]},
			headers={"Authorization": token},
			timeout=60,
		).json()["message"]
	elapsed = time.perf_counter() - start
	assert message["status"] == "Done" and message["created"] == len(invoices), message
	return elapsed


def invoice_doc(dist: dict, inv: dict) -> dict:
	return {
		"doctype": "Sales Invoice",
		"company": dist["company"],
		"customer": dist["retailers"][inv["retailer_index"]],
		"posting_date": inv["posting_date"],
		"set_posting_time": 1,
		"update_stock": 1,
		"distributor": dist["name"],
		"set_warehouse": dist["warehouse"],
		"items": [
			{
				"item_code": line["item_code"],
				"qty": line["qty"],
				"rate": line["rate"],
				"price_list_rate": line["rate"],
				"warehouse": dist["warehouse"],
			}
			for line in inv["lines"]
		],
	}


def way_b(base: str, token: str, dist: dict, invoices: list[dict]) -> float:
	session = requests.Session()
	session.headers["Authorization"] = token
	start = time.perf_counter()
	for inv in invoices:
		created = session.post(f"{base}/api/resource/Sales Invoice", json=invoice_doc(dist, inv), timeout=120)
		created.raise_for_status()
		name = created.json()["data"]["name"]
		session.put(
			f"{base}/api/resource/Sales Invoice/{name}", json={"docstatus": 1}, timeout=120
		).raise_for_status()
	return time.perf_counter() - start


def way_c(dist: dict, invoices: list[dict]) -> float:
	start = time.perf_counter()
	for done, inv in enumerate(invoices, start=1):
		doc = frappe.get_doc(invoice_doc(dist, inv))
		doc.insert()
		doc.submit()
		if done % 25 == 0:
			frappe.db.commit()
	frappe.db.commit()
	return time.perf_counter() - start


def start_servers(site: str, port: int, workers: int) -> list[subprocess.Popen]:
	env = dict(os.environ, FRAPPE_SITE=site)
	python = str(Path("..", "env", "bin", "python"))
	web = subprocess.Popen(
		[
			str(Path("..", "env", "bin", "gunicorn")),
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			str(workers),
			"-t",
			"600",
			"frappe.app:application",
			"--preload",
		],
		env=env,
		stdout=subprocess.DEVNULL,
		stderr=open("/tmp/dms-bench-gunicorn.log", "w"),
		start_new_session=True,
	)
	worker = subprocess.Popen(
		[python, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "long"],
		env=env,
		stdout=subprocess.DEVNULL,
		stderr=open("/tmp/dms-bench-worker.log", "w"),
		start_new_session=True,
	)
	return [web, worker]


def wait_for(base: str, site: str, seconds: int = 60):
	for _ in range(seconds * 2):
		try:
			if requests.get(f"{base}/api/method/ping", headers={"Host": site}, timeout=2).ok:
				return
		except requests.ConnectionError:
			pass
		time.sleep(0.5)
	raise RuntimeError("gunicorn did not come up; see /tmp/dms-bench-gunicorn.log")


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default="dms.localhost")
	parser.add_argument("--invoices", type=int, default=2000)
	parser.add_argument("--lines", type=int, default=5)
	parser.add_argument(
		"--rounds", type=int, default=10, help="interleave the three ways over this many slices"
	)
	parser.add_argument("--port", type=int, default=8011)
	parser.add_argument("--web-workers", type=int, default=2)
	parser.add_argument("--out", default=str(HERE / "out"), help="folder for the JSON report")
	args = parser.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	tag = time.strftime("%H%M%S")
	data = setup(tag, n_items=max(args.lines, 8), stock=args.invoices * 5 + 100)
	invoices = make_invoices(args.invoices, args.lines, data["items"])
	lines = sum(len(i["lines"]) for i in invoices)

	base = f"http://{args.site}:{args.port}"
	dists = data["distributors"]
	ways = {
		"a_bulk_api": lambda chunk: way_a(base, data["token"], dists["a"], chunk),
		"b_rest_per_document": lambda chunk: way_b(base, data["token"], dists["b"], chunk),
		"c_in_process_loop": lambda chunk: way_c(dists["c"], chunk),
	}
	results = dict.fromkeys(ways, 0.0)
	rounds = []
	size = -(-len(invoices) // args.rounds)
	servers = start_servers(args.site, args.port, args.web_workers)
	try:
		os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"  # loopback only, never a proxy
		_resolve_to_loopback(args.site)
		wait_for(base, args.site)
		# Interleaved: each round posts the next slice of the invoices the three ways, one after the other,
		# so a change in the machine's load during the run weighs on all three alike.
		for start in range(0, len(invoices), size):
			chunk = invoices[start : start + size]
			times = {way: run(chunk) for way, run in ways.items()}
			for way, seconds in times.items():
				results[way] += seconds
			rounds.append({"invoices": len(chunk), **{k: round(v, 1) for k, v in times.items()}})
			print(json.dumps(rounds[-1]), flush=True)
	finally:
		for proc in servers:
			os.killpg(proc.pid, signal.SIGTERM)

	report = {
		"date": time.strftime("%Y-%m-%d"),
		"machine": f"{os.cpu_count()} cores",
		"invoices": len(invoices),
		"lines": lines,
		"seconds": {k: round(v, 1) for k, v in results.items()},
		"lines_per_second": {k: round(lines / v, 1) for k, v in results.items()},
		"a_vs_b_speedup": round(results["b_rest_per_document"] / results["a_bulk_api"], 2),
		"a_vs_c_time_ratio": round(results["a_bulk_api"] / results["c_in_process_loop"], 3),
		"load_average_at_end": os.getloadavg(),
		"rounds": rounds,
	}
	print(json.dumps(report, indent=1))
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	(out / "secondary_sales_ingest.json").write_text(json.dumps(report, indent=1))


def _resolve_to_loopback(site: str):
	"""Requests to http://<site>:<port> go to 127.0.0.1, so Frappe picks the site from the Host header."""
	import socket

	original = socket.getaddrinfo

	def getaddrinfo(host, *args, **kwargs):
		return original("127.0.0.1" if host == site else host, *args, **kwargs)

	socket.getaddrinfo = getaddrinfo


if __name__ == "__main__":
	sys.exit(main())
