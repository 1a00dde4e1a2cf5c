"""POS at a distributor's counter: ERPNext's Point of Sale selling from the distributor's stock, as its
secondary sales.

* :func:`make_pos_profile` makes the counter's POS Profile ("<distributor> Counter"): the distributor's
  company, warehouse and price list, its walk-in customer, Cash, and ``distributor`` set on the profile.
* A POS Invoice of such a profile takes the profile's distributor and is checked as the distributor's sale
  is (dms_app.secondary_sales.invoices: its own warehouses, its retailers or its walk-in customer), priced
  by the DMS schemes as the cart is billed (dms_app.schemes.engine.apply_to_sale), and refused when the
  distributor's stock, less what the counter's other open POS Invoices hold, does not cover it.
* At closing ERPNext merges the counter's POS Invoices into a Sales Invoice per customer (``is_consolidated``):
  it carries the distributor (mapped from the POS Invoice), keeps the rates as billed and the POS Invoices'
  scheme benefits (dms_app.schemes.engine.keep_billed), and on submit moves the stock out of the
  distributor's warehouse, writes the scheme ledger and tells the outbox, like any secondary sale.
"""

import frappe
from frappe import _
from frappe.utils import flt

from dms_app.distribution.settings import get_settings
from dms_app.distribution.stock import require_stock
from dms_app.permissions import require_role
from dms_app.secondary_sales import invoices

CASH = "Cash"


def profile_name(distributor: str) -> str:
	return f"{distributor} Counter"


def walk_in_customer(distributor) -> str:
	"""The distributor's walk-in Customer ("<distributor> Walk-in", served by it), made once."""
	name = f"{distributor.name} Walk-in"
	if existing := frappe.db.get_value("Customer", {"customer_name": name, "distributor": distributor.name}):
		return existing
	settings = get_settings()
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name,
			"customer_type": "Individual",
			"distributor": distributor.name,
			"territory": distributor.territory or None,
			"customer_group": settings.get("retailer_customer_group") or None,
		}
	)
	customer.insert(ignore_permissions=True)
	return customer.name


def cash_mode_of_payment(company: str) -> str:
	"""Mode of Payment "Cash" with the company's cash account (what a POS Profile's payments need)."""
	if not frappe.db.exists("Mode of Payment", CASH):
		frappe.get_doc({"doctype": "Mode of Payment", "mode_of_payment": CASH, "type": "Cash"}).insert(
			ignore_permissions=True
		)
	if not frappe.db.get_value(
		"Mode of Payment Account", {"parent": CASH, "company": company}, "default_account"
	):
		account = frappe.get_cached_value("Company", company, "default_cash_account") or frappe.db.get_value(
			"Account", {"company": company, "account_type": "Cash", "is_group": 0}
		)
		if not account:
			frappe.throw(
				_("Company {0} has no cash account: set its Default Cash Account.").format(company),
				title=_("Missing Cash Account"),
			)
		mode = frappe.get_doc("Mode of Payment", CASH)
		mode.set("accounts", [row for row in mode.accounts if row.company != company])
		mode.append("accounts", {"company": company, "default_account": account})
		mode.save(ignore_permissions=True)
	return CASH


def _users(users) -> list[str]:
	if users in (None, ""):
		return []
	if isinstance(users, str):
		users = frappe.parse_json(users) if users.lstrip().startswith("[") else [users]
	if not isinstance(users, list) or not all(isinstance(user, str) and user for user in users):
		frappe.throw(_("Users must be a list of user IDs."), title=_("Invalid Users"))
	missing = sorted(set(users) - set(frappe.get_all("User", {"name": ["in", users]}, pluck="name")))
	if missing:
		frappe.throw(_("No such user: {0}.").format(", ".join(missing)), title=_("Invalid Users"))
	return list(dict.fromkeys(users))


def _add_users(profile, users: list[str]) -> bool:
	have = {row.user for row in profile.applicable_for_users}
	added = False
	for user in users:
		if user in have:
			continue
		# a user's default profile per company is ERPNext's rule: keep one they already have
		has_default = frappe.db.sql(
			"""select pf.name from `tabPOS Profile User` pfu, `tabPOS Profile` pf
			where pf.name = pfu.parent and pfu.user = %s and pf.name != %s and pf.company = %s
				and pfu.default = 1 and pf.disabled = 0""",
			(user, profile.name, profile.company),
		)
		profile.append("applicable_for_users", {"user": user, "default": 0 if has_default else 1})
		added = True
	return added


@frappe.whitelist(methods=["POST"])
def make_pos_profile(distributor: str | None = None, users: list | str | None = None) -> str:
	"""The POS Profile of ``distributor``'s counter, made or (with ``users`` added) returned."""
	require_role("DMS Manager", "System Manager")
	if not isinstance(distributor, str) or not distributor.strip():
		frappe.throw(_("Give the distributor whose counter this is."), title=_("Missing Distributor"))
	if not frappe.db.exists("Distributor", distributor):
		frappe.throw(
			_("Distributor {0} does not exist.").format(frappe.bold(distributor)),
			frappe.DoesNotExistError,
			title=_("Not Found"),
		)
	users = _users(users)
	dist = frappe.get_doc("Distributor", distributor)
	name = profile_name(dist.name)
	if frappe.db.exists("POS Profile", name):
		profile = frappe.get_doc("POS Profile", name)
		changed = _add_users(profile, users)
		if profile.get("distributor") != dist.name:
			profile.distributor = dist.name
			changed = True
		if changed:
			profile.save(ignore_permissions=True)
		return profile.name
	if dist.status == "Inactive":
		frappe.throw(_("Distributor {0} is inactive.").format(dist.name), title=_("Distributor Inactive"))
	if not dist.warehouse:
		frappe.throw(_("Distributor {0} has no warehouse.").format(dist.name), title=_("Missing Warehouse"))
	company = frappe.get_cached_doc("Company", dist.company)
	cost_center = company.cost_center or frappe.db.get_value(
		"Cost Center", {"company": company.name, "is_group": 0}
	)
	write_off_account = company.write_off_account or company.round_off_account
	if not (cost_center and write_off_account):
		frappe.throw(
			_("Company {0} needs a default Cost Center and a Write Off Account for a POS Profile.").format(
				company.name
			),
			title=_("Missing Company Defaults"),
		)
	profile = frappe.get_doc(
		{
			"doctype": "POS Profile",
			"__newname": name,
			"company": company.name,
			"distributor": dist.name,
			"currency": company.default_currency,
			"warehouse": dist.warehouse,
			"selling_price_list": dist.default_price_list or get_settings().get("default_price_list"),
			"customer": walk_in_customer(dist),
			"cost_center": cost_center,
			"write_off_account": write_off_account,
			"write_off_cost_center": cost_center,
			"write_off_limit": 1,
			"account_for_change_amount": company.default_cash_account,
			"ignore_pricing_rule": 1,  # the DMS schemes are a distributor's pricing (dms_app.schemes.engine)
			"payments": [{"mode_of_payment": cash_mode_of_payment(company.name), "default": 1}],
		}
	)
	profile.name = name
	_add_users(profile, users)
	profile.insert(ignore_permissions=True)
	return profile.name


# -- POS Invoice hooks ----------------------------------------------------------------------------


def set_distributor(doc, method=None):
	"""before_insert / before_validate: a POS Invoice's distributor is its profile's."""
	doc.distributor = (
		frappe.db.get_value("POS Profile", doc.pos_profile, "distributor") if doc.get("pos_profile") else None
	)


def validate(doc, method=None):
	"""The checks of a distributor's sale, and the DMS schemes on the cart (dms_secondary_sale_validate)."""
	if doc.get("distributor"):
		invoices.validate(doc)


def before_submit(doc, method=None):
	"""Never into negative stock: the distributor's stock must cover this invoice and what the counter's
	other open (submitted, not yet consolidated) POS Invoices hold of it."""
	if not doc.get("distributor") or doc.get("is_return"):
		return
	from erpnext.accounts.doctype.pos_invoice.pos_invoice import get_pos_reserved_qty

	needs = []
	for row in doc.items:
		if not row.item_code or not row.warehouse:
			continue
		qty = flt(row.stock_qty) or flt(row.qty)
		needs.append((row.item_code, row.warehouse, qty))
	held = {
		(item_code, warehouse): flt(get_pos_reserved_qty(item_code, warehouse))
		for item_code, warehouse, _qty in needs
	}
	require_stock(
		needs + [(i, w, qty) for (i, w), qty in held.items() if qty],
		_("POS invoice with the counter's open sales"),
	)
