"""Workflow definitions as data, installed by one upsert function.

Each module in this package exposes ``WORKFLOW``: a dict shaped like a Workflow document (states,
transitions, workflow_state_field). ``install_workflows`` creates or updates them on install and migrate.
"""

import frappe

WORKFLOW_MODULES: list[str] = [
	"dms_app.workflows.primary_order",
	"dms_app.workflows.dispatch",
	"dms_app.workflows.scheme_claim",
]


def transition(state, action, next_state, allowed, condition=None, self_approval=True) -> dict:
	"""One Workflow Transition row."""
	return {
		"state": state,
		"action": action,
		"next_state": next_state,
		"allowed": allowed,
		"allow_self_approval": int(self_approval),
		"condition": condition,
	}


def install_workflows() -> None:
	for path in WORKFLOW_MODULES:
		upsert_workflow(frappe.get_attr(f"{path}.WORKFLOW"))


def upsert_workflow(definition: dict) -> None:
	for state in definition.get("states", []):
		if not frappe.db.exists("Workflow State", state["state"]):
			frappe.get_doc({"doctype": "Workflow State", "workflow_state_name": state["state"]}).insert(
				ignore_permissions=True
			)
	for transition in definition.get("transitions", []):
		if not frappe.db.exists("Workflow Action Master", transition["action"]):
			frappe.get_doc(
				{"doctype": "Workflow Action Master", "workflow_action_name": transition["action"]}
			).insert(ignore_permissions=True)

	name = definition["workflow_name"]
	if frappe.db.exists("Workflow", name):
		doc = frappe.get_doc("Workflow", name)
		doc.update({k: v for k, v in definition.items() if k not in ("states", "transitions")})
		doc.set("states", definition["states"])
		doc.set("transitions", definition["transitions"])
	else:
		doc = frappe.get_doc({"doctype": "Workflow", **definition})
	doc.save(ignore_permissions=True)


def remove_workflows() -> None:
	for path in WORKFLOW_MODULES:
		name = frappe.get_attr(f"{path}.WORKFLOW")["workflow_name"]
		if frappe.db.exists("Workflow", name):
			frappe.delete_doc("Workflow", name, ignore_permissions=True, force=True)
