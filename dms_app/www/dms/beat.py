"""/dms/beat: the sales person's beat on the phone. Today's beat first (``?beat=`` picks another of the
user's beats, ``?date=`` shows another day, read only), its outlets in visit order with what each visit
came to; per outlet Check in, then Take order (the priced cart) or No order. The data is
dms_app.portal.beat's; beat.js calls its methods."""

import frappe
from frappe import _

from dms_app.portal import beat as beats
from dms_app.portal.context import link, prepare, set_error

no_cache = 1


def get_context(context):
	context.dms_page = "beat"
	distributor = prepare(context, _("Beat"))
	if not distributor:
		return
	try:
		context.update(beats.page(distributor, frappe.form_dict.get("beat"), frappe.form_dict.get("date")))
	except beats.NotYourBeat as e:
		set_error(context, 404, _("Beat Not Found"), str(e))
		context.back_link, context.back_label = link("/dms/beat", context.query), _("Your beats")
		return
	except frappe.ValidationError as e:
		set_error(context, 400, _("Beat"), str(e))
		return
	context.beat_link = lambda name: link("/dms/beat", context.query, beat=name, date=_day_param(context))
	context.day_link = lambda day: link(
		"/dms/beat", context.query, beat=context.beat.name if context.beat else None, date=day
	)
	context.asked_distributor = distributor if context.query else ""
	context.js_labels = {
		"checkingIn": _("Checking in…"),
		"locating": _("Finding your position…"),
		"checkedIn": _("Checked in {0}"),
		"noPosition": _("Checked in {0} without a position: {1}"),
		"noPositionShort": _("no position"),
		"denied": _("the phone did not allow the location"),
		"unavailable": _("the phone could not find its position"),
		"timeout": _("finding the position took too long"),
		"unsupported": _("this browser gives no location"),
		"again": _("Already checked in today at {0}."),
		"pricing": _("Pricing…"),
		"addItems": _("Add items to see the price."),
		"notServed": _("Not served by your distributor: take these off the order."),
		"unrouted": _("No distributor serves these"),
		"free": _("Free"),
		"discount": _("Scheme discount"),
		"total": _("Total"),
		"booking": _("Booking…"),
		"book": _("Book order"),
		"ordered": _("Order {0} · {1}"),
		"noOrder": _("No order: {0}"),
		"saving": _("Saving…"),
		"failed": _("That did not work. Check your connection and try again."),
		"otherNeedsRemark": _("Write a remark when the reason is Other."),
	}


def _day_param(context) -> str | None:
	return None if context.is_today else str(context.day)
