"""A month-end burst of secondary-sales uploads, posted by real `bench worker` processes, with 1 and with
2 workers in one run; then the outbox messages the burst made, drained by real workers from a fake OEM
ERP that fails.

For each worker count the script makes its own distributors (--distributors, default 50; each with a
warehouse holding 8 SKUs and five retailers), queues one upload per distributor through the bulk API's
own function (--invoices invoices of --lines lines each, dates spread over the month in random order),
commits, and starts that many `frappe worker --queue long --burst` processes from the sites folder: the
time counted is from starting them until every upload is Done. The OEM sync is on throughout, so each
posted invoice also writes an outbox message; those wait on the "short" queue until the second phase
starts the same number of `frappe worker --queue short` processes against a fake ERP on loopback that is
down for the first 3 s, then answers 10 % of requests with 500, 3 % too slowly and drops 5 % of
connections after applying them. While they drain, the script plays the scheduler's outbox sweep every
second (production: every minute) so that retries are due quickly.

ERPNext's Selling Settings *Update Sales Frequency* is set for the run (--sales-update-frequency, default
Daily, as README's Production section advises) and put back afterwards.

Where the time goes, per phase: CPU seconds of the workers (and the job processes they fork), of
MariaDB (from /proc) and of this script (the fake ERP), and InnoDB row-lock waits (SHOW GLOBAL STATUS).

Run it with the bench's Python as the bench owner, from the bench's sites folder:

	cd /opt/dms-bench/sites && ../env/bin/python /path/to/benchmarks/channel_burst.py --site dms.localhost

Figures go to stdout and to <--out>/channel_burst.json (default benchmarks/out/). Everything is made
under a tag (BURST-<time>-W<n>) and left in place; use a benchmark site.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from unittest.mock import patch

import frappe

HERE = Path(__file__).resolve().parent
ITEMS = [f"BENCH-ITEM-{i:02d}" for i in range(8)]
RETAILERS = 5
SETTINGS = ("oem_sync_enabled", "oem_endpoint_url", "oem_auth", "sync_timeout", "sync_max_attempts")
SETTINGS += ("sync_retry_base", "sync_retry_cap")


def setup(tag: str, distributors: int, stock: int) -> list[str]:
	from dms_app.tests.factories import complete_setup_wizard, make_distributor, make_item

	complete_setup_wizard()
	for n, item in enumerate(ITEMS):
		make_item(item, price=100 + n)
	codes = []
	for d in range(distributors):
		dist = make_distributor(f"{tag}-{d:03d}", distributor_name=f"Burst {tag} {d:03d}")
		frappe.flags.pop("warehouse_account_map", None)  # ERPNext caches it per process
		entry = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": dist.company,
				"posting_date": "2026-01-31",
				"set_posting_time": 1,
				"items": [
					{"item_code": item, "t_warehouse": dist.warehouse, "qty": stock, "basic_rate": 60}
					for item in ITEMS
				],
			}
		)
		entry.insert(ignore_permissions=True)
		entry.submit()
		for r in range(RETAILERS):
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": f"{dist.name} Retailer {r}",
					"customer_type": "Company",
					"distributor": dist.name,
					"retailer_code": f"{dist.name}-R{r}",
				}
			).insert(ignore_permissions=True)
		codes.append(dist.name)
		frappe.db.commit()
		progress(f"setup {tag}", d + 1, distributors)
	return codes


def batch(code: str, invoices: int, lines: int, rng: random.Random) -> list[dict]:
	return [
		{
			"external_ref": f"{code}/{i:04d}",
			"posting_date": f"2026-02-{rng.randint(1, 28):02d}",  # out of order, as Tally exports can be
			"retailer": {"code": f"{code}-R{rng.randrange(RETAILERS)}"},
			"lines": [
				{"item_code": item, "qty": rng.randint(1, 5), "rate": 100, "discount_percentage": 0}
				for item in rng.sample(ITEMS, lines)
			],
		}
		for i in range(invoices)
	]


def queue_uploads(codes: list[str], invoices: int, lines: int) -> list[str]:
	from dms_app.api.secondary_sales import upload
	from dms_app.secondary_sales import ingest

	rng = random.Random(7)
	names = []
	with patch.object(ingest, "SYNC_LIMIT", 0):  # every upload to the workers, as a large one goes
		for code in codes:
			names.append(upload(distributor=code, invoices=batch(code, invoices, lines, rng))["upload"])
	frappe.db.commit()  # the jobs reach Redis with this commit
	return names


def workers(count: int, queue: str, burst: bool) -> list[subprocess.Popen]:
	command = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", queue]
	log = open(f"/tmp/dms-bench-burst-{queue}.log", "a")
	return [
		subprocess.Popen(command + (["--burst"] if burst else []), stdout=log, stderr=log)
		for _ in range(count)
	]


class Meter:
	"""CPU seconds of this script's finished children (the workers and the job processes they fork),
	of MariaDB and of this script, and InnoDB row-lock waits, between start() and stop()."""

	def __init__(self):
		self.tick = os.sysconf("SC_CLK_TCK")
		self.mysqld = next(
			p.name
			for p in Path("/proc").iterdir()
			if p.name.isdigit()
			and (p / "comm").exists()
			and (p / "comm").read_text().strip() in ("mariadbd", "mysqld")
		)

	def sample(self) -> dict:
		children = resource.getrusage(resource.RUSAGE_CHILDREN)
		# fields 14 and 15 of /proc/<pid>/stat: user and system time in clock ticks
		fields = Path(f"/proc/{self.mysqld}/stat").read_text().rsplit(")", 1)[1].split()
		me = resource.getrusage(resource.RUSAGE_SELF)
		status = dict(
			frappe.db.sql(
				"show global status where Variable_name in ('Innodb_row_lock_waits', 'Innodb_row_lock_time')"
			)
		)
		return {
			"workers_cpu": children.ru_utime + children.ru_stime,
			"mariadb_cpu": (int(fields[11]) + int(fields[12])) / self.tick,
			"script_cpu": me.ru_utime + me.ru_stime,
			"row_lock_waits": int(status["Innodb_row_lock_waits"]),
			"row_lock_wait_s": int(status["Innodb_row_lock_time"]) / 1000,
			"wall": time.perf_counter(),
		}

	def start(self):
		self.before = self.sample()

	def stop(self) -> dict:
		after = self.sample()
		return {key: round(after[key] - self.before[key], 1) for key in after}


def wait_until(done, what: str, timeout: float, every: float = 1.0, tick=None):
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		frappe.db.rollback()  # a new snapshot
		left = done()
		if not left:
			return
		if tick:
			tick()
		print(f"  {what}: {left} left", end="\r", file=sys.stderr, flush=True)
		time.sleep(every)
	raise RuntimeError(f"{what} did not finish in {timeout} s")


def progress(what: str, done: int, total: int):
	print(f"  {what}: {done}/{total}", end="\r" if done < total else "\n", file=sys.stderr, flush=True)


def burst(count: int, args, erp) -> dict:
	from dms_app.dms_integrations import outbox
	from dms_app.dms_integrations.outbox import DOCTYPE

	tag = f"BURST-{time.strftime('%H%M%S')}-W{count}"
	codes = setup(tag, args.distributors, stock=args.invoices * 5 + 10)
	uploads = queue_uploads(codes, args.invoices, args.lines)
	meter = Meter()

	# 1. the uploads, by `count` burst workers on the long queue
	meter.start()
	procs = workers(count, "long", burst=True)
	wait_until(
		lambda: frappe.db.count(
			"DMS Upload", {"name": ["in", uploads], "status": ["in", ("Queued", "Running")]}
		),
		f"{count} worker(s): uploads",
		timeout=7200,
	)
	for proc in procs:
		proc.wait(timeout=600)
	ingest = meter.stop()
	rows = frappe.get_all(
		"DMS Upload",
		filters={"name": ["in", uploads]},
		fields=["status", "created_invoices", "rejected_invoices"],
	)
	created = sum(r.created_invoices for r in rows)
	assert all(r.status == "Done" for r in rows) and created == len(codes) * args.invoices, rows
	lines = created * args.lines
	# posting order held: no invoice of the burst made ERPNext repost a valuation
	reposts = frappe.db.sql(
		"""select count(*) from `tabRepost Item Valuation` r join `tabSales Invoice` s on s.name = r.voucher_no
		where s.distributor like %s""",
		f"{tag}-%",
	)[0][0]

	# 2. the outbox messages those invoices made, by `count` workers on the short queue, ERP failing
	messages = frappe.db.count(DOCTYPE, {"distributor": ["like", f"{tag}-%"]})
	erp.stop()
	meter.start()
	procs = workers(count, "short", burst=False)
	time.sleep(3)
	erp.start()
	try:
		wait_until(
			lambda: frappe.db.count(DOCTYPE, {"distributor": ["like", f"{tag}-%"], "status": ["!=", "Sent"]}),
			f"{count} worker(s): outbox",
			timeout=3600,
			tick=outbox.sweep,
		)
	finally:
		for proc in procs:
			proc.terminate()
		for proc in procs:
			proc.wait(timeout=60)
	drain = meter.stop()
	frappe.db.commit()  # the sweeps' enqueues are done; nothing else was written
	attempts = frappe.db.sql(
		f"select sum(attempts) from `tab{DOCTYPE}` where distributor like %s", f"{tag}-%"
	)[0][0]
	return {
		"workers": count,
		"distributors": len(codes),
		"invoices": created,
		"lines": lines,
		"ingest": {
			**ingest,
			"lines_per_second": round(lines / ingest["wall"], 1),
			"invoices_per_second": round(created / ingest["wall"], 2),
			"valuation_reposts": reposts,
		},
		"outbox": {
			**drain,
			"messages": messages,
			"attempts": int(attempts or 0),
			"messages_per_second": round(messages / drain["wall"], 1),
		},
	}


def main():
	from dms_app.dms_integrations.fake_erp import DROP, ERROR, OK, SLOW, FakeERP

	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default="dms.localhost")
	parser.add_argument("--distributors", type=int, default=50)
	parser.add_argument("--invoices", type=int, default=40, help="invoices per distributor")
	parser.add_argument("--lines", type=int, default=5, help="lines per invoice (at most 8)")
	parser.add_argument("--workers", default="1,2", help="worker counts to run, in this order")
	parser.add_argument(
		"--sales-update-frequency",
		default="Daily",
		choices=("Daily", "Monthly", "Each Transaction"),
		help="ERPNext's Selling Settings for the run (see README, Production and scaling)",
	)
	parser.add_argument("--out", default=str(HERE / "out"), help="folder for the JSON report")
	args = parser.parse_args()

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	rng = random.Random(11)
	plan = {}
	for n in range(200_000):
		roll = rng.random()
		plan[n] = ERROR if roll < 0.10 else SLOW if roll < 0.13 else DROP if roll < 0.18 else OK
	erp = FakeERP(plan=lambda n: plan.get(n, OK), slow_seconds=0.3)
	erp.start()
	settings = frappe.get_single("DMS Settings")
	saved = {key: settings.get(key) for key in SETTINGS}
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
	frequency = frappe.db.get_single_value("Selling Settings", "sales_update_frequency")
	frappe.db.set_single_value("Selling Settings", "sales_update_frequency", args.sales_update_frequency)
	frappe.db.commit()
	runs = []
	try:
		for count in (int(c) for c in args.workers.split(",")):
			runs.append(burst(count, args, erp))
			print(json.dumps(runs[-1]), flush=True)
	finally:
		erp.stop()
		settings.reload()
		settings.update(saved)
		settings.save(ignore_permissions=True)
		frappe.db.set_single_value("Selling Settings", "sales_update_frequency", frequency)
		frappe.db.commit()

	applied_twice = sum(1 for times in erp.applied.values() if times > 1)
	report = {
		"date": time.strftime("%Y-%m-%d"),
		"machine": f"{os.cpu_count()} cores",
		"sales_update_frequency": args.sales_update_frequency,
		"runs": runs,
		"erp_applied_twice": applied_twice,
		"load_average_at_end": os.getloadavg(),
	}
	if len(runs) >= 2:
		one, two = runs[0], runs[1]
		report["two_vs_one_worker"] = {
			"ingest": round(one["ingest"]["wall"] / two["ingest"]["wall"], 2),
			"outbox": round(one["outbox"]["wall"] / two["outbox"]["wall"], 2),
		}
	print(json.dumps(report, indent=1))
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	(out / "channel_burst.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
	sys.exit(main())
