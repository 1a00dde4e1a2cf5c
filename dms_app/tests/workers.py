"""Real `bench worker` processes for tests that prove work spread over RQ workers."""

import os
import subprocess
import sys

import frappe


def run_workers(count: int, queue: str, timeout: int = 600) -> list[str]:
	"""``count`` real `bench worker` processes on ``queue``, side by side, in burst mode: they take jobs
	until the queue is empty and then exit. Returns what each printed. The jobs they run see only what
	the test committed."""
	sites = os.path.abspath(frappe.local.sites_path)
	command = [
		sys.executable,
		"-m",
		"frappe.utils.bench_helper",
		"frappe",
		"worker",
		"--queue",
		queue,
		"--burst",
	]
	workers = [
		subprocess.Popen(command, cwd=sites, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
		for _ in range(count)
	]
	try:
		return [worker.communicate(timeout=timeout)[0] for worker in workers]
	finally:
		for worker in workers:  # none outlives the test, even when it timed out
			if worker.poll() is None:
				worker.kill()
				worker.wait()
