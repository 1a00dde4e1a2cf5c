"""/dms/orders/view?name=<order>: one primary order of the distributor, with its status timeline.

An order of another distributor (or none) answers 404 with a page saying so: the query is filtered by
the logged-in user's distributor, so another distributor's order is indistinguishable from a missing one.
Dispatches still in transit get a receipt form (view.js posts it to
dms_app.api.primary_orders.confirm_receipt).
"""

import frappe
from frappe import _

from dms_app.portal.context import link, prepare, set_error
from dms_app.portal.orders import order_detail

no_cache = 1


def get_context(context):
	context.dms_page = "order"
	distributor = prepare(context, _("Order"))
	if not distributor:
		return
	name = frappe.form_dict.get("name")
	detail = order_detail(distributor, name)
	context.back_link = link("/dms/orders", context.query)
	context.back_label = _("Back to orders")
	if not detail:
		set_error(
			context,
			404,
			_("Order Not Found"),
			_("There is no order {0} of your distributor.").format(name or ""),
		)
		return
	context.update(detail)
	context.js_labels = {  # for view.js, the receipt form
		"reason": _("Give a reason for the shortage."),
		"failed": _("The receipt could not be confirmed."),
		"forbidden": _("You are not permitted to confirm this receipt."),
		"confirming": _("Confirming…"),
		"confirm": _("Confirm Receipt"),
	}
	context.title = _("Order {0}").format(detail["order"].name)
