"""Errors the DMS's endpoints answer with, each with its HTTP status, and the check for missing
arguments (without it, Frappe answers a missing argument with a 500 TypeError)."""

import frappe
from frappe import _


class InvalidPayload(frappe.ValidationError):
	http_status_code = 422


class StaleVersion(frappe.ValidationError):
	http_status_code = 409


class Conflict(frappe.ValidationError):
	"""The request is well formed but contradicts what the DMS holds (409)."""

	http_status_code = 409


class BadSignature(frappe.AuthenticationError):
	http_status_code = 401


def require_args(**values) -> None:
	"""Refuse the call (422) naming every argument that is missing or empty."""
	missing = [name for name, value in values.items() if value is None or value == "" or value == []]
	if missing:
		frappe.throw(
			_("Missing: {0}").format(", ".join(missing)), InvalidPayload, title=_("Missing Arguments")
		)
