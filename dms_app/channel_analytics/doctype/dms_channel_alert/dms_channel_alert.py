# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""A channel anomaly found by a rule (dms_app.channel_analytics.alerts): opened, assigned (Frappe's
Assign To) and resolved or dismissed by OEM staff; only its status and resolution are theirs to edit."""

import frappe
from frappe import _
from frappe.model.document import Document

EDITABLE = {"status", "resolution"}


class DMSChannelAlert(Document):
	def validate(self):
		if self.is_new():
			return
		before = self.get_doc_before_save() or {}
		changed = [
			df.label
			for df in self.meta.fields
			if df.fieldname not in EDITABLE and before and self.get(df.fieldname) != before.get(df.fieldname)
		]
		if changed:
			frappe.throw(
				_("Only the status and resolution of an alert can be changed, not {0}.").format(
					", ".join(changed)
				)
			)
		if self.status != "Open" and not (self.resolution or "").strip():
			frappe.throw(
				_("Say how the alert was resolved or why it is dismissed."), title=_("Resolution Missing")
			)
