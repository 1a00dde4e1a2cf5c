"""/dms/inventory: the distributor's stock by item and warehouse, batches, expiry and age."""

from frappe import _

from dms_app.core.portal import EXPIRED, NEAR_EXPIRY, NEAR_EXPIRY_DAYS
from dms_app.portal.context import link, prepare
from dms_app.portal.inventory import status_labels, stock_lines

no_cache = 1


def get_context(context):
	context.dms_page = "inventory"
	distributor = prepare(context, _("Inventory"))
	if not distributor:
		return
	context.lines = stock_lines(distributor)
	context.total_value = sum(line.stock_value for line in context.lines)
	context.near_expiry_days = NEAR_EXPIRY_DAYS
	context.expired = EXPIRED
	context.near_expiry = NEAR_EXPIRY
	context.status_labels = status_labels()
	context.warnings = [line for line in context.lines if line.warning]
	context.export_url = link(
		"/api/method/dms_app.portal.inventory.export_csv",
		distributor=distributor if context.query else None,
	)
