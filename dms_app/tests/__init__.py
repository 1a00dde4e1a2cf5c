"""Test and benchmark machinery: factories for the integration tests, the browser walks' fixtures, the
contract test's user, the portal load benchmark's data generator.

Nothing in production imports this package. Its modules make users with known passwords, mint API
secrets and hard-delete submitted stock, so each refuses to be imported unless the site allows tests
(``allow_tests`` in site config, which ``bench run-tests`` needs anyway) or runs in developer mode.
"""

import frappe


class NotATestSite(frappe.PermissionError):
	"""Test machinery was asked for on a site that allows no tests."""


def require_test_site() -> None:
	"""Raise NotATestSite unless the current site allows tests or is in developer mode."""
	conf = getattr(frappe.local, "conf", None) or {}
	if conf.get("allow_tests") or conf.get("developer_mode"):
		return
	raise NotATestSite(
		"dms_app.tests is test machinery (users with known passwords, hard deletes): it runs only on a "
		"site with allow_tests or developer_mode set (bench --site <site> set-config allow_tests true)."
	)


require_test_site()
