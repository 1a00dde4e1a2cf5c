"""Post secondary-sales batches (see dms_app.core.secondary_sales for reading them).

Each invoice is all-or-nothing (a savepoint around it) and gets one result: created (with the Sales
Invoice), duplicate (the distributor already sent that external reference: the existing invoice is
returned, nothing is made) or rejected (with row-level errors). Retailers, item mappings and known
references are read once per batch, not per invoice; the masters ERPNext reads again for every invoice
are answered from a transaction-scoped cache (dms_app.secondary_sales.read_cache).
"""

import json
import random
import time

import frappe
from erpnext.accounts.doctype.accounting_period.accounting_period import ClosedAccountingPeriod
from erpnext.accounts.utils import FiscalYearError
from erpnext.controllers.accounts_controller import get_taxes_and_charges
from frappe import _
from frappe.utils import cint, flt

from dms_app.core import reconcile, retailers
from dms_app.core.secondary_sales import InvoiceIn, Retailer, RowError, hsn_agrees, match_retailer
from dms_app.distribution import gst
from dms_app.distribution.locks import named_lock
from dms_app.retail.links import ensure_link
from dms_app.secondary_sales.read_cache import reuse_reads

SYNC_LIMIT = 50  # larger batches run as a background job
# A background upload commits (and reports progress) every few invoices. A commit lets go of the locks
# the invoices took in ERPNext's shared tables (the ends of the invoice-item and stock-ledger indexes,
# gap locks under REPEATABLE READ), which other workers' invoices wait for; committing after every
# invoice would also empty the read cache every time. Measured with two workers (benchmarks/
# channel_burst.py): every 25, 1.2x one worker; every 5, 1.7x; every 1, 2.0x but each worker 25 % slower.
PROGRESS_EVERY = 5
DEADLOCK_ATTEMPTS = 3  # tries in all for a batch that MariaDB chose as a deadlock victim

# ERPNext errors about one field of the invoice as a whole, reported against that field
ERROR_FIELDS = ((ClosedAccountingPeriod, "posting_date"), (FiscalYearError, "posting_date"))


class BatchContext:
	"""What a batch needs to know about the distributor, read in bulk."""

	def __init__(self, distributor: str, invoices: list[InvoiceIn]):
		self.distributor = frappe.get_cached_doc("Distributor", distributor)
		refs = [i.external_ref for i in invoices] + [i.return_against for i in invoices if i.return_against]
		self.existing = dict(
			frappe.get_all(
				"Sales Invoice",
				filters={"distributor": distributor, "dms_external_ref": ["in", refs or [""]]},
				fields=["dms_external_ref", "name"],
				as_list=True,
			)
		)
		self.retailers = self._retailers(invoices)
		self.items = self._items(invoices)
		self.price_list = self.distributor.default_price_list or frappe.db.get_single_value(
			"DMS Settings", "default_price_list"
		)
		self.godowns = {
			reconcile.fold_name(godown): warehouse
			for godown, warehouse in frappe.get_all(
				"DMS Godown Mapping",
				filters={"distributor": distributor},
				fields=["godown", "warehouse"],
				as_list=True,
			)
		}
		batched = [self.items[line.item_code] for i in invoices for line in i.lines if line.batch]
		self.batch_items = set(
			frappe.get_all(
				"Item", filters={"name": ["in", [i for i in batched if i]], "has_batch_no": 1}, pluck="name"
			)
			if any(batched)
			else ()
		)
		# the items' HSN codes, where the site keeps them (india_compliance's Item.gst_hsn_code)
		with_hsn = [self.items[line.item_code] for i in invoices for line in i.lines if line.hsn]
		self.hsn = (
			dict(
				frappe.get_all(
					"Item",
					filters={"name": ["in", [i for i in with_hsn if i]]},
					fields=["name", "gst_hsn_code"],
					as_list=True,
				)
			)
			if any(with_hsn) and frappe.get_meta("Item").has_field("gst_hsn_code")
			else {}
		)
		self.rules = ledger_rules(distributor) if any(i.ledgers for i in invoices) else {}
		self.templates = _tax_templates(self.distributor.company) if self.rules else {}
		self.template_rows: dict[str, list[dict]] = {}
		self.reject_differences = (
			frappe.db.get_single_value("DMS Settings", "books_mismatch") or "Reject"
		) == "Reject"

	def _retailers(self, invoices) -> list[Retailer]:
		"""The retailers this distributor serves (its own, and those linked to it with its own codes for
		them), and those another distributor serves that share the batch's tax ids or mobile numbers."""
		me = self.distributor.name
		fields = ["name", "distributor", "customer_name", "retailer_code", "tax_id", "mobile_no"]
		rows = frappe.get_all("Customer", filters={"distributor": me}, fields=fields)
		known = [Retailer(r.name, me, r.customer_name, r.retailer_code, r.tax_id, r.mobile_no) for r in rows]
		links = frappe.get_all(
			"DMS Retailer Link",
			filters={"distributor": me, "active": 1},
			fields=["customer", "retailer_code"],
		)
		if links:
			code_of = {link.customer: link.retailer_code for link in links}
			for r in frappe.get_all("Customer", filters={"name": ["in", list(code_of)]}, fields=fields):
				known.append(Retailer(r.name, me, r.customer_name, code_of[r.name], r.tax_id, r.mobile_no))
		mine = {r.name for r in known}
		tax_ids = {i.retailer.tax_id for i in invoices if i.retailer.tax_id}
		mobiles = {i.retailer.mobile for i in invoices if i.retailer.mobile}
		for field, values in (("tax_id", tax_ids), ("mobile_no", mobiles)):
			if values:
				known += [
					Retailer(r.name, r.distributor, r.customer_name, r.retailer_code, r.tax_id, r.mobile_no)
					for r in frappe.get_all("Customer", filters={field: ["in", list(values)]}, fields=fields)
					if r.name not in mine
				]
		return known

	def _items(self, invoices) -> dict[str, str | None]:
		return resolve_items(self.distributor.name, {line.item_code for i in invoices for line in i.lines})

	def warehouse_for(self, godown: str | None) -> str:
		"""The distributor's warehouse for a godown of its books: by its DMS Godown Mapping; a distributor
		that maps none has one warehouse for every godown."""
		return self.godowns.get(reconcile.fold_name(godown or ""), self.distributor.warehouse)

	def batch_fields(self, line) -> dict:
		"""The books' batch on a row of an item tracked by batch (ERPNext makes the row's bundle from it);
		nothing for other items, whose batches in Tally are only labels."""
		if line.batch and self.items.get(line.item_code) in self.batch_items:
			return {"use_serial_batch_fields": 1, "batch_no": line.batch}
		return {}

	def taxes_for(self, template: str | None, plan: reconcile.LedgerPlan, sign: int) -> list[dict]:
		"""The invoice's tax rows: the template's (ERPNext computes them at its rates) and each charge
		of the books as an actual amount."""
		rows = []
		if template:
			if template not in self.template_rows:
				self.template_rows[template] = get_taxes_and_charges(
					"Sales Taxes and Charges Template", template
				)
			rows += [dict(row) for row in self.template_rows[template]]
		for charge in plan.charges:
			rows.append(
				{
					"charge_type": "Actual",
					"account_head": charge.account,
					"description": charge.ledger,
					"tax_amount": sign * float(charge.amount),
					"cost_center": self.cost_center,
				}
			)
		return rows

	@property
	def cost_center(self) -> str | None:
		return frappe.get_cached_value("Company", self.distributor.company, "cost_center")

	def retailer_for(self, invoice: InvoiceIn) -> str:
		status, value = match_retailer(invoice.retailer, self.distributor.name, self.retailers)
		if status == "match":
			return value
		if status == "link":  # a retailer another distributor serves: this one serves it too
			ensure_link(self.distributor.name, value, invoice.retailer.code)
			self.retailers = [r for r in self.retailers if r.name != value] + [
				Retailer(
					value,
					self.distributor.name,
					invoice.retailer.name or "",
					invoice.retailer.code,
					invoice.retailer.tax_id,
					invoice.retailer.mobile,
				)
			]
			return value
		if status == "error":
			raise RowRejected([RowError(invoice.external_ref, None, "retailer", value)])
		customer = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": invoice.retailer.name,
				"customer_type": "Company",
				"customer_group": frappe.db.get_single_value("DMS Settings", "retailer_customer_group"),
				"territory": self.distributor.territory,
				"distributor": self.distributor.name,
				"retailer_code": invoice.retailer.code,
				"tax_id": invoice.retailer.tax_id,
				"mobile_no": invoice.retailer.mobile,
			}
		).insert()
		self.retailers.append(
			Retailer(
				customer.name,
				self.distributor.name,
				customer.customer_name,
				invoice.retailer.code,
				invoice.retailer.tax_id,
				invoice.retailer.mobile,
			)
		)
		return customer.name


class RowRejected(Exception):
	def __init__(self, errors: list[RowError]):
		super().__init__(errors)
		self.errors = errors


def resolve_items(distributor: str, wanted: set[str]) -> dict[str, str | None]:
	"""The distributor's item codes/names -> our Item (None: unknown or disabled): its DMS Item Mapping,
	else an item of that code, else of that name."""
	resolved = dict(
		frappe.get_all(
			"DMS Item Mapping",
			filters={"distributor": distributor, "external_item": ["in", list(wanted) or [""]]},
			fields=["external_item", "item_code"],
			as_list=True,
		)
	)
	enabled = {"disabled": 0, "is_sales_item": 1}
	for field in ("name", "item_name"):
		rest = [code for code in wanted if code not in resolved]
		if rest:
			for row in frappe.get_all(
				"Item", filters={field: ["in", rest], **enabled}, fields=["name", field]
			):
				resolved.setdefault(row[field], row.name)
	return {code: resolved.get(code) for code in wanted}


class ItemUnits:
	"""Tally item name -> (the item's stock unit, {unit: how many stock units it holds}) from the item's
	UOM conversions, for dms_app.core.tally.to_record; read once per item as a file is read."""

	def __init__(self, distributor: str | None):
		self.distributor = distributor
		self.known: dict[str, tuple[str, dict[str, float]] | None] = {}

	def get(self, name: str, default=None):
		if name not in self.known:
			item = resolve_items(self.distributor, {name}).get(name) if self.distributor else None
			if item:
				factors = dict(
					frappe.get_all(
						"UOM Conversion Detail",
						filters={"parent": item, "parenttype": "Item"},
						fields=["uom", "conversion_factor"],
						as_list=True,
					)
				)
				self.known[name] = (frappe.db.get_value("Item", item, "stock_uom"), factors)
			else:
				self.known[name] = None
		return self.known[name] or default


def ledger_rules(distributor: str) -> dict[str, reconcile.LedgerRule]:
	"""The ledger mapping a distributor's uploads are read by: the rows for every distributor (the
	OEM's), then the distributor's own, which win."""
	rows = frappe.get_all(
		"DMS Tally Ledger",
		or_filters=[["distributor", "=", distributor], ["distributor", "is", "not set"]],
		fields=["distributor", "tally_ledger", "ledger_type", "tax_head", "account"],
		order_by="name asc",
	)
	rows.sort(key=lambda row: bool(row.distributor))
	return reconcile.rules_by_ledger(
		(row.tally_ledger, reconcile.LedgerRule(row.ledger_type, row.tax_head, row.account)) for row in rows
	)


def _tax_templates(company: str) -> dict[str, list[str]]:
	"""The company's enabled sales tax templates, each with the accounts of its rows."""
	template, row = (
		frappe.qb.DocType("Sales Taxes and Charges Template"),
		frappe.qb.DocType("Sales Taxes and Charges"),
	)
	accounts: dict[str, list[str]] = {}
	for name, account in (
		frappe.qb.from_(row)
		.join(template)
		.on(template.name == row.parent)
		.select(template.name, row.account_head)
		.where(
			(row.parenttype == "Sales Taxes and Charges Template")
			& (template.company == company)
			& (template.disabled == 0)
		)
		.run()
	):
		accounts.setdefault(name, []).append(account)
	return accounts


def ingest(
	distributor: str,
	invoices: list[InvoiceIn],
	upload: str | None = None,
	on_progress=None,
	results: list[dict] | None = None,
) -> list[dict]:
	"""Post ``invoices`` for ``distributor``; one result dict per invoice, in batch order (appended to
	``results`` as they come, when given)."""
	results = [] if results is None else results
	with reuse_reads():
		context = BatchContext(distributor, invoices)
		for done, invoice in enumerate(invoices, start=1):
			results.append(_ingest_one(context, invoice, upload))
			if on_progress and (done % PROGRESS_EVERY == 0 or done == len(invoices)):
				on_progress(done, len(invoices))
	return results


def _ingest_one(context: BatchContext, invoice: InvoiceIn, upload: str | None) -> dict:
	ref = invoice.external_ref
	if ref in context.existing:
		return {"external_ref": ref, "status": "duplicate", "sales_invoice": context.existing[ref]}
	frappe.db.savepoint("dms_invoice")
	known_retailers = len(context.retailers)

	def undo():
		frappe.db.rollback(save_point="dms_invoice")
		del context.retailers[known_retailers:]  # a retailer made for this invoice is undone with it

	books = None
	try:
		doc, books = _build(context, invoice, upload)
		# Insert as submitted: one pass of Frappe's submit (validate, before_submit, on_update, on_submit,
		# with the submit permission checked) instead of a draft insert whose validation submit() repeats.
		doc.docstatus = 1
		doc.insert()
		differences = _differences(context, doc, books)
		if differences and context.reject_differences:
			raise RowRejected(
				[RowError(ref, None, "books", difference.message) for difference in differences]
			)
		if differences:
			doc.db_set("dms_books_difference", "\n".join(d.message for d in differences))
	except frappe.QueryDeadlockError:
		raise  # MariaDB rolled back the whole transaction (and the savepoint): the caller retries it
	except RowRejected as e:
		undo()
		result = {"external_ref": ref, "status": "rejected", "errors": [x.as_dict() for x in e.errors]}
		return {**result, **_figures(invoice, books)}
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError) as e:
		undo()
		frappe.clear_messages()
		# Another upload of this reference got there first and the unique index on (distributor, reference)
		# refused this one. Its invoice is committed but may be newer than this transaction's snapshot:
		# only a locking read is sure to see it.
		existing = frappe.db.get_value(
			"Sales Invoice",
			{"distributor": context.distributor.name, "dms_external_ref": ref},
			for_update=True,
		)
		if existing:
			return {"external_ref": ref, "status": "duplicate", "sales_invoice": existing}
		# something else this invoice makes, e.g. a new retailer that another upload created at the same time
		what = " ".join(arg for arg in e.args[:2] if isinstance(arg, str)) or _("A record")
		message = _("{0} was created by another upload at the same time; post this invoice again.")
		return _rejected(ref, "invoice", message.format(what))
	except Exception as e:
		undo()
		frappe.clear_messages()
		if not isinstance(e, frappe.ValidationError | frappe.PermissionError):
			raise
		field = next((field for error, field in ERROR_FIELDS if isinstance(e, error)), "invoice")
		return {
			**_rejected(ref, field, frappe.utils.strip_html(str(e) or e.__class__.__name__)),
			**_figures(invoice, books),
		}
	frappe.db.release_savepoint("dms_invoice")
	context.existing[ref] = doc.name
	result = {"external_ref": ref, "status": "created", "sales_invoice": doc.name}
	if flt(doc.get("dms_unexplained_discount")):
		result["unexplained_discount"] = flt(doc.dms_unexplained_discount)
	if differences:
		result["differences"] = [d.as_dict() for d in differences]
	return {**result, **_figures(invoice, books, doc)}


def _sign(invoice: InvoiceIn) -> int:
	return -1 if invoice.is_return else 1


def _figures(invoice: InvoiceIn, books, doc=None) -> dict:
	"""The invoice's total in the books and as posted, returns negative, for the upload's totals."""
	figures = {}
	if invoice.total is not None:
		figures["books_total"] = _sign(invoice) * invoice.total
	if doc is not None:
		figures["dms_total"] = flt(doc.rounded_total or doc.grand_total)
	return figures


def _posted(doc, heads: dict[str, str]) -> reconcile.PostedTotals:
	"""A submitted invoice's figures, positive for a return as for a sale (see reconcile.PostedTotals)."""
	sign = -1 if doc.is_return else 1
	taxes: dict[str, float] = {}
	charges: dict[str, float] = {}
	for row in doc.taxes:
		amount = sign * flt(row.tax_amount_after_discount_amount)
		if row.charge_type == "Actual" and row.account_head not in heads:
			charges[row.description] = charges.get(row.description, 0) + amount
		else:
			head = heads.get(row.account_head, row.account_head)
			taxes[head] = taxes.get(head, 0) + amount
	return reconcile.PostedTotals(
		lines=tuple(sign * flt(row.amount) for row in doc.items),
		taxes=taxes,
		discount=sign * flt(doc.discount_amount),
		round_off=sign * flt(doc.rounding_adjustment),
		total=sign * flt(doc.rounded_total or doc.grand_total),
		charges=charges,
	)


def _differences(context: BatchContext, doc, books) -> list[reconcile.Difference]:
	"""Where the posted invoice differs from the distributor's books by more than a rupee; nothing to
	compare when the upload gave no total from the books."""
	if books is None:
		return []
	return reconcile.reconcile(books, _posted(doc, reconcile.heads_by_account(context.rules)))


def _rejected(ref: str, field: str, message: str) -> dict:
	return {
		"external_ref": ref,
		"status": "rejected",
		"errors": [RowError(ref, None, field, message).as_dict()],
	}


def _build(context: BatchContext, invoice: InvoiceIn, upload: str | None):
	errors = [
		RowError(
			invoice.external_ref,
			number,
			"item_code",
			f"unknown or disabled item {line.item_code}; map it in DMS Item Mapping",
		)
		for number, line in enumerate(invoice.lines, start=1)
		if not context.items.get(line.item_code)
	]
	return_against = None
	if invoice.is_return:
		return_against = context.existing.get(invoice.return_against or "")
		if not return_against:
			errors.append(
				RowError(
					invoice.external_ref,
					None,
					"return_against",
					f"no invoice with reference {invoice.return_against or '(none)'} from this distributor",
				)
			)
	errors += [
		RowError(
			invoice.external_ref,
			number,
			"godown",
			f"godown {line.godown} is not mapped to a warehouse of {context.distributor.name}; map it in "
			"DMS Godown Mapping",
		)
		for number, line in enumerate(invoice.lines, start=1)
		if line.godown and context.godowns and reconcile.fold_name(line.godown) not in context.godowns
	]
	for number, line in enumerate(invoice.lines, start=1):
		ours = context.hsn.get(context.items.get(line.item_code))
		if line.hsn and ours and not hsn_agrees(line.hsn, ours):
			errors.append(
				RowError(
					invoice.external_ref,
					number,
					"hsn",
					f"the books give HSN {line.hsn}, item {context.items[line.item_code]} has {ours}",
				)
			)
	plan = reconcile.plan_ledgers(((e.ledger, e.amount) for e in invoice.ledgers), context.rules)
	errors += [RowError(invoice.external_ref, None, "ledgers", problem) for problem in plan.problems]
	template = reconcile.pick_template(plan.tax_accounts, context.templates)
	if plan.tax_accounts and not template:
		errors.append(
			RowError(
				invoice.external_ref,
				None,
				"taxes",
				f"no enabled Sales Taxes and Charges Template of {context.distributor.company} has exactly the "
				f"accounts {', '.join(sorted(plan.tax_accounts))} that the ledgers {', '.join(plan.tax_ledgers)} map to",
			)
		)
	if errors:
		raise RowRejected(errors)
	customer = context.retailer_for(invoice)
	sign = _sign(invoice)
	books = (
		plan.books([line.amount for line in invoice.lines], invoice.total)
		if invoice.total is not None
		else None
	)
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": context.distributor.company,
			"customer": customer,
			"posting_date": invoice.posting_date,
			"set_posting_time": 1,
			"update_stock": 1,
			"distributor": context.distributor.name,
			"dms_external_ref": invoice.external_ref,
			"dms_upload": upload,
			"set_warehouse": context.distributor.warehouse,
			"selling_price_list": context.price_list,
			"is_return": cint(invoice.is_return),
			**_place_of_supply(invoice.place_of_supply),
			"return_against": return_against,
			"items": [
				{
					"item_code": context.items[line.item_code],
					"qty": sign * flt(line.qty),
					"warehouse": context.warehouse_for(line.godown),
					**context.batch_fields(line),
					"discount_percentage": line.discount_percentage,
					# a given rate is the list rate before the line's discount, as Tally writes it
					**(
						{
							"price_list_rate": line.rate,
							"rate": flt(line.rate * (1 - line.discount_percentage / 100), 9),
						}
						if line.rate is not None
						else {}
					),
				}
				for line in invoice.lines
			],
			# the books' taxes (through the template with exactly their accounts) and charges
			"taxes_and_charges": template,
			"taxes": context.taxes_for(template, plan, sign),
			**(
				{"apply_discount_on": "Net Total", "discount_amount": sign * float(plan.discount)}
				if plan.discount
				else {}
			),
		}
	)
	doc.flags.dms_books = books is not None  # taxed as the books say, not by the site's GST template
	return doc, books


def _place_of_supply(state: str | None) -> dict:
	"""The books' place of supply where GST applies, as india_compliance writes it ("27-Maharashtra")."""
	if not state or not gst.applies():
		return {}
	code = retailers.GST_STATE_CODES.get(" ".join(state.split()).casefold())
	return {"place_of_supply": f"{code}-{retailers.GST_STATES[code]}"} if code else {}


def summarize(results: list[dict]) -> dict[str, int]:
	counts = {"created": 0, "duplicate": 0, "rejected": 0}
	for result in results:
		counts[result["status"]] += 1
	return counts


def retry_on_deadlock(fn, *args, **kwargs):
	"""Call ``fn``; when MariaDB kills its transaction to break a deadlock, roll back and call it again
	(up to DEADLOCK_ATTEMPTS times in all). Only for work that nothing has committed yet and that may
	simply be done again: a batch of invoices, each all-or-nothing and idempotent by its reference.
	See dms_app.distribution.locks for the lock order that keeps deadlocks away in the first place."""
	for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
		try:
			return fn(*args, **kwargs)
		except frappe.QueryDeadlockError:
			frappe.db.rollback()
			if attempt == DEADLOCK_ATTEMPTS:
				raise
			time.sleep(random.uniform(0.05, 0.2) * attempt)


# Background uploads ----------------------------------------------------------------------------
# Each queued upload is a job on the "long" queue, and any number of `bench worker` processes, on any
# number of machines, take them. Different distributors' uploads are posted side by side. One
# distributor's are posted by one worker at a time, oldest first, each in posting-date order: ERPNext
# values stock by posting time, and an invoice posted back-dated behind a later one makes it repost the
# valuation of everything after it. The worker that holds a distributor (a named lock, see
# dms_app.distribution.locks) posts all its waiting uploads; a job that finds the distributor held just
# returns, and the holder looks again after letting go, so no upload is left behind.

WAITING = ("Queued", "Running")


def enqueue(upload: str) -> None:
	"""Hand a queued DMS Upload to the workers once this transaction commits."""
	frappe.enqueue(
		"dms_app.secondary_sales.ingest.post_waiting_uploads",
		queue="long",
		timeout=3600,
		job_id=f"dms-upload-{upload}",
		deduplicate=True,
		enqueue_after_commit=True,
		upload=upload,
	)


def next_waiting(distributor: str) -> str | None:
	"""The distributor's oldest upload not yet posted."""
	names = frappe.get_all(
		"DMS Upload",
		filters={"distributor": distributor, "status": ["in", WAITING]},
		order_by="creation asc, name asc",
		limit=1,
		pluck="name",
	)
	return names[0] if names else None


def post_waiting_uploads(upload: str) -> None:
	"""Background job for ``upload``: post its distributor's waiting uploads, oldest first, unless another
	worker is doing so already."""
	distributor = frappe.db.get_value("DMS Upload", upload, "distributor")
	while distributor and next_waiting(distributor):
		with named_lock(f"upload:{distributor}") as taken:
			if not taken:
				return  # the holder posts this upload too: it looks again after letting go
			frappe.db.commit()  # read from here on what the previous holder committed
			while name := next_waiting(distributor):
				try:
					# an upload still Running here is one whose worker died: no one else holds the lock
					process_upload(name, resume=True)
				except Exception:
					# Failed, with its error, and the distributor's next uploads go on (process_upload marks
					# it so itself, unless it failed before posting, e.g. on a payload it cannot read)
					error = frappe.get_traceback()[-1000:]
					frappe.db.rollback()
					if frappe.db.get_value("DMS Upload", name, "status") in WAITING:
						frappe.db.set_value("DMS Upload", name, {"status": "Failed", "error": error})
					frappe.log_error(
						f"DMS Upload {name} failed", reference_doctype="DMS Upload", reference_name=name
					)
				frappe.db.commit()
		frappe.db.commit()  # a new snapshot: uploads queued while the lock was held are seen


def process_upload(upload: str, resume: bool = False) -> None:
	"""Post a queued DMS Upload (a Failed one again; a Running one when ``resume``), reporting progress
	as it goes. Invoices already posted by an earlier try are recognised by their reference."""
	from dms_app.core.secondary_sales import parse_invoices

	doc = frappe.get_doc("DMS Upload", upload)
	if doc.status not in ("Queued", "Failed", *(("Running",) if resume else ())):
		return
	doc.db_set({"status": "Running", "progress": 0})
	frappe.db.commit()
	invoices = parse_invoices(json.loads(doc.payload), [])
	results: list[dict] = []  # one per invoice, in batch order, appended by ingest()
	committed = 0  # how many of those are committed (progress() commits)

	def post_from_last_commit():
		# On a retry after a deadlock, what was committed stays posted and what was rolled back is redone.
		start = committed
		del results[start:]

		def progress(done: int, _total: int):
			nonlocal committed
			percent = round(100 * (start + done) / len(invoices), 1)
			doc.db_set("progress", percent, update_modified=False)
			frappe.db.commit()  # each posted invoice stands on its own; progress is visible to the caller
			committed = start + done
			frappe.publish_progress(
				percent, title=_("Posting invoices"), doctype="DMS Upload", docname=upload
			)

		ingest(doc.distributor, invoices[start:], upload=upload, on_progress=progress, results=results)

	try:
		retry_on_deadlock(post_from_last_commit)
	except Exception:
		frappe.db.rollback()
		doc.db_set({"status": "Failed", "error": frappe.get_traceback()[-1000:]})
		frappe.db.commit()
		raise
	finish(doc, results)


def finish(doc, results: list[dict]) -> None:
	"""Store one result per invoice on the upload: those rejected when read first, then posted ones."""
	unread: dict = {}
	for error in json.loads(doc.read_errors or "[]"):
		unread.setdefault(error["invoice"], []).append(error)
	all_results = [
		{"external_ref": ref, "status": "rejected", "errors": errs} for ref, errs in unread.items()
	] + results
	counts = summarize(all_results)
	doc.db_set(
		{
			"books_total": sum(flt(r.get("books_total")) for r in all_results),
			"dms_total": sum(flt(r.get("dms_total")) for r in all_results if r["status"] == "created"),
			"status": "Done",
			"progress": 100,
			"total_invoices": len(all_results),
			"created_invoices": counts["created"],
			"duplicate_invoices": counts["duplicate"],
			"rejected_invoices": counts["rejected"],
			"results": json.dumps(all_results),
			"payload": None,
		}
	)
