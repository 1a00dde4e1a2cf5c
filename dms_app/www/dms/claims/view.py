"""/dms/claims/view?name=<claim>: one scheme claim of the distributor: status, lines and settlement.

A claim of another distributor (or none) answers 404 with a page saying so: the query is filtered by the
logged-in user's distributor.
"""

import frappe
from frappe import _

from dms_app.portal.context import link, prepare, set_error
from dms_app.portal.schemes import claim_detail

no_cache = 1


def get_context(context):
	context.dms_page = "claim"
	distributor = prepare(context, _("Claim"))
	if not distributor:
		return
	name = frappe.form_dict.get("name")
	context.back_link = link("/dms/claims", context.query)
	context.back_label = _("Back to claims")
	detail = claim_detail(distributor, name)
	if not detail:
		set_error(
			context,
			404,
			_("Claim Not Found"),
			_("There is no claim {0} of your distributor.").format(name or ""),
		)
		return
	context.update(detail)
	context.title = _("Claim {0}").format(detail["claim"].name)
