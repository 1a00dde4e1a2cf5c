"""/dms/schemes: the schemes that apply to the distributor today with their terms, what its schemes gave
(claimed, waiting, to claim), and its retailers' loyalty points."""

from frappe import _

from dms_app.portal.context import link, prepare
from dms_app.portal.schemes import applicable_schemes, loyalty_summary, utilization

no_cache = 1


def get_context(context):
	context.dms_page = "schemes"
	distributor = prepare(context, _("Schemes"))
	if not distributor:
		return
	context.schemes = applicable_schemes(distributor)
	context.utilization = utilization(distributor)
	context.totals = {
		key: sum(row[key] for row in context.utilization)
		for key in ("given", "claimed", "pending", "unclaimed", "not_claimable")
	}
	context.loyalty = loyalty_summary(distributor)
	context.claims_link = link("/dms/claims", context.query)
	context.claim_link = lambda scheme: link("/dms/claims", context.query, scheme=scheme)
