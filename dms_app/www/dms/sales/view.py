"""/dms/sales/view?name=<invoice>: one secondary invoice of the distributor: lines, free goods, scheme and
bill discounts, the schemes applied and loyalty points.

An invoice of another distributor (or none) answers 404 with a page saying so: the query is filtered by
the logged-in user's distributor, so another distributor's invoice is indistinguishable from a missing one.
"""

from frappe import _

from dms_app.portal.context import link, prepare_record
from dms_app.portal.sales import invoice_detail

no_cache = 1


def get_context(context):
	context.dms_page = "sale"
	detail = prepare_record(
		context,
		_("Invoice"),
		invoice_detail,
		back=("/dms/sales", _("Back to sales")),
		missing=(_("Invoice Not Found"), _("There is no invoice {0} of your distributor.")),
	)
	if not detail:
		return
	context.invoice_link = lambda invoice: link("/dms/sales/view", context.query, name=invoice)
	context.title = _("Invoice {0}").format(detail["invoice"].name)
