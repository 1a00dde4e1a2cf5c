"""A distributor's retailers for the portal: the list (with this month's sales and loyalty points), the
values of one retailer for its form, and :func:`save_retailer`, which adds or edits one.

A retailer is a Customer whose ``distributor`` is the distributor. Every read names the distributor the
caller resolved from the logged-in user (dms_app.portal.context); a retailer of another distributor is
not found, and saving one is refused.
"""

import frappe
from frappe import _
from frappe.utils import cint, escape_html, flt, getdate, nowdate

from dms_app.core import portal, retailers
from dms_app.distribution import gst
from dms_app.portal.context import resolve_distributor
from dms_app.schemes.loyalty import balances

LIST_LIMIT = 500

# Form fields written on the Customer itself (mobile and address live on its Contact and Address).
CUSTOMER_FIELDS = (
	"customer_name",
	"retailer_code",
	"tax_id",
	"territory",
	"customer_group",
	"outlet_type",
	"outlet_class",
	"beat",
	"latitude",
	"longitude",
)
ADDRESS_FIELDS = ("address_line1", "city", "state", "pincode")
LINKS = {"territory": "Territory", "customer_group": "Customer Group", "sales_person": "Sales Person"}
FORM_FIELDS = (*CUSTOMER_FIELDS, "mobile_no", "sales_person", *ADDRESS_FIELDS, "disabled")


class RetailerInvalid(frappe.ValidationError):
	"""The retailer's values are refused; the message says why, field by field."""


def field_labels() -> dict[str, str]:
	return {
		"customer_name": _("Retailer Name"),
		"retailer_code": _("Retailer Code"),
		"mobile_no": _("Mobile Number"),
		"tax_id": _("Tax ID"),
		"territory": _("Territory"),
		"customer_group": _("Customer Group"),
		"sales_person": _("Sales Person"),
		"outlet_type": _("Outlet Type"),
		"outlet_class": _("Outlet Class"),
		"beat": _("Beat / Route"),
		"latitude": _("Latitude"),
		"longitude": _("Longitude"),
		"address_line1": _("Address"),
		"city": _("City"),
		"state": _("State"),
		"pincode": _("PIN Code"),
		"disabled": _("Disabled"),
	}


# -- reading --------------------------------------------------------------------------------------


def retailer_list(distributor: str, search: str | None = None, limit: int = LIST_LIMIT) -> list[dict]:
	"""The distributor's retailers (search: name, code, mobile or tax id contains it), each with its
	sales this month (submitted invoices' net total, returns negative) and loyalty points balance."""
	or_filters = None
	if search := (search or "").strip():
		like = f"%{search}%"
		or_filters = [
			["customer_name", "like", like],
			["name", "like", like],
			["retailer_code", "like", like],
			["mobile_no", "like", like],
			["tax_id", "like", like],
		]
	rows = frappe.get_all(
		"Customer",
		filters={"distributor": distributor},
		or_filters=or_filters,
		fields=[
			"name",
			"customer_name",
			"retailer_code",
			"mobile_no",
			"tax_id",
			"territory",
			"customer_group",
			"outlet_type",
			"beat",
			"disabled",
			"loyalty_program",
		],
		order_by="customer_name",
		limit=limit,
	)
	names = [row.name for row in rows]
	sales = sales_this_month(distributor, names)
	company = frappe.db.get_value("Distributor", distributor, "company")
	points = balances([row.name for row in rows if row.loyalty_program], company)
	for row in rows:
		row.sales_this_month = sales.get(row.name, 0.0)
		row.points = points.get(row.name) if row.loyalty_program else None
	return rows


def sales_this_month(distributor: str, customers: list[str], today=None) -> dict[str, float]:
	if not customers:
		return {}
	start, end = portal.month_bounds(getdate(today or nowdate()))
	rows = frappe.get_all(
		"Sales Invoice",
		filters={
			"distributor": distributor,
			"docstatus": 1,
			"customer": ["in", customers],
			"posting_date": ["between", [start, end]],
		},
		fields=["customer", "sum(base_net_total) as total"],
		group_by="customer",
	)
	return {row.customer: flt(row.total) for row in rows}


def retailer_values(distributor: str, name: str | None) -> dict | None:
	"""The form's values of the distributor's retailer ``name``, or None when it has no such retailer."""
	if not name:
		return None
	doc = _own_retailer(distributor, name)
	if not doc:
		return None
	values = {field: doc.get(field) for field in CUSTOMER_FIELDS}
	values.update(name=doc.name, mobile_no=doc.mobile_no, disabled=cint(doc.disabled))
	values["sales_person"] = doc.sales_team[0].sales_person if doc.sales_team else None
	address = _address(doc)
	values.update({field: address.get(field) if address else None for field in ADDRESS_FIELDS})
	return values


def new_values(distributor: str) -> dict:
	values = dict.fromkeys(FORM_FIELDS)
	values["territory"] = frappe.db.get_value("Distributor", distributor, "territory")
	values["customer_group"] = frappe.db.get_single_value("DMS Settings", "retailer_customer_group")
	values["disabled"] = 0
	return values


def options() -> dict[str, list[str]]:
	"""Choices of the form's select fields: masters every distributor may pick from."""
	meta = frappe.get_meta("Customer")
	return {
		"territory": frappe.get_all("Territory", order_by="lft", pluck="name", limit=500),
		"customer_group": frappe.get_all(
			"Customer Group", filters={"is_group": 0}, order_by="name", pluck="name", limit=500
		),
		"sales_person": frappe.get_all(
			"Sales Person", filters={"is_group": 0, "enabled": 1}, order_by="name", pluck="name", limit=500
		),
		"outlet_type": [o for o in (meta.get_options("outlet_type") or "").split("\n") if o],
		"outlet_class": [o for o in (meta.get_options("outlet_class") or "").split("\n") if o],
	}


def _own_retailer(distributor: str, name: str):
	if not name or frappe.db.get_value("Customer", name, "distributor") != distributor:
		return None
	return frappe.get_doc("Customer", name)


def _address(doc) -> dict | None:
	if not doc.customer_primary_address:
		return None
	return frappe.db.get_value("Address", doc.customer_primary_address, list(ADDRESS_FIELDS), as_dict=True)


# -- saving ---------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def save_retailer(
	name: str | None = None,
	customer_name: str | None = None,
	retailer_code: str | None = None,
	mobile_no: str | None = None,
	tax_id: str | None = None,
	territory: str | None = None,
	customer_group: str | None = None,
	sales_person: str | None = None,
	outlet_type: str | None = None,
	outlet_class: str | None = None,
	beat: str | None = None,
	latitude: str | float | None = None,
	longitude: str | float | None = None,
	address_line1: str | None = None,
	city: str | None = None,
	state: str | None = None,
	pincode: str | int | None = None,
	disabled: str | int | bool | None = None,
	distributor: str | None = None,
) -> dict:
	"""Add a retailer to the caller's distributor, or edit one of its retailers (``name``).

	The retailer always belongs to the caller's own distributor (``distributor`` is honoured only where
	the caller may see it: OEM staff). Everything is checked before anything is written: another
	distributor's retailer, a duplicate code, mobile number or tax id among the distributor's
	retailers, or a bad value is refused with a message saying which."""
	distributor = resolve_distributor(distributor)
	values = retailers.clean(
		{
			"customer_name": customer_name,
			"retailer_code": retailer_code,
			"mobile_no": mobile_no,
			"tax_id": tax_id,
			"territory": territory,
			"customer_group": customer_group,
			"sales_person": sales_person,
			"outlet_type": outlet_type,
			"outlet_class": outlet_class,
			"beat": beat,
			"latitude": latitude,
			"longitude": longitude,
			"address_line1": address_line1,
			"city": city,
			"state": state,
			"pincode": pincode,
		}
	)
	values["disabled"] = 1 if str(disabled or "").lower() in ("1", "true", "on", "yes") else 0

	doc = None
	if name:
		doc = _own_retailer(distributor, name)
		if not doc:
			# another distributor's retailer is indistinguishable from a missing one
			frappe.throw(
				_("There is no retailer {0} of your distributor.").format(escape_html(name)),
				frappe.PermissionError,
				title=_("Not Permitted"),
			)
		doc.check_permission("write")
	else:
		frappe.has_permission("Customer", "create", throw=True)

	_refuse_bad_values(distributor, values, editing=doc.name if doc else None)
	return _write(distributor, doc, values)


def _refuse_bad_values(distributor: str, values: dict, editing: str | None) -> None:
	labels = field_labels()
	messages = [_problem_message(field, code, labels) for field, code in retailers.problems(values)]
	choices = options()
	for field in ("territory", "customer_group", "sales_person", "outlet_type", "outlet_class"):
		value = values.get(field)
		doctype = LINKS.get(field)
		if value and value not in choices[field] and not (doctype and frappe.db.exists(doctype, value)):
			messages.append(
				_("{0}: {1} is not one of the choices.").format(labels[field], escape_html(value))
			)
	others = [
		retailers.Known(r.name, r.customer_name, r.retailer_code, r.mobile_no, r.tax_id)
		for r in frappe.get_all(
			"Customer",
			filters={"distributor": distributor},
			fields=["name", "customer_name", "retailer_code", "mobile_no", "tax_id"],
		)
	]
	for field, other in retailers.duplicates(values, others, editing):
		messages.append(
			_("{0} {1} is already used by your retailer {2} ({3}).").format(
				labels[field], escape_html(values[field]), escape_html(other.customer_name), other.name
			)
		)
	if values.get("address_line1") and not values.get("state") and gst.applies():
		# an address in India names its state (GST's place of supply); a GSTIN gives it (retailers.clean)
		messages.append(_("{0} is required with an address.").format(labels["state"]))
	if messages:
		frappe.throw("<br>".join(messages), RetailerInvalid, title=_("Retailer Not Saved"))


def _problem_message(field: str, code: str, labels: dict) -> str:
	label = labels.get(field, field)
	return {
		retailers.MISSING_NAME: _("{0} is required (at most {1} characters).").format(
			label, retailers.NAME_MAX
		),
		retailers.BAD_MOBILE: _("{0} must have {1} to {2} digits.").format(label, *retailers.MOBILE_DIGITS),
		retailers.BAD_TAX_ID: _("{0} must be 5 to 20 letters and digits.").format(label),
		retailers.ADDRESS_WITHOUT_CITY: _("{0} is required with an address.").format(label),
		retailers.BAD_COORDINATE: _("{0} is not a valid coordinate.").format(label),
	}.get(code, _("{0} is not valid.").format(label))


def _write(distributor: str, doc, values: dict) -> dict:
	fields = {field: values.get(field) for field in CUSTOMER_FIELDS}
	for key in ("latitude", "longitude"):
		fields[key] = flt(fields[key]) if fields[key] is not None else 0
	if doc is None:
		doc = frappe.get_doc(
			{"doctype": "Customer", "customer_type": "Company", "distributor": distributor, **fields}
		)
	else:
		doc.update(fields)
	doc.disabled = values["disabled"]
	doc.distributor = distributor
	current = doc.sales_team[0].sales_person if doc.sales_team else None
	if values.get("sales_person") != current:
		doc.set(
			"sales_team",
			[{"sales_person": values["sales_person"], "allocated_percentage": 100}]
			if values.get("sales_person")
			else [],
		)
	if doc.customer_primary_contact:
		_update_contact(doc.customer_primary_contact, values.get("mobile_no"))
		doc.mobile_no = values.get("mobile_no")
	if doc.is_new():
		doc.insert()
	else:
		doc.save()
	if values.get("mobile_no") and not doc.customer_primary_contact:
		_new_contact(doc, values["mobile_no"])
	_save_address(doc, values)
	return {"name": doc.name, "customer_name": doc.customer_name}


# The Distributor role has no rights on Contact and Address (its users have no desk). A retailer's
# contact and address belong to the retailer the caller was just allowed to write, so they are written
# on its behalf, as ERPNext itself writes them from the Customer form.


def _new_contact(doc, mobile: str) -> None:
	from erpnext.selling.doctype.customer.customer import make_contact

	contact = make_contact(
		frappe._dict(
			doctype="Customer",
			name=doc.name,
			customer_type=doc.customer_type,
			customer_name=doc.customer_name,
			mobile_no=mobile,
			flags=frappe._dict(ignore_permissions=True),
		)
	)
	doc.db_set({"customer_primary_contact": contact.name, "mobile_no": mobile})


def _update_contact(name: str, mobile: str | None) -> None:
	contact = frappe.get_doc("Contact", name)
	if (contact.mobile_no or None) == mobile:
		return
	primary = next((row for row in contact.phone_nos if row.is_primary_mobile_no), None)
	if primary and mobile:
		primary.phone = mobile
	elif primary:
		contact.remove(primary)
	elif mobile:
		contact.append("phone_nos", {"phone": mobile, "is_primary_mobile_no": 1})
	contact.save(ignore_permissions=True)


def _save_address(doc, values: dict) -> None:
	from frappe.contacts.doctype.address.address import render_address

	if not values.get("address_line1"):
		return
	address_values = {field: values.get(field) for field in ADDRESS_FIELDS}
	if doc.customer_primary_address:
		address = frappe.get_doc("Address", doc.customer_primary_address)
		if all((address.get(f) or None) == address_values[f] for f in ADDRESS_FIELDS):
			return
		address.update(address_values)
		address.save(ignore_permissions=True)
	else:
		from erpnext.selling.doctype.customer.customer import make_address

		company = frappe.db.get_value("Distributor", doc.distributor, "company")
		address = make_address(
			frappe._dict(
				doctype="Customer",
				name=doc.name,
				customer_name=doc.customer_name,
				country=frappe.get_cached_value("Company", company, "country")
				or frappe.db.get_default("country"),
				flags=frappe._dict(ignore_permissions=True),
				**address_values,
			)
		)
	doc.db_set(
		{
			"customer_primary_address": address.name,
			"primary_address": render_address(address.as_dict(), check_permissions=False),
		}
	)
