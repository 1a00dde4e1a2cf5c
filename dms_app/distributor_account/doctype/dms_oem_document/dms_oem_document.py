# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

from frappe.model.document import Document

# Credit and debit notes share one numbering in the OEM ERP, so one prefix ("Note" in the API).
PREFIX = {"Invoice": "INV", "Payment": "PAY", "Note": "NOTE", "Credit Note": "NOTE", "Debit Note": "NOTE"}


class DMSOEMDocument(Document):
	def autoname(self):
		self.name = f"{PREFIX[self.kind]}-{self.reference}"
