# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

from frappe.model.document import Document


class DMSChannelOrder(Document):
	"""One order received from an outside channel, named "<channel>:<channel_order_id>" so the database
	refuses a second one (dms_app.api.retail_orders inserts it first: the row lock of that insert is what
	makes two identical calls at once place one order)."""

	def autoname(self):
		self.name = f"{self.channel}:{self.channel_order_id}"
