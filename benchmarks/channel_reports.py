"""The channel analytics reports and number cards on the site's data, side by side in one run with the
ERPNext reports they overlap: Channel Stock against ERPNext's Stock Balance (the distributors' warehouse
group, the same day), Secondary Sales Analytics against ERPNext's Sales Analytics (items, Sales Invoice,
value, monthly, the same dates).

Each report is run through Frappe's own report runner (frappe.desk.query_report.run, as the desk calls
it) as Administrator:
- cold: the first run after Frappe's caches are cleared (frappe.clear_cache) in a new database
  connection; MariaDB's buffer pool stays as the earlier runs left it;
- warm: the best of --repeat runs after that;
- peak memory: tracemalloc's peak of Python allocations during one warm run.
The number cards and the daily alert rules (run as of --to-date, their findings rolled back) are timed
the same way.

The data is what the site holds (say which in the README); the issue's medium channel is made by

	bench --site medium.localhost execute dms_app.tests.channel_dataset.build_bulk --kwargs "{'size': 'medium'}"

	cd /opt/dms-bench/sites && ../env/bin/python /path/to/benchmarks/channel_reports.py --site medium.localhost \
		--from-date 2026-01-01 --to-date 2026-12-03

Figures go to stdout and to <--out>/channel_reports.json.
"""

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import frappe

HERE = Path(__file__).resolve().parent


def cases(company: str, from_date: str, to_date: str, group: str) -> list[tuple[str, str, dict]]:
	"""(label, report, filters); pairs compared with ERPNext are next to each other."""
	sales = {"company": company, "from_date": from_date, "to_date": to_date, "range": "Monthly"}
	return [
		(
			"DMS Secondary Sales Analytics (by SKU)",
			"Secondary Sales Analytics",
			{**sales, "group_by": "Item", "value_quantity": "Value"},
		),
		(
			"ERPNext Sales Analytics (by Item)",
			"Sales Analytics",
			{**sales, "tree_type": "Item", "doc_type": "Sales Invoice", "value_quantity": "Value"},
		),
		("DMS Channel Stock (distributor x SKU)", "Channel Stock", {"company": company}),
		(
			"ERPNext Stock Balance (distributor warehouses)",
			"Stock Balance",
			{"company": company, "from_date": to_date, "to_date": to_date, "warehouse": group},
		),
		(
			"DMS Secondary Sales Analytics (by territory)",
			"Secondary Sales Analytics",
			{**sales, "group_by": "Territory"},
		),
		(
			"DMS Sell-in vs Sell-out",
			"Sell-in vs Sell-out",
			{"company": company, "from_date": from_date, "to_date": to_date},
		),
		(
			"DMS Distributor Scorecard",
			"Distributor Scorecard",
			{"company": company, "from_date": from_date, "to_date": to_date},
		),
		("DMS Scheme ROI", "Scheme ROI", {"company": company, "from_date": from_date, "to_date": to_date}),
	]


CARDS = (
	"sell_in_this_month",
	"sell_out_this_month",
	"channel_stock_value",
	"days_of_cover",
	"orders_waiting",
	"open_alerts",
	"claims_waiting",
)


def fresh_connection(site: str) -> None:
	frappe.destroy()
	frappe.init(site=site)
	frappe.connect()
	frappe.set_user("Administrator")
	frappe.clear_cache()


def run_report(name: str, filters: dict) -> int:
	from frappe.desk.query_report import run

	result = run(name, filters, ignore_prepared_report=True)
	return len(result.get("result") or [])


def measure(site: str, fn, repeat: int) -> dict:
	fresh_connection(site)
	started = time.perf_counter()
	rows = fn()
	cold = time.perf_counter() - started
	warm = []
	for _ in range(repeat):
		started = time.perf_counter()
		fn()
		warm.append(time.perf_counter() - started)
	tracemalloc.start()
	fn()
	_current, peak = tracemalloc.get_traced_memory()
	tracemalloc.stop()
	return {
		"rows": rows,
		"cold_s": round(cold, 3),
		"warm_s": round(min(warm), 3),
		"peak_mib": round(peak / 2**20, 1),
	}


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default="dms.localhost")
	parser.add_argument("--from-date", help="default: three months before --to-date")
	parser.add_argument("--to-date", help="default: today")
	parser.add_argument("--repeat", type=int, default=3)
	parser.add_argument("--out", default=str(HERE / "out"))
	args = parser.parse_args()

	frappe.init(site=args.site)
	frappe.connect()
	from frappe.utils import add_months, getdate, nowdate

	company = frappe.db.get_single_value("DMS Settings", "company")
	group = frappe.db.get_single_value("DMS Settings", "distributor_warehouse_group")
	to_date = str(getdate(args.to_date or nowdate()))
	from_date = str(getdate(args.from_date or add_months(to_date, -3)))
	data = {
		"distributors": frappe.db.count("Distributor"),
		"distributor_warehouses": frappe.db.count("Warehouse", {"distributor": ["is", "set"]}),
		"items": frappe.db.count("Item"),
		"secondary_invoice_lines": frappe.db.sql(
			"""select count(*) from `tabSales Invoice Item` i join `tabSales Invoice` s on s.name = i.parent
			where s.docstatus = 1 and ifnull(s.distributor, '') != ''"""
		)[0][0],
		"stock_ledger_entries": frappe.db.count("Stock Ledger Entry"),
		"bins": frappe.db.count("Bin"),
	}
	print(f"data: {json.dumps(data)}; {from_date} to {to_date}")
	results = []
	for label, report, filters in cases(company, from_date, to_date, group):
		figures = measure(
			args.site, lambda report=report, filters=filters: run_report(report, filters), args.repeat
		)
		results.append({"what": label, "report": report, **figures})
		print(
			f"{label:48} rows {figures['rows']:>7}  cold {figures['cold_s']:7.3f} s  warm {figures['warm_s']:7.3f} s  peak {figures['peak_mib']:7.1f} MiB"
		)
	from dms_app.channel_analytics import dashboard

	for card in CARDS:
		figures = measure(args.site, lambda card=card: getattr(dashboard, card)()["value"] and 1, args.repeat)
		results.append({"what": f"number card {card}", **figures})
		print(f"{'number card ' + card:48} cold {figures['cold_s']:7.3f} s  warm {figures['warm_s']:7.3f} s")
	from dms_app.channel_analytics import alerts

	def rules():
		found = alerts.run(getdate(to_date))
		frappe.db.rollback()  # measured, not kept
		return sum(found["found"].values())

	figures = measure(args.site, rules, args.repeat)
	results.append({"what": "channel alert rules (all six)", **figures})
	print(
		f"{'channel alert rules (all six)':48} findings {figures['rows']:>4}  cold {figures['cold_s']:7.3f} s  warm {figures['warm_s']:7.3f} s  peak {figures['peak_mib']:7.1f} MiB"
	)
	by_label = {r["what"]: r for r in results}
	ratios = {
		"Channel Stock vs Stock Balance (warm)": _ratio(
			by_label,
			"ERPNext Stock Balance (distributor warehouses)",
			"DMS Channel Stock (distributor x SKU)",
		),
		"Secondary Sales Analytics vs Sales Analytics (warm)": _ratio(
			by_label, "ERPNext Sales Analytics (by Item)", "DMS Secondary Sales Analytics (by SKU)"
		),
	}
	for what, ratio in ratios.items():
		print(f"{what}: {ratio}x")
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	(out / "channel_reports.json").write_text(
		json.dumps(
			{"data": data, "from_date": from_date, "to_date": to_date, "results": results, "ratios": ratios},
			indent=1,
		)
	)
	frappe.destroy()


def _ratio(by_label: dict, baseline: str, ours: str) -> float | None:
	if not by_label[ours]["warm_s"]:
		return None
	return round(by_label[baseline]["warm_s"] / by_label[ours]["warm_s"], 2)


if __name__ == "__main__":
	main()
