"""/dms: the distributor portal's home, this month's KPIs of the logged-in user's distributor."""

from frappe import _

from dms_app.distributor_account import ledger
from dms_app.portal import kpis
from dms_app.portal.context import prepare

no_cache = 1


def get_context(context):
	context.dms_page = "home"
	distributor = prepare(context, _("Distributor Portal"))
	if distributor:
		context.kpis = kpis.home(distributor)
		context.credit = ledger.summary(distributor)
