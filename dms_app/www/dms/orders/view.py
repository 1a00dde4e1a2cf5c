"""/dms/orders/view?name=<order>: one primary order of the distributor, with its status timeline.

An order of another distributor (or none) answers 404 with a page saying so: the query is filtered by
the logged-in user's distributor, so another distributor's order is indistinguishable from a missing one.
Dispatches still in transit get a receipt form (view.js posts it to
dms_app.api.primary_orders.confirm_receipt).
"""

from frappe import _

from dms_app.portal.context import prepare_record
from dms_app.portal.orders import order_detail

no_cache = 1


def get_context(context):
	context.dms_page = "order"
	detail = prepare_record(
		context,
		_("Order"),
		order_detail,
		back=("/dms/orders", _("Back to orders")),
		missing=(_("Order Not Found"), _("There is no order {0} of your distributor.")),
	)
	if not detail:
		return
	context.js_labels = {  # for view.js, the receipt form
		"reason": _("Give a reason for the shortage."),
		"failed": _("The receipt could not be confirmed."),
		"forbidden": _("You are not permitted to confirm this receipt."),
		"confirming": _("Confirming…"),
		"confirm": _("Confirm Receipt"),
	}
	context.title = _("Order {0}").format(detail["order"].name)
