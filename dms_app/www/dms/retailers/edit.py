"""/dms/retailers/edit?name=<customer>: edit one of the distributor's retailers; without a name, add one.

A retailer of another distributor (or none) answers 404 with a page saying so. The form posts to
dms_app.portal.retailers.save_retailer, which checks everything again.
"""

import frappe
from frappe import _

from dms_app.portal.context import link, prepare, set_error
from dms_app.portal.retailers import field_labels, new_values, options, retailer_values

no_cache = 1


def get_context(context):
	context.dms_page = "retailer"
	distributor = prepare(context, _("Retailer"))
	if not distributor:
		return
	name = frappe.form_dict.get("name")
	context.back_link = link("/dms/retailers", context.query)
	context.back_label = _("Back to retailers")
	if name:
		values = retailer_values(distributor, name)
		if not values:
			set_error(
				context,
				404,
				_("Retailer Not Found"),
				_("There is no retailer {0} of your distributor.").format(name),
			)
			return
		# plain text: the layout and the page escape it
		context.title = _("Edit Retailer {0}").format(values["customer_name"])
	else:
		values = new_values(distributor)
		context.title = _("Add Retailer")
	context.values = values
	context.retailer_name = name
	context.options = options()
	context.labels = field_labels()
	context.list_link = context.back_link
