# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

from frappe.model.document import Document


class DMSSyncMessage(Document):
	"""One outbox message; written and delivered by dms_app.dms_integrations.outbox."""
