# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt

"""A trade scheme. Its terms are fixed once submitted: a scheme in use is cancelled and amended, not
rewritten (Frappe refuses changes to other fields after submit). Validity end, budget, description and
the disabled switch may change on a submitted scheme, within what it has already given."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate

from dms_app.core import schemes as core
from dms_app.schemes import engine, pricing


class InvalidScheme(frappe.ValidationError):
	pass


class DMSScheme(Document):
	def validate(self):
		if self.is_new():  # an amended scheme starts afresh
			self.update(
				{"budget_used": 0, "promotional_scheme": None, "pricing_note": None, "settled_on": None}
			)
		problems = core.check_scheme(engine.to_core(self))
		if self.budget_type and flt(self.budget) <= 0:
			problems.append(_("Set a budget above 0, or clear the Budget Type."))
		problems += self._free_item_problems() + self._duplicate_rows()
		if problems:
			frappe.throw(
				"<br>".join(_(problem) for problem in problems), InvalidScheme, title=_("Invalid Scheme")
			)

	def before_update_after_submit(self):
		self.validate()
		if self.budget_type and flt(self.budget) < flt(self.budget_used):
			frappe.throw(
				_("The budget cannot go below the {0} this scheme has already given.").format(
					flt(self.budget_used, 2)
				),
				InvalidScheme,
				title=_("Invalid Scheme"),
			)
		last_use = frappe.db.get_value(
			"DMS Scheme Ledger Entry", {"scheme": self.name, "is_cancelled": 0}, "max(posting_date)"
		)
		if self.valid_upto and last_use and getdate(self.valid_upto) < getdate(last_use):
			frappe.throw(
				_("Valid Upto cannot be before {0}, when this scheme was last used.").format(
					frappe.format_value(last_use, "Date")
				),
				InvalidScheme,
				title=_("Invalid Scheme"),
			)

	def on_submit(self):
		engine.clear_cache()
		pricing.sync(self)

	def on_update_after_submit(self):
		engine.clear_cache()
		pricing.sync(self)

	def on_cancel(self):
		engine.clear_cache()
		pricing.sync(self)

	def _free_item_problems(self) -> list[str]:
		if self.scheme_type != core.FREE_GOODS or not self.free_item:
			return []
		if frappe.db.get_value("Item", self.free_item, "disabled"):
			return [_("Free item {0} is disabled.").format(self.free_item)]
		return []

	def _duplicate_rows(self) -> list[str]:
		problems = []
		for table, kind in (("items", "applies_to"), ("buyers", "buyer_type")):
			seen = set()
			for row in self.get(table):
				key = (row.get(kind), row.value)
				if key in seen:
					problems.append(
						_("Row {0}: {1} {2} is listed twice.").format(row.idx, row.get(kind), row.value)
					)
				seen.add(key)
		return problems
