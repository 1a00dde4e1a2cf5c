"""Hourly job: remind approvers of orders waiting for them, escalate levels waiting past their SLA.

Each order is reminded once and escalated once per state (the markers are cleared when the order
moves on, see orders.track_state). Mail goes through Frappe's email queue; reminders also go by
SMS / WhatsApp to approvers with a mobile number, through the outbox, when enabled.
"""

import frappe
from frappe import _
from frappe.utils import get_datetime, get_url_to_form, now_datetime

from dms_app.core.approval import LEVELS
from dms_app.core.primary_order import PENDING_STATES, hours_between, sla_actions
from dms_app.dms_integrations.events import notify
from dms_app.primary_sales.orders import route_of


def remind_and_escalate():
	now = now_datetime()
	approvers: dict[str, list[str]] = {}  # role -> users, read once per run

	def users_for(role: str) -> list[str]:
		if role not in approvers:
			approvers[role] = users_with_role(role)
		return approvers[role]

	orders = frappe.get_all(
		"Material Request",
		filters={
			"docstatus": 0,
			"distributor": ["is", "set"],
			"workflow_state": ["in", list(PENDING_STATES)],
		},
		fields=[
			"name",
			"distributor",
			"workflow_state",
			"dms_state_since",
			"dms_approver",
			"dms_approval_route",
			"dms_reminded_at",
			"dms_escalated_at",
			"dms_order_value",
		],
	)
	for order in orders:
		level = PENDING_STATES[order.workflow_state]
		step = next((s for s in route_of(order) if s["level"] == level), {})
		waited = hours_between(get_datetime(order.dms_state_since), now)
		actions = sla_actions(
			waited, step.get("sla_hours") or 0, bool(order.dms_reminded_at), bool(order.dms_escalated_at)
		)
		if "remind" in actions:
			recipients = [order.dms_approver] if order.dms_approver else users_for(level)
			subject = _("Order {0} from {1} waits for your approval").format(order.name, order.distributor)
			_mail(recipients, subject, order)
			_message(recipients, subject, order)
			frappe.db.set_value("Material Request", order.name, "dms_reminded_at", now, update_modified=False)
		if "escalate" in actions:
			_mail(
				users_for(escalation_role(level)),
				_("Escalation: order {0} has waited {1:.0f} hours at {2}").format(
					order.name, waited, _(level)
				),
				order,
			)
			frappe.db.set_value(
				"Material Request", order.name, "dms_escalated_at", now, update_modified=False
			)


def escalation_role(level: str) -> str:
	"""The level above ``level``; the top level escalates to itself."""
	index = LEVELS.index(level)
	return LEVELS[min(index + 1, len(LEVELS) - 1)]


def users_with_role(role: str) -> list[str]:
	users = frappe.get_all("Has Role", filters={"role": role, "parenttype": "User"}, pluck="parent")
	return frappe.get_all(
		"User", filters={"name": ["in", users], "enabled": 1, "user_type": "System User"}, pluck="name"
	)


def _mail(recipients: list[str], subject: str, order) -> bool:
	"""Queue the mail; False when it could not be queued (it is then tried again next hour)."""
	recipients = [r for r in recipients if r and r not in ("Administrator", "Guest")]
	if not recipients:
		return False
	try:
		_send(recipients, subject, order)
	except frappe.OutgoingEmailError:
		frappe.log_error(title=_("DMS approval reminders need an outgoing Email Account"))
		return False
	return True


def _message(users: list[str], text: str, order) -> None:
	"""The reminder by SMS / WhatsApp too, to the approvers' mobiles, once per order state."""
	mobiles = frappe.get_all("User", filters={"name": ["in", users]}, pluck="mobile_no")
	order = frappe._dict(order, doctype="Material Request")
	notify(
		order,
		"order.reminder",
		text,
		[m for m in mobiles if m],
		order.workflow_state,
		str(order.dms_state_since),
	)


def _send(recipients: list[str], subject: str, order) -> None:
	frappe.sendmail(
		recipients=recipients,
		subject=subject,
		message=_("Order {0} ({1}, value {2}) is at {3}. Open it: {4}").format(
			order.name,
			order.distributor,
			frappe.format_value(order.dms_order_value, "Currency"),
			_(order.workflow_state),
			get_url_to_form("Material Request", order.name),
		),
		reference_doctype="Material Request",
		reference_name=order.name,
	)
