# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""A field sales person's route: the distributor's retailers, in visit order, worked on fixed weekdays
(dms_app.core.beats reads the days), on the phone page /dms/beat by the beat's user."""

import frappe
from frappe import _
from frappe.model.document import Document

from dms_app.core import beats


class InvalidBeat(frappe.ValidationError):
	pass


class DMSBeat(Document):
	def validate(self):
		self.set_visit_days()
		self.check_retailers()
		self.check_user()

	def set_visit_days(self):
		try:
			days = beats.parse_visit_days(self.visit_days)
		except beats.VisitDaysError as e:
			frappe.throw(
				_("Visit Days: {0} is not a day of the week. Write the days as e.g. Mon, Thu.").format(
					", ".join(e.unknown)
				),
				InvalidBeat,
				title=_("Invalid Visit Days"),
			)
		self.visit_days = beats.format_visit_days(days)

	def check_retailers(self):
		codes = [row.retailer for row in self.retailers if row.retailer]
		twice = sorted({code for code in codes if codes.count(code) > 1})
		if twice:
			frappe.throw(
				_("A retailer is on a beat once; listed more than once: {0}").format(", ".join(twice)),
				InvalidBeat,
				title=_("Retailer Listed Twice"),
			)
		if not self.distributor:
			return
		foreign = [code for code in codes if code not in served_retailers(self.distributor, codes)]
		if foreign:
			frappe.throw(
				_(
					"{0} does not serve {1}: a beat holds the distributor's own retailers (its Serving "
					"Distributor, or an active DMS Retailer Link)."
				).format(self.distributor, ", ".join(foreign)),
				InvalidBeat,
				title=_("Retailer Not Served"),
			)

	def check_user(self):
		if not self.user:
			return
		if frappe.db.exists(
			"Distributor User", {"parent": self.distributor, "parenttype": "Distributor", "user": self.user}
		):
			return
		if frappe.db.get_value("User", self.user, "user_type") == "System User":
			return
		frappe.throw(
			_(
				"{0} cannot work this beat: the sales person's user must be one of {1}'s portal users, or "
				"a desk user."
			).format(self.user, self.distributor),
			InvalidBeat,
			title=_("Invalid User"),
		)


def served_retailers(distributor: str, retailers: list[str]) -> set[str]:
	"""Those of ``retailers`` that ``distributor`` serves: its own (Customer.distributor) or through an
	active DMS Retailer Link."""
	if not retailers:
		return set()
	own = frappe.get_all(
		"Customer", filters={"name": ["in", retailers], "distributor": distributor}, pluck="name"
	)
	linked = frappe.get_all(
		"DMS Retailer Link",
		filters={"customer": ["in", retailers], "distributor": distributor, "active": 1},
		pluck="customer",
	)
	return set(own) | set(linked)
