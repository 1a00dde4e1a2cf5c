"""/dms/claims: the distributor's scheme claims with their workflow state, and filing a new claim for
what its schemes gave and nobody claimed yet (dms_app.portal.schemes.file_claim)."""

import frappe
from frappe import _

from dms_app.portal.context import link, prepare
from dms_app.portal.schemes import claim_list, utilization

no_cache = 1


def get_context(context):
	context.dms_page = "claims"
	distributor = prepare(context, _("Claims"))
	if not distributor:
		return
	context.claims = claim_list(distributor)
	context.claimable = [row for row in utilization(distributor) if row["unclaimed"]]
	context.to_claim = sum(row["unclaimed"] for row in context.claimable)
	context.selected = frappe.form_dict.get("scheme")
	context.filed = [n for n in (frappe.form_dict.get("filed") or "").split(",") if n]
	context.claim_link = lambda name: link("/dms/claims/view", context.query, name=name)
	context.list_link = link("/dms/claims", context.query)
