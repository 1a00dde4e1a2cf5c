"""/dms/orders: the distributor's primary orders."""

from frappe import _

from dms_app.portal.context import link, prepare
from dms_app.portal.orders import order_list

no_cache = 1


def get_context(context):
	context.dms_page = "orders"
	distributor = prepare(context, _("Orders"))
	if not distributor:
		return
	context.orders = order_list(distributor)
	context.order_link = lambda name: link("/dms/orders/view", context.query, name=name)
