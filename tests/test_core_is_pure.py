"""dms_app.core must stay importable without frappe."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "dms_app" / "core"


def test_core_never_imports_frappe():
	offenders = []
	for path in CORE.rglob("*.py"):
		tree = ast.parse(path.read_text(), filename=str(path))
		for node in ast.walk(tree):
			names = []
			if isinstance(node, ast.Import):
				names = [alias.name for alias in node.names]
			elif isinstance(node, ast.ImportFrom) and node.module:
				names = [node.module]
			offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"frappe", "erpnext"}]
	assert offenders == []
