# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

from frappe.model.document import Document


class DMSRetailOrderLimit(Document):
	pass
