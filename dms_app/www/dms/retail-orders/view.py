"""/dms/retail-orders/view?name=<order>: one retailer order of the distributor: its lines and the
retailer; accept it with the quantities the distributor can serve or refuse it with a reason (a placed
order), invoice it (an accepted one). view.js posts to dms_app.portal.retail_orders.

Another distributor's order (or none) answers 404, like a missing one: the query names the distributor.
"""

from frappe import _

from dms_app.portal.context import prepare_record
from dms_app.portal.retail_orders import order_detail

no_cache = 1


def get_context(context):
	context.dms_page = "retail-order"
	detail = prepare_record(
		context,
		_("Retail Order"),
		order_detail,
		back=("/dms/retail-orders", _("Back to retail orders")),
		missing=(_("Order Not Found"), _("There is no retailer order {0} of your distributor.")),
	)
	if not detail:
		return
	context.title = _("Retail Order {0}").format(detail["order"].name)
	context.asked_distributor = context.distributor if context.query else ""
	context.js_labels = {  # for view.js
		"failed": _("That did not work. Try again."),
		"forbidden": _("You are not permitted to do this."),
		"working": _("Working…"),
		"reason": _("Give the retailer a reason for refusing the order."),
		"nothing": _("Serve at least one line, or refuse the order with a reason."),
	}
