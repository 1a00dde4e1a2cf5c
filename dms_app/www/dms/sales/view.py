"""/dms/sales/view?name=<invoice>: one secondary invoice of the distributor: lines, free goods, scheme and
bill discounts, the schemes applied and loyalty points.

An invoice of another distributor (or none) answers 404 with a page saying so: the query is filtered by
the logged-in user's distributor, so another distributor's invoice is indistinguishable from a missing one.
"""

import frappe
from frappe import _

from dms_app.portal.context import link, prepare, set_error
from dms_app.portal.sales import invoice_detail

no_cache = 1


def get_context(context):
	context.dms_page = "sale"
	distributor = prepare(context, _("Invoice"))
	if not distributor:
		return
	name = frappe.form_dict.get("name")
	detail = invoice_detail(distributor, name)
	context.back_link = link("/dms/sales", context.query)
	context.back_label = _("Back to sales")
	if not detail:
		set_error(
			context,
			404,
			_("Invoice Not Found"),
			_("There is no invoice {0} of your distributor.").format(name or ""),
		)
		return
	context.update(detail)
	context.invoice_link = lambda invoice: link("/dms/sales/view", context.query, name=invoice)
	context.title = _("Invoice {0}").format(detail["invoice"].name)
