"""Test support for the integration layer: the before_tests hook and record factories.

Tests build the records they need through these helpers and never rely on ERPNext's ``_Test`` records.
Factories are get-or-create, so a test site can run the suite again and again.
"""

from datetime import date

import frappe
from frappe.utils import add_days, now_datetime, nowdate

from dms_app.distribution import gst
from dms_app.tests import require_test_site

TEST_COMPANY = "DMS Test Brand"
TEST_ABBR = "DTB"
TEST_HSN = "34011110"  # toilet soap: the test items' HSN code where india_compliance requires one


def before_tests():
	"""Complete ERPNext's setup wizard on an empty site, then make sure dms_app's defaults exist."""
	frappe.clear_cache()
	complete_setup_wizard()
	from dms_app.install import sync

	sync()
	frappe.db.commit()


def complete_setup_wizard():
	"""Run ERPNext's setup wizard non-interactively if the site has no company yet."""
	if not frappe.db.a_row_exists("Company"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		year = now_datetime().year
		setup_complete(
			{
				"currency": "INR",
				"full_name": "DMS Test",
				"company_name": TEST_COMPANY,
				"timezone": "Asia/Kolkata",
				"company_abbr": TEST_ABBR,
				"industry": "Manufacturing",
				"country": "India",
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"language": "english",
				"company_tagline": "Testing",
				"email": "dms-test@example.com",
				"password": "test",
				"chart_of_accounts": "Standard",
			}
		)


def as_user(user: str, fn, *args, **kwargs):
	"""Call ``fn`` as ``user`` (permissions and hooks apply as for that user), then Administrator again."""
	frappe.set_user(user)
	try:
		return fn(*args, **kwargs)
	finally:
		frappe.set_user("Administrator")


def act(user: str, doc, action: str):
	"""Apply a workflow ``action`` to (a fresh copy of) ``doc`` as ``user``, as the desk does."""
	from frappe.model.workflow import apply_workflow

	return as_user(user, apply_workflow, frappe.get_doc(doc.doctype, doc.name), action)


def company() -> str:
	return frappe.db.get_value("Company", TEST_COMPANY) or frappe.defaults.get_global_default("company")


def make_user(email: str, roles: tuple[str, ...] = ()) -> str:
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"user_type": "Website User",
			}
		)
		user.insert(ignore_permissions=True)
	if roles:
		user = frappe.get_doc("User", email)
		user.add_roles(*roles)
	return email


def make_warehouse(name: str, company_name: str | None = None, is_group: int = 0) -> str:
	company_name = company_name or company()
	abbr = frappe.get_cached_value("Company", company_name, "abbr")
	full_name = f"{name} - {abbr}"
	if not frappe.db.exists("Warehouse", full_name):
		frappe.get_doc(
			{"doctype": "Warehouse", "warehouse_name": name, "company": company_name, "is_group": is_group}
		).insert(ignore_permissions=True)
	return full_name


def make_distributor(code: str, **fields):
	if frappe.db.exists("Distributor", code):
		doc = frappe.get_doc("Distributor", code)
		if fields:
			doc.update(fields)
			doc.save(ignore_permissions=True)
		return doc
	return frappe.get_doc(
		{
			"doctype": "Distributor",
			"distributor_code": code,
			"distributor_name": fields.pop("distributor_name", f"Distributor {code}"),
			"company": company(),
			**fields,
		}
	).insert(ignore_permissions=True)


def make_item(item_code: str, price: float | None = None, **fields) -> str:
	"""An item, with a selling price in the DMS default price list when ``price`` is given."""
	if not frappe.db.exists("Item", item_code):
		if gst.applies():  # india_compliance refuses a sales item without its HSN code
			fields.setdefault("gst_hsn_code", TEST_HSN)
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": item_code,
				"item_name": item_code,
				"item_group": fields.pop("item_group", "Products"),
				"stock_uom": fields.pop("stock_uom", "Nos"),
				"is_stock_item": 1,
				**fields,
			}
		).insert(ignore_permissions=True)
	if price is not None:
		price_list = frappe.db.get_single_value("DMS Settings", "default_price_list") or "Standard Selling"
		filters = {"item_code": item_code, "price_list": price_list}
		if existing := frappe.db.get_value("Item Price", filters):
			frappe.db.set_value("Item Price", existing, "price_list_rate", price)
		else:
			frappe.get_doc({"doctype": "Item Price", **filters, "price_list_rate": price}).insert(
				ignore_permissions=True
			)
	return item_code


def ensure_depot() -> str:
	"""DMS Settings with an OEM depot and a default price list, as primary orders need."""
	settings = frappe.get_single("DMS Settings")
	depot = make_warehouse("DMS Test Depot", settings.company)
	if settings.oem_depot_warehouse != depot or not settings.default_price_list:
		settings.oem_depot_warehouse = depot
		settings.default_price_list = settings.default_price_list or "Standard Selling"
		settings.save(ignore_permissions=True)
	return depot


def make_primary_order(distributor, lines: list[tuple[str, float]], **fields):
	"""A draft primary order (Material Request) for ``distributor`` with (item_code, qty) lines.

	Call ensure_depot() first, as Administrator: a portal user creating the depot would get their own
	distributor filled into it (Frappe defaults a link to a user's only User Permission).
	"""
	schedule = add_days(nowdate(), 7)
	return frappe.get_doc(
		{
			"doctype": "Material Request",
			"material_request_type": "Material Transfer",
			"company": distributor.company,
			"distributor": distributor.name,
			"schedule_date": schedule,
			"items": [{"item_code": code, "qty": qty, "schedule_date": schedule} for code, qty in lines],
			**fields,
		}
	).insert()


def receive_stock(
	item_code: str,
	warehouse: str,
	qty: float,
	rate: float = 100,
	posting_date=None,
	batch_no: str | None = None,
) -> str:
	"""A submitted Material Receipt of ``qty`` into ``warehouse`` (dated ``posting_date``, default today),
	into batch ``batch_no`` (made when missing) for an item tracked by batch."""
	batch = {}
	if batch_no:
		if not frappe.db.exists("Batch", batch_no):
			frappe.get_doc({"doctype": "Batch", "batch_id": batch_no, "item": item_code}).insert(
				ignore_permissions=True
			)
		batch = {"use_serial_batch_fields": 1, "batch_no": batch_no}
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": frappe.db.get_value("Warehouse", warehouse, "company"),
			**({"posting_date": posting_date, "set_posting_time": 1} if posting_date else {}),
			"items": [
				{"item_code": item_code, "t_warehouse": warehouse, "qty": qty, "basic_rate": rate, **batch}
			],
		}
	)
	entry.insert(ignore_permissions=True)
	entry.submit()
	return entry.name


def purge_distributor(code: str, items: tuple[str, ...] = ()) -> None:
	"""Remove, and commit the removal of, a distributor that a test had to commit (because other database
	connections had to see it): its sales and stock receipts with their ledger entries, outbox messages,
	uploads, item mappings, retailers, warehouses and own customer, and the given ``items``.

	Transactions are deleted, not cancelled: a cancellation would leave reversing entries, reposts and
	comments behind. ERPNext deletes a deleted transaction's stock, GL and payment ledger entries with it
	when Accounts Settings say so."""
	require_test_site()
	frappe.db.rollback()
	frappe.set_user("Administrator")
	customer = frappe.db.get_value("Distributor", code, "customer")
	warehouses = frappe.get_all("Warehouse", filters={"distributor": code}, pluck="name")
	vouchers = [
		(doctype, name)
		for doctype in ("Sales Invoice", "Delivery Note")
		for name in frappe.get_all(
			doctype, filters={"distributor": code}, pluck="name", order_by="creation desc"
		)
	] + [
		("Stock Entry", name)
		for name in frappe.get_all(
			"Stock Ledger Entry",
			filters={"warehouse": ["in", warehouses or [""]], "voucher_type": "Stock Entry"},
			pluck="voucher_no",
			distinct=True,
		)
	]
	# its account with the OEM: payments, notes and the OEM's invoices on its customer (newest first)
	vouchers += [
		(doctype, name)
		for doctype, field in (
			("Payment Entry", "party"),
			("Payment Request", "party"),
			("Journal Entry Account", "party"),
			("Sales Invoice", "customer"),
		)
		for name in frappe.get_all(
			doctype,
			filters={field: customer or ""},
			pluck="parent" if doctype == "Journal Entry Account" else "name",
			order_by="creation desc",
		)
	]
	vouchers = [("Journal Entry", n) if d == "Journal Entry Account" else (d, n) for d, n in vouchers]
	vouchers = list(dict.fromkeys(vouchers))
	keep = frappe.db.get_single_value("Accounts Settings", "delete_linked_ledger_entries")
	frappe.db.set_single_value("Accounts Settings", "delete_linked_ledger_entries", 1)
	try:
		for doctype, name in vouchers:
			# Frappe deletes a document's Workflow Actions without their child rows
			actions = {"reference_doctype": doctype, "reference_name": name}
			frappe.db.delete(
				"Workflow Action Permitted Role",
				{"parent": ["in", frappe.get_all("Workflow Action", actions, pluck="name") or [""]]},
			)
			frappe.db.set_value(doctype, name, "docstatus", 2, update_modified=False)
			_delete(doctype, name)
	finally:
		frappe.db.set_single_value("Accounts Settings", "delete_linked_ledger_entries", keep)
	frappe.db.delete("Bin", {"warehouse": ["in", warehouses or [""]]})
	# the outbox messages of its documents: left behind, they would stand for a later document that gets
	# the same name (Frappe reuses the last number of a series when that document is deleted) and keep
	# its messages from being written, as they share an idempotency key
	messages = frappe.get_all("DMS Sync Message", filters={"distributor": code}, pluck="name")
	if messages:
		frappe.db.delete(
			"Integration Request",
			{"reference_doctype": "DMS Sync Message", "reference_docname": ["in", messages]},
		)
		frappe.db.delete("DMS Sync Message", {"name": ["in", messages]})
	frappe.db.delete("DMS OEM Document", {"distributor": code})
	frappe.db.delete("Integration Request", {"reference_doctype": "Distributor", "reference_docname": code})
	for doctype in ("DMS Upload", "DMS Item Mapping", "Customer"):
		for name in frappe.get_all(doctype, filters={"distributor": code}, pluck="name"):
			_delete(doctype, name)
	_delete("Distributor", code)
	for name in warehouses:
		_delete("Warehouse", name)
	_delete("Customer", customer)
	for item in items:
		_delete("Item", item)
	frappe.db.commit()


def _delete(doctype: str, name: str | None) -> None:
	if name and frappe.db.exists(doctype, name):
		frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)
		# Frappe's "deleted" feed entry
		frappe.db.delete("Comment", {"comment_type": "Deleted", "subject": f"{doctype} {name}"})


def ensure_outgoing_email_account() -> str:
	"""A default outgoing Email Account, so mail is queued (Frappe does not send it under tests)."""
	name = frappe.db.get_value("Email Account", {"default_outgoing": 1})
	if name:
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "DMS Test Outgoing",
				"email_id": "dms-outgoing@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"smtp_port": 25,
				"no_smtp_authentication": 1,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def token_for(user: str) -> str:
	"""An ``Authorization`` header value for ``user`` with a fresh API secret (saved, not committed)."""
	doc = frappe.get_doc("User", user)
	if not doc.api_key:
		doc.api_key = frappe.generate_hash(length=15)
	secret = frappe.generate_hash(length=15)
	doc.api_secret = secret
	doc.save(ignore_permissions=True)
	return f"token {doc.api_key}:{secret}"


CONTRACT_USER = "dms-contract@dms.test"


def api_contract_user() -> None:
	"""For scripts/api-contract: a user holding the DMS's API roles, with a fresh API key and secret,
	printed as ``key:secret``. Committed, since the contract test calls the site over HTTP."""
	require_test_site()
	make_user(CONTRACT_USER, roles=("DMS Integration", "DMS Manager"))
	user = frappe.get_doc("User", CONTRACT_USER)
	user.api_key = user.api_key or frappe.generate_hash(length=15)
	secret = frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	frappe.db.commit()
	print(f"{user.api_key}:{secret}")


def api_contract_cleanup() -> None:
	"""Remove what the contract test's requests may have created, so the test site stays as it was."""
	require_test_site()
	for doctype in ("Item Price", "Item", "DMS Upload", "Customer", "Sales Invoice"):
		for name in frappe.get_all(
			doctype, filters={"owner": CONTRACT_USER, "docstatus": ["<", 1]}, pluck="name"
		):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.commit()


def make_retailer(name: str, distributor, **fields) -> str:
	"""A retailer (Customer served by ``distributor``), get-or-create by name and distributor."""
	if existing := frappe.db.get_value("Customer", {"customer_name": name, "distributor": distributor.name}):
		return existing
	return (
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_type": "Company",
				"distributor": distributor.name,
				**fields,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_secondary_sale(distributor, retailer: str, lines: list[tuple[str, float]], **fields) -> str:
	"""A submitted Sales Invoice of ``distributor`` to ``retailer`` from its warehouse, priced from the
	price list, with (item_code, qty) lines."""
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": distributor.company,
			"customer": retailer,
			"distributor": distributor.name,
			"items": [
				{"item_code": code, "qty": qty, "warehouse": distributor.warehouse} for code, qty in lines
			],
			**fields,
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc.name


def approve_order(order, approver: str):
	"""Move a submitted-for-approval primary order to Approved: each level as its named approver (or
	``approver``, who should hold every approver role and DMS Manager), then OEM confirmation."""
	from dms_app.core.primary_order import APPROVED, OEM_CONFIRMATION, PENDING_STATES

	for _step in range(len(PENDING_STATES) + 2):
		order = frappe.get_doc("Material Request", order.name)
		if order.workflow_state == APPROVED:
			break
		if order.workflow_state == OEM_CONFIRMATION:
			act(approver, order, "Confirm")
		else:
			act(order.dms_approver or approver, order, "Approve")
	return frappe.get_doc("Material Request", order.name)


def make_portal_dataset(prefix: str) -> frappe._dict:
	"""Two distributors, A and B, each with a portal user, stock, a retailer, a sale and orders, for the
	distributor portal's tests (dms_app.portal.test_portal) and its browser smoke test.

	A holds ``{prefix}-SOAP`` (10 received 40 days ago, or on 1 January if that is later, then 5 today,
	then 4 more through an order that was approved, dispatched and received) and a batch of
	``{prefix}-TEA`` that expires in 20 days; it sold 3 SOAP this month, has a draft order waiting and
	25 of scheme earnings. B holds ``{prefix}-OIL`` only, sold 2, has one draft order and 999 of scheme
	earnings. Names are get-or-create, but the stock movements are not: call it once per transaction."""
	from frappe.utils import getdate

	from dms_app.api.primary_orders import confirm_receipt
	from dms_app.primary_sales.dispatch import transit_warehouse

	today = getdate(nowdate())
	old = max(getdate(add_days(today, -40)), today.replace(month=1, day=1))
	depot = ensure_depot()
	approver = make_user(
		f"{prefix.lower()}-approver@dms.test",
		roles=("Area Sales Manager", "Regional Sales Manager", "DMS Manager"),
	)
	soap = make_item(f"{prefix}-SOAP", price=100, item_name=f"{prefix} Neem Soap")
	tea = make_item(
		f"{prefix}-TEA",
		price=50,
		item_name=f"{prefix} Assam Tea",
		has_batch_no=1,
		create_new_batch=1,
		batch_number_series=f"{prefix}-B-.#####",
		has_expiry_date=1,
		shelf_life_in_days=20,
	)
	oil = make_item(f"{prefix}-OIL", price=200, item_name=f"{prefix} Mustard Oil")
	data = frappe._dict(prefix=prefix, approver=approver, item_codes=(soap, tea, oil), today=today, old=old)
	# Every warehouse first (the transit one too): outside tests ERPNext keeps the warehouse accounts of
	# a request in frappe.flags from its first stock posting on, and would miss later warehouses.
	dists = {}
	for key in ("a", "b"):
		user = make_user(f"{prefix.lower()}-{key}@dms.test")
		dist = make_distributor(f"{prefix}-{key.upper()}", portal_users=[{"user": user}])
		transit_warehouse(dist.name)
		dists[key] = (user, dist, make_retailer(f"{prefix} {key.upper()} Corner Store", dist))
	receive_stock(soap, depot, 100, rate=60)

	for key, (user, dist, retailer) in dists.items():
		if key == "a":
			receive_stock(soap, dist.warehouse, 10, rate=60, posting_date=old)
			receive_stock(soap, dist.warehouse, 5, rate=60)
			receive_stock(tea, dist.warehouse, 8, rate=30)
			make_secondary_sale(dist, retailer, [(soap, 3)])
			order = as_user(user, make_primary_order, dist, [(soap, 4)])
			act(user, order, "Submit for Approval")
			order = approve_order(order, approver)
			dispatch = frappe.get_all(
				"Stock Entry Detail",
				filters={"material_request": order.name, "parenttype": "Stock Entry"},
				pluck="parent",
			)[0]
			act(approver, frappe.get_doc("Stock Entry", dispatch), "Dispatch")
			as_user(user, confirm_receipt, dispatch)
			data.a_approved = order.name
			data.a_dispatch = dispatch
			lines, earnings = [(soap, 2)], 25
		else:
			receive_stock(oil, dist.warehouse, 7, rate=150)
			make_secondary_sale(dist, retailer, [(oil, 2)])
			lines, earnings = [(oil, 1)], 999
		data[f"{key}_draft"] = as_user(user, make_primary_order, dist, lines).name
		frappe.get_doc(
			{
				"doctype": "DMS Scheme Ledger Entry",
				"company": dist.company,
				"distributor": dist.name,
				"posting_date": today,
				"value": earnings,
			}
		).insert(ignore_permissions=True)
		data[key] = frappe.get_doc("Distributor", dist.name)
		data[f"{key}_user"] = user
	return data


def ensure_fiscal_year(year: int) -> None:
	"""A fiscal year covering ``year`` for the test company (tests with fixed dates need one).

	ERPNext keeps each company's fiscal years in Redis ("fiscal_years") and does not forget them when
	one is added, nor when a test's rollback takes one away: the kept list is dropped here either way."""
	frappe.cache.delete_value("fiscal_years")
	if frappe.db.get_value(
		"Fiscal Year",
		{"year_start_date": ["<=", date(year, 6, 30)], "year_end_date": [">=", date(year, 6, 30)]},
	):
		return
	fy = frappe.get_doc(
		{
			"doctype": "Fiscal Year",
			"year": f"CA {year}",
			"year_start_date": date(year, 1, 1),
			"year_end_date": date(year, 12, 31),
		}
	)
	fy.append("companies", {"company": company()})
	fy.insert(ignore_permissions=True)
	frappe.cache.delete_value("fiscal_years")


def make_tree_node(doctype: str, name: str, parent: str, is_group: int = 0, **fields) -> str:
	"""A Territory, Item Group, Customer Group ... named ``name`` under ``parent``."""
	if not frappe.db.exists(doctype, name):
		field = frappe.scrub(doctype)
		frappe.get_doc(
			{
				"doctype": doctype,
				f"{field}_name": name,
				f"parent_{field}": parent,
				"is_group": is_group,
				**fields,
			}
		).insert(ignore_permissions=True)
	return name


def sale_on(distributor, retailer: str, lines, posting_date, **fields):
	"""A submitted Sales Invoice of ``distributor`` dated ``posting_date``, with (item_code, qty, rate) lines
	(a negative qty with is_return=1 and return_against makes a credit note)."""
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": distributor.company,
			"customer": retailer,
			"distributor": distributor.name,
			"posting_date": posting_date,
			"set_posting_time": 1,
			"due_date": posting_date,
			"items": [
				{"item_code": code, "qty": qty, "rate": rate, "warehouse": distributor.warehouse}
				for code, qty, rate in lines
			],
			**fields,
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc


def transfer_on(distributor, source: str, lines: list[tuple[str, float]], posting_date):
	"""A submitted Material Transfer of (item_code, qty) lines from ``source`` into ``distributor``'s
	warehouse, dated ``posting_date`` (what a received primary order posts, without the order)."""
	doc = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Transfer",
			"company": distributor.company,
			"distributor": distributor.name,
			"posting_date": posting_date,
			"set_posting_time": 1,
			"items": [
				{"item_code": code, "s_warehouse": source, "t_warehouse": distributor.warehouse, "qty": qty}
				for code, qty in lines
			],
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc


def make_territory_manager(email: str, territory: str | None = None) -> str:
	"""A Regional Sales Manager, made the Territory Manager of ``territory`` through ERPNext's own chain:
	Territory.territory_manager -> Sales Person.employee -> Employee.user_id."""
	user = make_user(email)
	doc = frappe.get_doc("User", user)
	doc.user_type = "System User"  # a desk user (Frappe's Desk User role shows workspaces' cards)
	doc.add_roles("Regional Sales Manager")
	if territory:
		employee = frappe.get_doc(
			{
				"doctype": "Employee",
				"first_name": email.split("@")[0],
				"gender": frappe.db.get_value("Gender", {}) or "Male",
				"date_of_birth": "1990-01-01",
				"date_of_joining": "2020-01-01",
				"company": company(),
				"user_id": user,
			}
		).insert(ignore_permissions=True)
		person = frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": f"{email} person",
				"parent_sales_person": frappe.db.get_value("Sales Person", {"is_group": 1}),
				"employee": employee.name,
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Territory", territory, "territory_manager", person.name)
	return user
