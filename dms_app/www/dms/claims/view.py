"""/dms/claims/view?name=<claim>: one scheme claim of the distributor: status, lines and settlement.

A claim of another distributor (or none) answers 404 with a page saying so: the query is filtered by the
logged-in user's distributor.
"""

from frappe import _

from dms_app.portal.context import prepare_record
from dms_app.portal.schemes import claim_detail

no_cache = 1


def get_context(context):
	context.dms_page = "claim"
	detail = prepare_record(
		context,
		_("Claim"),
		claim_detail,
		back=("/dms/claims", _("Back to claims")),
		missing=(_("Claim Not Found"), _("There is no claim {0} of your distributor.")),
	)
	if not detail:
		return
	context.title = _("Claim {0}").format(detail["claim"].name)
