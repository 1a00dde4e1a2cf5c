"""Portal load benchmark: 20 concurrent distributor users on the portal's inventory and place-order pages,
side by side with the desk's own list view of the same data, against the site served by gunicorn with
the production worker count, all on loopback in one run.

Data: dms_app.tests.load_data (2,000 SKUs, 50 distributors with stock, batches and sell-out), made once:

	bench --site dms.localhost execute dms_app.tests.load_data.make

Run (as root or as the bench owner; gunicorn always runs as the bench owner), with any Python that has
``requests`` (the bench's own does):

	/opt/dms-bench/env/bin/python benchmarks/portal_load.py --site dms.localhost --out /tmp/portal_load.json

What it does:
- starts gunicorn as bench's production supervisor template does (``-w <gunicorn_workers> --max-requests
  5000 --max-requests-jitter 500 -t 120 --graceful-timeout 30 --preload frappe.app:application``, from
  the sites folder, workers from common_site_config or 2 x cores + 1) on 127.0.0.1:<port>, and stops it
  (its whole process group) at the end, whatever happens; the site is chosen by the Host header;
- logs in 20 distinct portal users (LOAD-D01..D20) and 20 sessions of the OEM desk user, one
  ``requests`` session each, and warms every page up;
- per page, 20 client threads (one per user, fixed concurrency, each waits for its answer before it
  sends the next request) share a fixed number of requests; the pages take turns over several rounds,
  so that a change in the machine's load hits them all alike. A request counts as an error unless it
  answers 200 with the expected content (a portal page shows the distributor's SKUs; the desk call
  returns rows of that warehouse's data);
- reports p50/p95/p99/mean/max latency (client-side: sending the request to reading the whole body)
  and requests per second (requests / wall time of the page's turns) per page.

Pages:
- ``portal inventory``: GET /dms/inventory, the first page (50 lines) of the distributor's stock of about
  300 lines with batches (totals and expiry warnings over all of it);
- ``portal place order``: GET /dms/orders/new, and the calls that page makes to load its catalogue, when
  those are present in dms_app (see PLACE_ORDER below);
- ``desk Bin list``: what the desk's Bin list view sends when filtered on the distributor's warehouse,
  POST /api/method/frappe.desk.reportview.get with the list's default fields, sort and page length (20);
- ``desk Bin list, 500``: the same with the page length raised to 500 (the list's "500" button), which
  returns all of the warehouse's lines, as many as the portal's inventory page shows;
- ``desk Item list``: the same request for the Item list (the catalogue), default filter disabled = 0.
"""

import argparse
import json
import os
import platform
import random
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
PASSWORD = "Load-Portal-2026"  # dms_app.tests.load_data.LOAD_PASSWORD
DESK_USER = "load-desk@load.example"
STD_FIELDS = (
	"name",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"_user_tags",
	"_comments",
	"_assign",
	"_liked_by",
	"docstatus",
	"idx",
)


def portal_user(n: int) -> str:
	return f"load-d{n:02d}@load.example"


def warehouse_hint(n: int) -> str:
	return f"LOAD-D{n:02d}"


def column(doctype: str, field: str) -> str:
	return f"`tab{doctype}`.`{field}`"


def desk_list_args(
	doctype: str, fields: list[str], filters: list, order_by: str, page_length: int = 20
) -> dict:
	"""frappe.desk.reportview.get's form arguments as the desk list view (list_view.js) sends them."""
	return {
		"doctype": doctype,
		"fields": json.dumps([column(doctype, f) for f in dict.fromkeys(fields)]),
		"filters": json.dumps(filters),
		"order_by": order_by,
		"start": 0,
		"page_length": page_length,
		"view": "List",
		"group_by": "",
		"with_comment_count": 0,  # 1 only with saved List View Settings, which neither list has
	}


# Bin: standard fields, the fields in the list view (bin.json: warehouse, item_code, reserved_qty,
# actual_qty, ordered_qty), no title field, no list settings; sorted by modified desc.
BIN_FIELDS = [*STD_FIELDS, "warehouse", "item_code", "reserved_qty", "actual_qty", "ordered_qty"]
# Item: standard fields, item_group (in list view), title field item_name, image field image, item_list.js
# add_fields, sort field modified, "disabled".
ITEM_FIELDS = [
	*STD_FIELDS,
	"item_group",
	"item_name",
	"image",
	"stock_uom",
	"has_variants",
	"end_of_life",
	"disabled",
	"modified",
]


class Page:
	def __init__(self, name: str, kind: str, request, check):
		self.name, self.kind, self.request, self.check = name, kind, request, check
		self.latencies: list[float] = []
		self.errors = 0
		self.error_samples: list[str] = []
		self.wall = 0.0


class Client:
	"""One logged-in user (one session), as one browser would be."""

	def __init__(self, base: str, host: str, user: str, n: int):
		self.base, self.user, self.n = base, user, n
		self.session = requests.Session()
		self.session.headers.update({"Host": host, "Accept": "text/html,application/json"})
		self.warehouse = None
		self.csrf = None

	def login(self) -> None:
		r = self.session.post(f"{self.base}/api/method/login", data={"usr": self.user, "pwd": PASSWORD})
		if r.status_code != 200:
			raise SystemExit(
				f"login of {self.user} failed ({r.status_code}); make the data first: "
				"bench --site <site> execute dms_app.tests.load_data.make"
			)

	def desk_token(self) -> None:
		"""The CSRF token the desk sends with every POST, from the desk page's boot, as a browser gets it."""
		r = self.session.get(f"{self.base}/app")
		match = re.search(r'csrf_token\s*=\s*"([^"]+)"', r.text)
		if not match:
			raise SystemExit(f"no CSRF token in /app for {self.user} ({r.status_code})")
		self.csrf = match.group(1)
		self.session.headers["X-Frappe-CSRF-Token"] = self.csrf


def percentile(sorted_values: list[float], p: float) -> float:
	"""Nearest-rank percentile of an already sorted list."""
	if not sorted_values:
		return float("nan")
	rank = max(1, -(-len(sorted_values) * p // 100))
	return sorted_values[int(rank) - 1]


def run_turn(page: Page, clients: list[Client], count: int, record: bool, think: float = 0) -> None:
	"""``count`` requests of ``page`` by all clients at once, each client one request at a time and, with
	``think``, pausing between its requests for a random time of 0.5 to 1.5 times ``think`` seconds."""
	lock = threading.Lock()
	left = [count]
	warmup_problems: list[str] = []

	def worker(client: Client) -> None:
		pause = random.Random(client.user)
		if think:
			time.sleep(pause.uniform(0, think))  # users do not all start at once
		while True:
			with lock:
				if left[0] <= 0:
					return
				left[0] -= 1
			start = time.perf_counter()
			try:
				response = page.request(client)
				body = response.content
				elapsed = time.perf_counter() - start
				problem = page.check(client, response, body)
			except requests.RequestException as e:
				elapsed, problem = time.perf_counter() - start, repr(e)
			with lock:
				if not record:
					if problem and len(warmup_problems) < 3:
						warmup_problems.append(f"{client.user}: {problem}")
					continue
				page.latencies.append(elapsed)
				if problem:
					page.errors += 1
					if len(page.error_samples) < 5:
						page.error_samples.append(f"{client.user}: {problem}")
			if think and left[0] > 0:
				time.sleep(pause.uniform(0.5 * think, 1.5 * think))

	threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
	started = time.perf_counter()
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	if record:
		page.wall += time.perf_counter() - started
	elif warmup_problems:
		raise SystemExit(f"{page.name} fails during the warm-up: {'; '.join(warmup_problems)}")


# -- the server --------------------------------------------------------------------------------------


def bench_config(bench: Path) -> dict:
	try:
		return json.loads((bench / "sites" / "common_site_config.json").read_text())
	except FileNotFoundError:
		return {}


def start_gunicorn(
	bench: Path, port: int, workers: int, log, template_cache: bool = True
) -> subprocess.Popen:
	command = [
		str(bench / "env" / "bin" / "gunicorn"),
		"-b",
		f"127.0.0.1:{port}",
		"-w",
		str(workers),
		"--max-requests",
		"5000",
		"--max-requests-jitter",
		"500",
		"-t",
		"120",
		"--graceful-timeout",
		"30",
		"frappe.app:application",
		"--preload",
	]
	owner = bench.stat().st_uid
	kwargs = {}
	if os.geteuid() == 0 and owner != 0:
		import pwd

		entry = pwd.getpwuid(owner)
		kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
		env = {**os.environ, "HOME": entry.pw_dir, "USER": entry.pw_name}
	else:
		env = dict(os.environ)
	if not template_cache:
		env["DMS_TEMPLATE_CACHE"] = "0"  # dms_app.portal.template_cache off
	return subprocess.Popen(
		command,
		cwd=bench / "sites",
		stdout=log,
		stderr=subprocess.STDOUT,
		start_new_session=True,  # its own process group: stopped as a whole at the end
		env=env,
		**kwargs,
	)


def stop_gunicorn(process: subprocess.Popen) -> None:
	if process.poll() is not None:
		return
	try:
		os.killpg(process.pid, signal.SIGTERM)
		process.wait(timeout=40)
	except (ProcessLookupError, subprocess.TimeoutExpired):
		try:
			os.killpg(process.pid, signal.SIGKILL)
		except ProcessLookupError:
			pass
		process.wait(timeout=10)


def wait_until_up(base: str, host: str, process: subprocess.Popen, seconds: float = 120) -> None:
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		if process.poll() is not None:
			raise SystemExit(f"gunicorn exited with {process.returncode}; see its log")
		try:
			r = requests.get(f"{base}/api/method/ping", headers={"Host": host}, timeout=5)
			if r.status_code == 200:
				return
		except requests.RequestException:
			pass
		time.sleep(0.5)
	raise SystemExit("gunicorn did not answer in time")


def load_average() -> str:
	return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- the pages ---------------------------------------------------------------------------------------


def html_check(marker: str):
	def check(client: Client, response, body: bytes) -> str | None:
		if response.status_code != 200:
			return f"HTTP {response.status_code}"
		if marker.encode() not in body:
			return f"no {marker!r} in the page"
		return None

	return check


def desk_check(client: Client, response, body: bytes) -> str | None:
	if response.status_code != 200:
		return f"HTTP {response.status_code}: {body[:200]!r}"
	message = json.loads(body).get("message") or {}
	if not message.get("values"):
		return "no rows"
	return None


def pages(base: str, site: str, args) -> list[Page]:
	bin_order = column("Bin", "modified") + " desc"
	item_order = column("Item", "modified") + " desc"
	result = [
		Page(
			"portal inventory",
			"portal",
			lambda c: c.session.get(f"{base}/dms/inventory", allow_redirects=False, timeout=120),
			html_check("LOAD-SKU-"),
		),
	]
	result += place_order_pages(base)
	result += [
		Page(
			"desk Bin list",
			"desk",
			lambda c: c.session.post(
				f"{base}/api/method/frappe.desk.reportview.get",
				data=desk_list_args("Bin", BIN_FIELDS, [["Bin", "warehouse", "=", c.warehouse]], bin_order),
				timeout=120,
			),
			desk_check,
		),
		Page(
			"desk Bin list, 500",
			"desk",
			lambda c: c.session.post(
				f"{base}/api/method/frappe.desk.reportview.get",
				data=desk_list_args(
					"Bin", BIN_FIELDS, [["Bin", "warehouse", "=", c.warehouse]], bin_order, page_length=500
				),
				timeout=120,
			),
			desk_check,
		),
		Page(
			"desk Item list",
			"desk",
			lambda c: c.session.post(
				f"{base}/api/method/frappe.desk.reportview.get",
				data=desk_list_args("Item", ITEM_FIELDS, [["Item", "disabled", "=", 0]], item_order),
				timeout=120,
			),
			desk_check,
		),
	]
	if args.only:
		result = [p for p in result if any(o in p.name for o in args.only)]
	return result


def place_order_pages(base: str) -> list[Page]:
	"""The place-order page (GET /dms/orders/new), measured once it exists in the app."""
	app = HERE.parent / "dms_app" / "www" / "dms" / "orders"
	if not (app / "new.py").exists():
		print("note: /dms/orders/new does not exist yet; not measured")
		return []
	return [
		Page(
			"portal place order",
			"portal",
			lambda c: c.session.get(f"{base}/dms/orders/new", allow_redirects=False, timeout=120),
			html_check("LOAD-SKU-"),
		)
	]


# -- the run ----------------------------------------------------------------------------------------


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", default="dms.localhost")
	parser.add_argument("--bench", default="/opt/dms-bench")
	parser.add_argument("--port", type=int, default=8190)
	parser.add_argument("--workers", type=int, help="default: gunicorn_workers, else 2 x cores + 1")
	parser.add_argument("--users", type=int, default=20, help="concurrent portal users (and desk sessions)")
	parser.add_argument("--requests", type=int, default=600, help="measured requests per page")
	parser.add_argument("--rounds", type=int, default=3, help="turns per page, interleaved")
	parser.add_argument("--warmup", type=int, default=40, help="unmeasured requests per page first")
	parser.add_argument(
		"--think",
		type=float,
		default=0,
		help="mean pause of each user between requests, seconds (default 0: back-to-back, the saturating case)",
	)
	parser.add_argument(
		"--without-template-cache",
		action="store_true",
		help="serve with dms_app.portal.template_cache off, to see what it saves",
	)
	parser.add_argument("--only", nargs="*", help="measure only pages whose name contains one of these")
	parser.add_argument("--out", help="write the figures as JSON to this file")
	args = parser.parse_args()

	bench = Path(args.bench)
	config = bench_config(bench)
	workers = args.workers or int(config.get("gunicorn_workers") or 2 * os.cpu_count() + 1)
	base = f"http://127.0.0.1:{args.port}"
	log_path = Path(f"/tmp/portal_load-gunicorn-{args.port}.log")
	load_before = load_average()
	with open(log_path, "w") as log:
		server = start_gunicorn(bench, args.port, workers, log, not args.without_template_cache)
		try:
			wait_until_up(base, args.site, server)
			figures = measure(base, args, workers)
		finally:
			stop_gunicorn(server)
	figures.update(load_before=load_before, load_after=load_average(), gunicorn_log=str(log_path))
	print_table(figures)
	if args.out:
		Path(args.out).write_text(json.dumps(figures, indent=1))
		print(f"figures written to {args.out}")


def measure(base: str, args, workers: int) -> dict:
	portal = [Client(base, args.site, portal_user(n), n) for n in range(1, args.users + 1)]
	desk = [Client(base, args.site, DESK_USER, n) for n in range(1, args.users + 1)]
	for client in portal + desk:
		client.login()
	for client in desk:
		client.desk_token()
		# the warehouse of the distributor this desk session looks at (the same data as portal user n)
		r = client.session.post(
			f"{base}/api/method/frappe.client.get_value",
			data={
				"doctype": "Warehouse",
				"filters": json.dumps({"distributor": warehouse_hint(client.n)}),
				"fieldname": "name",
			},
		)
		client.warehouse = (r.json().get("message") or {}).get("name")
		if not client.warehouse:
			raise SystemExit(f"no warehouse for distributor {warehouse_hint(client.n)}: {r.text[:200]}")
	measured = pages(base, args.site, args)
	for page in measured:
		clients = portal if page.kind == "portal" else desk
		run_turn(page, clients, args.warmup, record=False)
	per_turn = -(-args.requests // args.rounds)
	for _round in range(args.rounds):
		for page in measured:
			clients = portal if page.kind == "portal" else desk
			run_turn(page, clients, per_turn, record=True, think=args.think)
	rows = []
	for page in measured:
		values = sorted(page.latencies)
		rows.append(
			{
				"page": page.name,
				"requests": len(values),
				"errors": page.errors,
				"error_samples": page.error_samples,
				"p50_ms": round(percentile(values, 50) * 1000, 1),
				"p95_ms": round(percentile(values, 95) * 1000, 1),
				"p99_ms": round(percentile(values, 99) * 1000, 1),
				"mean_ms": round(sum(values) / len(values) * 1000, 1),
				"max_ms": round(values[-1] * 1000, 1),
				"rps": round(len(values) / page.wall, 1),
			}
		)
	return {
		"site": args.site,
		"concurrency": args.users,
		"think_seconds": args.think,
		"template_cache": not args.without_template_cache,
		"gunicorn_workers": workers,
		"rounds": args.rounds,
		"warmup_per_page": args.warmup,
		"cpus": os.cpu_count(),
		"cpu_model": cpu_model(),
		"python": platform.python_version(),
		"rows": rows,
	}


def cpu_model() -> str:
	for line in Path("/proc/cpuinfo").read_text().splitlines():
		if line.startswith("model name"):
			return line.split(":", 1)[1].strip()
	return platform.processor()


def print_table(figures: dict) -> None:
	print(
		f"\nsite {figures['site']}: {figures['concurrency']} concurrent users, think time "
		f"{figures['think_seconds']} s, portal template cache "
		f"{'on' if figures['template_cache'] else 'off'}, gunicorn with "
		f"{figures['gunicorn_workers']} workers, {figures['cpus']} CPUs ({figures['cpu_model']}); "
		f"load average before {figures['load_before']}, after {figures['load_after']}"
	)
	header = f"{'page':<22}{'requests':>9}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'req/s':>8}"
	print(header)
	print("-" * len(header))
	for r in figures["rows"]:
		print(
			f"{r['page']:<22}{r['requests']:>9}{r['errors']:>7}{r['p50_ms']:>9}{r['p95_ms']:>9}"
			f"{r['p99_ms']:>9}{r['max_ms']:>9}{r['rps']:>8}"
		)
		for sample in r["error_samples"]:
			print(f"    error: {sample}")
	by_name = {r["page"]: r for r in figures["rows"]}
	pairs = (
		("portal inventory", "desk Bin list"),
		("portal inventory", "desk Bin list, 500"),
		("portal place order", "desk Item list"),
	)
	for portal, desk in pairs:
		if portal in by_name and desk in by_name:
			ratio = by_name[portal]["p95_ms"] / by_name[desk]["p95_ms"]
			print(f"p95 {portal} / {desk}: {ratio:.1f}x")


if __name__ == "__main__":
	main()
