# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""A sales person's call on a retailer of a beat (made on /dms/beat, dms_app.portal.beat): one per
retailer, beat and day (``visit_key`` is unique), with the phone's position at check-in and the outcome,
an order (its Sales Order) or the reason for none."""

import hashlib

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime, nowdate

from dms_app.core import beats

ORDER, NO_ORDER = "Order", "No Order"
NO_ORDER_REASONS = ("Shop Closed", "Enough Stock", "Owner Absent", "Payment Pending", "Other")


class NotOnBeat(frappe.ValidationError):
	pass


class InvalidVisit(frappe.ValidationError):
	pass


def visit_key(beat: str, retailer: str, visit_date) -> str:
	return hashlib.sha1(f"{beat}\n{retailer}\n{visit_date}".encode()).hexdigest()


class DMSVisit(Document):
	def validate(self):
		beat = frappe.db.get_value(
			"DMS Beat", self.beat, ["name", "distributor", "sales_person"], as_dict=True
		)
		if not beat:
			frappe.throw(_("Beat {0} not found.").format(self.beat), frappe.DoesNotExistError)
		self.distributor = beat.distributor
		self.sales_person = self.sales_person or beat.sales_person
		self.user = self.user or frappe.session.user
		self.visit_date = self.visit_date or nowdate()
		self.checked_in_at = self.checked_in_at or now_datetime()
		if not frappe.db.exists(
			"DMS Beat Retailer", {"parent": self.beat, "parenttype": "DMS Beat", "retailer": self.retailer}
		):
			frappe.throw(
				_("{0} is not on beat {1}.").format(self.retailer, self.beat),
				NotOnBeat,
				title=_("Not on the Beat"),
			)
		self.visit_key = visit_key(self.beat, self.retailer, self.visit_date)
		self.check_position()
		self.check_outcome()

	def check_position(self):
		given = [self.latitude, self.longitude]
		if not any(given) and not self.accuracy:
			self.latitude = self.longitude = self.accuracy = None
			return
		try:
			beats.position(self.latitude, self.longitude, self.accuracy)
		except beats.PositionError as e:
			frappe.throw(_("The position could not be used: {0}.").format(str(e)), InvalidVisit)

	def check_outcome(self):
		if self.outcome == ORDER:
			if not self.sales_order:
				frappe.throw(_("An order visit needs its Sales Order."), InvalidVisit)
			self.no_order_reason = None
		elif self.outcome == NO_ORDER:
			if self.no_order_reason not in NO_ORDER_REASONS:
				frappe.throw(
					_("Say why there is no order: {0}.").format(", ".join(_(r) for r in NO_ORDER_REASONS)),
					InvalidVisit,
					title=_("Reason Needed"),
				)
			if self.no_order_reason == "Other" and not (self.remarks or "").strip():
				frappe.throw(
					_("Write a remark when the reason is Other."), InvalidVisit, title=_("Reason Needed")
				)
			self.sales_order, self.lines = None, 0
		elif self.sales_order:
			frappe.throw(_("A visit with a Sales Order has the outcome Order."), InvalidVisit)
