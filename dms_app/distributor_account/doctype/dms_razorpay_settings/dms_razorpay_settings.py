# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""Razorpay Payment Links as a gateway of the payments app.

The Payment Gateway "DMS Razorpay" names this Single doctype as its settings and controller
(dms_app.distributor_account.payments.ensure_gateway), so ``payments.utils.get_payment_gateway_controller``
returns this document. Unlike the payments app's own Razorpay controller it talks to a configurable API
URL, needs no checkout script from Razorpay's CDN (the payer goes to the link's hosted page), and the
redirect back is accepted only with a valid signature (``signature_is_valid``) and after the link is
read back from the API (dms_app.distributor_account.payments.callback).
"""

import hashlib
import hmac
import json

import frappe
import requests
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt, get_url

SERVICE = "DMS Razorpay"
DEFAULT_API_URL = "https://api.razorpay.com"
CALLBACK_PATH = "/api/method/dms_app.distributor_account.payments.callback"
TIMEOUT = 20  # seconds; the payer waits for the link while this runs


class GatewayError(frappe.ValidationError):
	"""The payment gateway refused the request or could not be reached."""

	http_status_code = 502


class CurrencyNotSupported(frappe.ValidationError):
	http_status_code = 422


class DMSRazorpaySettings(Document):
	supported_currencies = ("INR",)

	def validate(self):
		self.api_url = (self.api_url or DEFAULT_API_URL).strip().rstrip("/")
		if self.enabled and not (self.api_key and self.api_secret):
			frappe.throw(
				_("Enter the API key ID and secret before enabling Razorpay."), title=_("Missing Keys")
			)

	# The payments app's gateway interface ---------------------------------------------------

	def validate_transaction_currency(self, currency: str | None) -> None:
		if currency not in self.supported_currencies:
			frappe.throw(
				_("Razorpay Payment Links here take payments in {0} only, not {1}.").format(
					", ".join(self.supported_currencies), currency or _("no currency")
				),
				CurrencyNotSupported,
				title=_("Currency Not Supported"),
			)

	def get_payment_url(self, **kwargs) -> str:
		"""The payer's URL for ``amount`` in ``currency`` (kwargs as the payments app passes them)."""
		return self.create_payment_link(**kwargs)["url"]

	# Payment Links --------------------------------------------------------------------------

	def create_payment_link(self, **kwargs) -> dict:
		"""Record an Integration Request for the payment (its name is the link's ``reference_id``, its
		data are ``kwargs``), create the link at Razorpay and return ``{"reference", "url", "link_id"}``.

		The Integration Request is inserted here rather than by frappe.integrations.utils.create_request_log,
		which commits: a refused link must leave nothing behind of the caller's transaction."""
		if not self.enabled:
			frappe.throw(_("Online payment through Razorpay is not enabled."), title=_("Not Enabled"))
		self.validate_transaction_currency(kwargs.get("currency"))
		amount = paise(kwargs.get("amount"))
		if amount <= 0:
			frappe.throw(_("The amount to pay must be more than zero."), title=_("Invalid Amount"))
		request = frappe.get_doc(
			{
				"doctype": "Integration Request",
				"integration_request_service": SERVICE,
				"status": "Queued",
				"data": json.dumps(kwargs, default=str, indent=1),
				"reference_doctype": kwargs.get("reference_doctype"),
				"reference_docname": kwargs.get("reference_docname"),
			}
		).insert(ignore_permissions=True)
		customer = {
			key: value
			for key, value in (("name", kwargs.get("payer_name")), ("email", kwargs.get("payer_email")))
			if value and (key != "email" or "@" in value)
		}
		link = self.api(
			"POST",
			"/v1/payment_links",
			{
				"amount": amount,
				"currency": kwargs.get("currency"),
				"reference_id": request.name,
				"description": (kwargs.get("description") or kwargs.get("title") or "")[:2048],
				"customer": customer,
				"notify": {"sms": False, "email": False},
				"callback_url": get_url(CALLBACK_PATH),
				"callback_method": "get",
			},
		)
		if not link.get("id") or not link.get("short_url"):
			frappe.throw(
				_("Razorpay answered without a payment link."), GatewayError, title=_("Gateway Error")
			)
		request.db_set({"request_id": link["id"], "url": link["short_url"], "output": json.dumps(link)})
		return {"reference": request.name, "url": link["short_url"], "link_id": link["id"]}

	def fetch_payment_link(self, link_id: str) -> dict:
		return self.api("GET", f"/v1/payment_links/{link_id}")

	def signature_is_valid(self, params: dict) -> bool:
		"""Razorpay's signature of the redirect back from a Payment Link's page: hex HMAC-SHA256, keyed
		with the API secret, of ``link_id|reference_id|status|payment_id``."""
		signature = params.get("razorpay_signature")
		secret = self.get_password("api_secret", raise_exception=False) if self.api_secret else None
		if not signature or not secret or not isinstance(signature, str):
			return False
		message = "|".join(
			str(params.get(key) or "")
			for key in (
				"razorpay_payment_link_id",
				"razorpay_payment_link_reference_id",
				"razorpay_payment_link_status",
				"razorpay_payment_id",
			)
		)
		expected = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
		return hmac.compare_digest(expected, signature.strip())

	def api(self, method: str, path: str, body: dict | None = None) -> dict:
		"""Call Razorpay's API; any failure is a GatewayError with a message the payer can act on."""
		url = f"{(self.api_url or DEFAULT_API_URL).rstrip('/')}{path}"
		auth = (self.api_key or "", self.get_password("api_secret", raise_exception=False) or "")
		try:
			response = requests.request(method, url, json=body, auth=auth, timeout=TIMEOUT)
		except requests.RequestException as e:
			frappe.log_error(title=f"{SERVICE}: gateway unreachable", message=f"{method} {url}\n{e!r}")
			frappe.throw(
				_("The payment gateway could not be reached. No payment was made; please try again later."),
				GatewayError,
				title=_("Payment Gateway Unavailable"),
			)
		try:
			answer = response.json()
		except ValueError:
			answer = {}
		if not response.ok or not isinstance(answer, dict):
			error = answer.get("error") if isinstance(answer, dict) else None
			reason = (error or {}).get("description") if isinstance(error, dict) else None
			frappe.log_error(
				title=f"{SERVICE}: gateway error",
				message=f"{method} {url}\n{response.status_code}\n{response.text[:2000]}",
			)
			frappe.throw(
				_("The payment gateway refused the request ({0}). No payment was made.").format(
					reason or response.status_code
				),
				GatewayError,
				title=_("Payment Gateway Error"),
			)
		return answer


def paise(amount) -> int:
	"""Razorpay's amounts are integers in the currency's smallest unit."""
	return cint(round(flt(amount, 2) * 100))
