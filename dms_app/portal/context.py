"""Who the portal is showing: the distributor of the logged-in user, never one named by the request alone.

A distributor's portal user (dms_app.permissions.portal_distributors) sees their own distributor; a user
linked to several may pick among those with ``?distributor=``. OEM staff (an OEM role) must name the
distributor with ``?distributor=``. Anyone else gets a clear page, not a traceback: a Guest is sent to
the login page, a logged-in user who is no distributor's user is told so.
"""

from functools import cache
from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.utils import fmt_money, format_date, format_datetime

from dms_app.permissions import OEM_ROLES, portal_distributors


class NotADistributorUser(frappe.PermissionError):
	"""The logged-in user acts for no distributor (or not for the one asked for)."""


class DistributorRequired(frappe.ValidationError):
	"""OEM staff opened the portal without naming a distributor."""


def resolve_distributor(requested: str | None = None, user: str | None = None) -> str:
	"""The distributor ``user`` (default: session user) may see, honouring ``requested`` only when the
	user may see that distributor. Raises NotADistributorUser (a PermissionError) otherwise."""
	user = user or frappe.session.user
	if user == "Guest":
		raise frappe.PermissionError(_("Log in to see the distributor portal."))
	if requested is not None and not isinstance(requested, str):
		frappe.throw(_("Distributor must be a distributor's name."), title=_("Invalid Distributor"))
	requested = (requested or "").strip() or None
	own = portal_distributors(user)
	if own is None:
		if user == "Administrator" or set(frappe.get_roles(user)) & OEM_ROLES:
			if not requested:
				raise DistributorRequired(_("Choose the distributor to look at."))
			if not frappe.db.exists("Distributor", requested):
				raise NotADistributorUser(_("Distributor {0} does not exist.").format(requested))
			return requested
		raise NotADistributorUser(_("Your user is not linked to a distributor."))
	if not own:
		raise NotADistributorUser(_("Your user is not linked to a distributor."))
	if requested and requested not in own:
		raise NotADistributorUser(_("You can only see your own distributor's records."))
	return requested or own[0]


def login_url(path: str | None = None) -> str:
	path = path or (frappe.local.request.full_path if getattr(frappe.local, "request", None) else "/dms")
	return "/login?" + urlencode({"redirect-to": path.rstrip("?")})


def prepare(context, title: str) -> str | None:
	"""Common set-up of a portal page's context: send a Guest to log in, resolve the distributor.

	Returns the distributor, or None after putting a clear error (and its HTTP status) in ``context``.
	"""
	context.no_cache = 1
	context.show_sidebar = 0
	context.title = title
	context.nav = nav_items()
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = login_url()
		raise frappe.Redirect(302)
	try:
		distributor = resolve_distributor(frappe.form_dict.get("distributor"))
	except DistributorRequired as e:
		context.portal_error = {"title": _("Choose a Distributor"), "message": str(e)}
		context.distributor_choices = frappe.get_all(
			"Distributor", fields=["name", "distributor_name"], order_by="name", limit=200
		)
		return None
	except frappe.PermissionError as e:
		set_error(context, 403, _("Not Permitted"), str(e))
		return None
	context.distributor = distributor
	context.distributor_name, company = frappe.db.get_value(
		"Distributor", distributor, ["distributor_name", "company"]
	)
	currency = frappe.get_cached_value("Company", company, "default_currency") if company else None
	# Formatted once per value and page: a list page formats hundreds of numbers, most of them alike (0, 1...)
	context.money = cache(lambda value: fmt_money(value or 0, currency=currency))
	context.qty = cache(lambda value: frappe.format_value(value or 0, {"fieldtype": "Float"}))
	context.date = format_date
	context.datetime = format_datetime
	# Links keep an explicitly chosen distributor (OEM staff); a portal user's own one needs no parameter.
	context.query = urlencode({"distributor": distributor}) if frappe.form_dict.get("distributor") else ""
	return distributor


def prepare_record(context, title: str, load, *, back: tuple[str, str], missing: tuple[str, str]):
	"""prepare() for a page of one record named by ``?name=``: ``load(distributor, name)`` gives the
	record's details (None when the distributor has no such record), which go into ``context``.
	``back`` is the (route, label) of the list; ``missing`` the (title, message with {0} for the name) of
	the 404 page another distributor's record or a missing one gets alike. Returns the details or None."""
	distributor = prepare(context, title)
	if not distributor:
		return None
	name = frappe.form_dict.get("name")
	context.back_link = link(back[0], context.query)
	context.back_label = back[1]
	detail = load(distributor, name)
	if not detail:
		set_error(context, 404, missing[0], missing[1].format(name or ""))
		return None
	context.update(detail)
	return detail


def set_error(context, status: int, title: str, message: str) -> None:
	context.http_status_code = status
	context.portal_error = {"title": title, "message": message}


def nav_items() -> list[dict]:
	return [
		{"route": "/dms", "label": _("Home")},
		{"route": "/dms/orders/new", "label": _("Place Order")},
		{"route": "/dms/orders", "label": _("Orders")},
		{"route": "/dms/inventory", "label": _("Inventory")},
		{"route": "/dms/sales", "label": _("Sales")},
		{"route": "/dms/retailers", "label": _("Retailers")},
		{"route": "/dms/retail-orders", "label": _("Retail Orders")},
		{"route": "/dms/beat", "label": _("Beat")},
		{"route": "/dms/schemes", "label": _("Schemes")},
		{"route": "/dms/claims", "label": _("Claims")},
		{"route": "/dms/account", "label": _("Account")},
	]


def link(route: str, query: str = "", **params) -> str:
	"""``route`` with ``params`` and the page's distributor query (kept for OEM staff)."""
	parts = [p for p in (urlencode({k: v for k, v in params.items() if v is not None}), query) if p]
	return route + ("?" + "&".join(parts) if parts else "")
