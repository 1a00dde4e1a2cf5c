"""The rows ERPNext writes for a sale, a return and a stock transfer, written in bulk.

ERPNext posts about 18 invoice lines a second on this machine; the channel dataset's medium size (200,000
invoice lines and a year of replenishment) would take hours that way. This writer fills the same tables
with the same values, thousands of rows a second:

- Sales Invoice, Sales Invoice Item, Payment Schedule, Stock Ledger Entry, GL Entry, Payment Ledger
  Entry and the scheme ledger (DMS Scheme Ledger Entry) for a sale or a credit note (``sale``);
- Stock Entry, Stock Entry Detail and Stock Ledger Entry for a Material Transfer (``transfer``);
- at the end (``finish``): the Bins of every item and warehouse it touched, and the naming series'
  counters.

It learns the rows' shape from documents ERPNext itself posts: ``capture`` posts one transfer, one sale
and one return in a savepoint, reads every row they wrote and rolls the savepoint back. Each bulk row is a
copy of the template's row with the fields that differ from one document to another filled in (names,
dates, party, items, quantities, amounts, running stock balances). test_channel_bulk proves on a sample
that the documents, stock ledger, GL, payment ledger, scheme ledger and Bins are those ERPNext posts for
the same documents, column by column.

What it does not do, and refuses rather than writes wrongly: taxes, rounding (totals must be whole
rupees), units other than the stock unit, batches and serial numbers, free goods, scheme budgets, and
valuation other than Moving Average. History must be written in date order and before anything ERPNext
posts later for the same item and warehouse (it keeps the running balances itself). It writes with
``executemany`` on the columns of the template rows: the column names come from the tables themselves.
"""

import json
from dataclasses import asdict, replace
from datetime import date, datetime, time, timedelta

import frappe
from frappe import _
from frappe.model.naming import NamingSeries
from frappe.utils import flt, money_in_words, now_datetime

from dms_app.core import schemes as core
from dms_app.distribution.gst import series_for
from dms_app.schemes import engine

TABLES = (
	"Material Request",
	"Material Request Item",
	"DMS Approval Log",
	"Stock Entry",
	"Stock Entry Detail",
	"Sales Invoice",
	"Sales Invoice Item",
	"Payment Schedule",
	"Stock Ledger Entry",
	"GL Entry",
	"Payment Ledger Entry",
	"DMS Scheme Ledger Entry",
)
KINDS = ("sale", "return", "transfer", "order", "dispatch", "receipt")
FLUSH_EVERY = 20000  # rows held before they are written


class BulkError(ValueError):
	pass


def capture(depot: str, distributor, retailer: str, items: list[tuple[str, float]], day: date) -> dict:
	"""Post a transfer of ``items`` (code, rate) from ``depot`` to ``distributor``, a sale of them to
	``retailer`` and a return of the first on ``day``, and a primary order of them through the approval
	workflow, dispatch and receipt today; read every row they wrote, and roll them back. ``items`` need
	stock in ``depot``, and ``distributor`` its In Transit warehouse; choose a day and items a secondary
	scheme discounts, so that the sale earns it."""
	from dms_app.tests.factories import sale_on, transfer_on

	frappe.db.savepoint("dms_bulk_capture")
	try:
		transfer = transfer_on(distributor, depot, [(code, 10) for code, _rate in items], day)
		sale = sale_on(distributor, retailer, [(code, 2, rate) for code, rate in items], day)
		credit = sale_on(
			distributor,
			retailer,
			[(items[0][0], -1, items[0][1])],
			day,
			is_return=1,
			return_against=sale.name,
		)
		order, dispatch, receipt = place_order(distributor, depot, [(code, 5) for code, _rate in items])
		rows = {
			kind: _rows_of(doctype, name)
			for kind, doctype, name in (
				("transfer", "Stock Entry", transfer.name),
				("sale", "Sales Invoice", sale.name),
				("return", "Sales Invoice", credit.name),
				("dispatch", "Stock Entry", dispatch),
				("receipt", "Stock Entry", receipt),
			)
		}
		rows["order"] = {
			"Material Request": frappe.get_all("Material Request", filters={"name": order}, fields=["*"]),
			**{
				table: frappe.get_all(table, filters={"parent": order}, fields=["*"], order_by="idx")
				for table in ("Material Request Item", "DMS Approval Log")
			},
		}
	finally:
		frappe.db.rollback(save_point="dms_bulk_capture")
	return rows


def place_order(distributor, depot: str, lines: list[tuple[str, float]]) -> tuple[str, str, str]:
	"""A primary order from ``depot`` through the app's own flow, as Administrator: placed, sent for
	approval, approved at every level the site's approval rules ask for, its dispatch released, received
	in full (today: the flow dates each step when it is taken). Returns (order, dispatch, receipt)."""
	from dms_app.primary_sales.dispatch import receive
	from dms_app.tests.factories import act, approve_order, make_primary_order

	oem_depot = frappe.db.get_single_value("DMS Settings", "oem_depot_warehouse")
	_set_depot(depot)  # orders come from the depot DMS Settings names
	try:
		order = make_primary_order(distributor, lines)
		act("Administrator", order, "Submit for Approval")
		order = approve_order(order, "Administrator")
		dispatch = frappe.get_all(
			"Stock Entry Detail", filters={"material_request": order.name}, pluck="parent", distinct=True
		)[0]
		act("Administrator", frappe.get_doc("Stock Entry", dispatch), "Dispatch")
		return order.name, dispatch, receive(dispatch)
	finally:
		_set_depot(oem_depot)


def _set_depot(depot: str) -> None:
	frappe.db.set_single_value("DMS Settings", "oem_depot_warehouse", depot)
	frappe.clear_document_cache("DMS Settings", "DMS Settings")


def _rows_of(doctype: str, name: str) -> dict[str, list[dict]]:
	child = "Stock Entry Detail" if doctype == "Stock Entry" else "Sales Invoice Item"
	return {
		doctype: frappe.get_all(doctype, filters={"name": name}, fields=["*"]),
		child: frappe.get_all(child, filters={"parent": name}, fields=["*"], order_by="idx"),
		"Payment Schedule": frappe.get_all("Payment Schedule", filters={"parent": name}, fields=["*"]),
		"Stock Ledger Entry": frappe.get_all(
			"Stock Ledger Entry", filters={"voucher_no": name}, fields=["*"], order_by="creation"
		),
		"GL Entry": frappe.get_all("GL Entry", filters={"voucher_no": name}, fields=["*"]),
		"Payment Ledger Entry": frappe.get_all(
			"Payment Ledger Entry", filters={"voucher_no": name}, fields=["*"]
		),
		"DMS Scheme Ledger Entry": frappe.get_all(
			"DMS Scheme Ledger Entry", filters={"voucher_no": name}, fields=["*"]
		),
	}


def _following(template: dict, **columns: tuple[str, object]) -> dict:
	"""Columns another app computes from one ERPNext fills (india_compliance's taxable value, from the
	amount), as the captured row shows: ``column=(the column it equals in the template, its value here)``;
	nothing where the template's column does not follow (the app is not installed, or left it empty)."""
	return {
		column: value
		for column, (source, value) in columns.items()
		if column in template and flt(template[column]) and flt(template[column]) == flt(template.get(source))
	}


class BulkWriter:
	"""Writes sales, returns and transfers like ERPNext posts them. Call them in posting order, then
	``finish()``; the caller commits."""

	def __init__(self, templates: dict, company: str):
		self.t = templates
		self.company = company
		self.today = now_datetime().date()
		self.rows: dict[str, list[dict]] = {t: [] for t in TABLES}
		self.columns = {t: list(self._template_row(t).keys()) for t in TABLES if self._template_row(t)}
		self.clock = now_datetime()
		self.serial = 0
		self.token = frappe.generate_hash(length=4)
		self.stock: dict[tuple[str, str], list[float]] = {}  # (item, warehouse) -> [qty, valuation rate]
		self.series: dict[str, int] = {}
		self.items: dict[str, dict] = {}
		self.customers: dict[str, dict] = {}
		self.years: dict[date, str] = {}
		self.invoices: dict[str, dict] = {}  # name -> the sale's lines' incoming rates by item
		# name -> the sale's scheme benefits with their items, quantities by item and total (for its returns)
		self.earned: dict[str, tuple[list[core.Earned], dict[str, float], float]] = {}
		self.schemes = engine.active_schemes(core.SECONDARY, company)
		if any(s.budget_type for s in self.schemes):
			raise BulkError("schemes with budgets are not written in bulk")
		sale = templates["sale"]["Sales Invoice"][0]
		gl = {row.account: row for row in templates["sale"]["GL Entry"]}
		line = templates["sale"]["Sales Invoice Item"][0]
		self.accounts = {
			"debtors": sale.debit_to,
			"income": line.income_account,
			"cogs": line.expense_account,
			"stock": next(
				a for a in gl if a not in (sale.debit_to, line.income_account, line.expense_account)
			),
		}
		# the Sales Invoice series without the captured distributor's code (dms_app.distribution.locks)
		self.base_series = sale.naming_series.removesuffix(f"{sale.distributor}-")
		self.written = 0
		self.details: list[str] = []  # the rows of the last transfer

	# -- helpers -----------------------------------------------------------------------------------------

	def _template_row(self, table: str) -> dict | None:
		for kind in KINDS:
			if rows := self.t[kind].get(table):
				return rows[0]
		return None

	def _stamp(self) -> datetime:
		self.serial += 1
		return self.clock + timedelta(microseconds=self.serial)

	def _name(self) -> str:
		self.serial += 1
		return f"bk{self.token}{self.serial:08x}"

	def _next_in_series(self, series: str) -> str:
		prefix = NamingSeries(series).get_prefix()
		if prefix not in self.series:
			self.series[prefix] = frappe.db.sql("select `current` from `tabSeries` where name=%s", prefix)
			self.series[prefix] = self.series[prefix][0][0] if self.series[prefix] else 0
		self.series[prefix] += 1
		digits = series.count("#") or 5
		return f"{prefix}{self.series[prefix]:0{digits}d}"

	def _item(self, code: str) -> dict:
		if code not in self.items:
			row = frappe.db.get_value(
				"Item",
				code,
				["item_name", "description", "item_group", "brand", "stock_uom", "valuation_method"],
				as_dict=True,
			)
			if row.valuation_method not in ("Moving Average", "", None):
				raise BulkError(f"{code}: only Moving Average valuation is written in bulk")
			self.items[code] = row
		return self.items[code]

	def _customer(self, name: str) -> dict:
		if name not in self.customers:
			self.customers[name] = frappe.db.get_value(
				"Customer", name, ["customer_name", "territory", "customer_group"], as_dict=True
			)
		return self.customers[name]

	def _balance(self, item: str, warehouse: str) -> list[float]:
		key = (item, warehouse)
		if key not in self.stock:
			row = frappe.db.get_value(
				"Bin", {"item_code": item, "warehouse": warehouse}, ["actual_qty", "valuation_rate"]
			)
			self.stock[key] = [flt(row[0]), flt(row[1])] if row else [0.0, 0.0]
		return self.stock[key]

	def _add(self, table: str, template: dict, **values) -> dict:
		row = dict(template)
		stamp = self._stamp()
		row.update(creation=stamp, modified=stamp, name=values.pop("name", None) or self._name())
		for key in values:
			if key not in row:
				raise BulkError(f"{table} has no column {key}")
		row.update(values)
		self.rows[table].append(row)
		if sum(len(r) for r in self.rows.values()) >= FLUSH_EVERY:
			self.flush()
		return row

	def _sle(
		self, template, *, voucher_type, voucher_no, detail, item, warehouse, qty, rate, day, clock, **extra
	):
		"""A stock ledger row moving ``qty`` (signed) of ``item``; incoming at ``rate``, outgoing at the
		running valuation rate (Moving Average)."""
		balance = self._balance(item, warehouse)
		before_qty, valuation = balance
		before_value = flt(before_qty * valuation, 2)
		after_qty = flt(before_qty + qty)
		if after_qty < 0:
			raise BulkError(f"{item} in {warehouse}: {after_qty} after {voucher_no}")
		if qty > 0:
			new_value = before_qty * valuation + qty * rate
			valuation = new_value / after_qty if after_qty else rate
		value = flt(after_qty * valuation, 2)
		balance[:] = [after_qty, valuation]
		return self._add(
			"Stock Ledger Entry",
			template,
			item_code=item,
			warehouse=warehouse,
			posting_date=day,
			posting_time=clock,
			posting_datetime=datetime.combine(day, time()) + clock,
			voucher_type=voucher_type,
			voucher_no=voucher_no,
			voucher_detail_no=detail,
			actual_qty=qty,
			qty_after_transaction=after_qty,
			valuation_rate=valuation,
			stock_value=value,
			stock_value_difference=flt(value - before_value, 2),
			stock_uom=self._item(item).stock_uom,
			fiscal_year=self._fiscal_year(day),
			**extra,
		)

	def _fiscal_year(self, day: date) -> str:
		from erpnext.accounts.utils import get_fiscal_year

		if day not in self.years:
			self.years[day] = get_fiscal_year(day, company=self.company)[0]
		return self.years[day]

	# -- documents ---------------------------------------------------------------------------------------

	def transfer(
		self,
		distributor: str,
		source: str,
		target: str,
		day: date,
		lines: list[tuple[str, float]],
		*,
		kind: str = "transfer",
		fields: dict | None = None,
		line_fields: list[dict] | None = None,
	) -> str:
		"""A submitted Material Transfer of (item, qty) lines; ``kind`` "dispatch" or "receipt" is an
		order's leg through the distributor's In Transit warehouse, with ``fields`` and ``line_fields``
		(per line) linking it to the order or the dispatch."""
		t = self.t[kind]
		parent = t["Stock Entry"][0]
		name = self._next_in_series(parent.naming_series)
		clock = self._clock()
		total = 0.0
		self.details = []
		for idx, (code, qty) in enumerate(lines, start=1):
			item = self._item(code)
			rate = self._balance(code, source)[1]
			amount = flt(qty * rate, 2)
			total += amount
			detail = self._add(
				"Stock Entry Detail",
				t["Stock Entry Detail"][0],
				parent=name,
				idx=idx,
				s_warehouse=source,
				t_warehouse=target,
				item_code=code,
				item_name=item.item_name,
				description=item.description,
				item_group=item.item_group,
				qty=qty,
				transfer_qty=qty,
				uom=item.stock_uom,
				stock_uom=item.stock_uom,
				basic_rate=rate,
				valuation_rate=rate,
				basic_amount=amount,
				amount=amount,
				**_following(t["Stock Entry Detail"][0], taxable_value=("amount", amount)),
				**(line_fields[idx - 1] if line_fields else {}),
			)
			self.details.append(detail["name"])
			out = next(r for r in t["Stock Ledger Entry"] if flt(r.actual_qty) < 0)
			into = next(r for r in t["Stock Ledger Entry"] if flt(r.actual_qty) > 0)
			common = dict(
				voucher_type="Stock Entry", voucher_no=name, detail=detail["name"], item=code, day=day
			)
			self._sle(
				out,
				**common,
				warehouse=source,
				qty=-qty,
				rate=rate,
				clock=clock,
				dependant_sle_voucher_detail_no=detail["name"],
				incoming_rate=0,
			)
			self._sle(into, **common, warehouse=target, qty=qty, rate=rate, clock=clock, incoming_rate=rate)
		self._add(
			"Stock Entry",
			parent,
			name=name,
			posting_date=day,
			posting_time=clock,
			distributor=distributor,
			total_outgoing_value=total,
			total_incoming_value=total,
			total_amount=total,
			**_following(parent, base_grand_total=("total_amount", total)),
			**(fields or {}),
		)
		return name

	def order(self, distributor, depot: str, transit: str, day: date, lines: list[tuple[str, float, float]]):
		"""An approved primary order of (item, qty, rate) lines, as the approval workflow leaves it (its
		approval log a step an hour from nine o'clock), dispatched from ``depot`` into ``transit`` and
		received in full the same day. Returns (order, dispatch, receipt)."""
		t = self.t["order"]
		parent = t["Material Request"][0]
		template_line = t["Material Request Item"][0]
		name = self._next_in_series(parent.naming_series)
		schedule = day + (template_line.schedule_date - parent.transaction_date)
		rows = []
		for idx, (code, qty, rate) in enumerate(lines, start=1):
			item = self._item(code)
			rows.append(
				self._add(
					"Material Request Item",
					template_line,
					parent=name,
					idx=idx,
					item_code=code,
					item_name=item.item_name,
					description=item.description,
					item_group=item.item_group,
					brand=item.brand,
					uom=item.stock_uom,
					stock_uom=item.stock_uom,
					schedule_date=schedule,
					from_warehouse=depot,
					warehouse=distributor.warehouse,
					qty=qty,
					stock_qty=qty,
					ordered_qty=qty,
					# what the distributor's warehouse is projected to hold before the order, as ERPNext
					# reads it from the Bin (projected = actual: these orders never stay open)
					projected_qty=self._balance(code, distributor.warehouse)[0],
					rate=rate,
					price_list_rate=rate,
					amount=flt(qty * rate, 2),
				)
			)
		start = datetime.combine(day, time(9))
		steps = sorted(t["DMS Approval Log"], key=lambda r: r.idx)
		for hour, log in enumerate(steps):
			self._add("DMS Approval Log", log, parent=name, at=start + timedelta(hours=hour))
		names = [item_name for item_name in (self._item(code).item_name for code, _q, _r in lines)]
		self._add(
			"Material Request",
			parent,
			name=name,
			title=_("{0} Request for {1}").format(_(parent.material_request_type), ", ".join(names[:3]))[
				:100
			],
			transaction_date=day,
			schedule_date=schedule,
			set_from_warehouse=depot,
			set_warehouse=distributor.warehouse,
			distributor=distributor.name,
			dms_order_value=flt(sum(r["amount"] for r in rows), 2),
			dms_state_since=start + timedelta(hours=len(steps) - 1),
		)
		moved = [(code, qty) for code, qty, _rate in lines]
		dispatch = self.transfer(
			distributor.name,
			depot,
			transit,
			day,
			moved,
			kind="dispatch",
			fields={"from_warehouse": depot, "to_warehouse": transit},
			line_fields=[
				{"material_request": name, "material_request_item": r["name"], "transferred_qty": r["qty"]}
				for r in rows
			],
		)
		dispatched = self.details
		receipt = self.transfer(
			distributor.name,
			transit,
			distributor.warehouse,
			day,
			moved,
			kind="receipt",
			fields={"outgoing_stock_entry": dispatch},
			line_fields=[{"against_stock_entry": dispatch, "ste_detail": d} for d in dispatched],
		)
		return name, dispatch, receipt

	def _clock(self) -> timedelta:
		"""A posting time: the writer's own clock, a microsecond a document."""
		stamp = self._stamp()
		return timedelta(
			hours=stamp.hour, minutes=stamp.minute, seconds=stamp.second, microseconds=stamp.microsecond
		)

	def sale(
		self,
		distributor,
		customer: str,
		day: date,
		lines: list[tuple[str, float, float]],
		*,
		return_against: str | None = None,
		external_ref: str | None = None,
	) -> str:
		"""A submitted Sales Invoice of (item, qty, rate) lines at list price (a negative qty with
		``return_against`` is a credit note), priced by the secondary schemes as the engine prices it."""
		kind = "return" if return_against else "sale"
		t = self.t[kind]
		parent = t["Sales Invoice"][0]
		series = series_for("Sales Invoice", self.base_series, distributor.name)
		name = self._next_in_series(series)
		clock = self._clock()
		buyer = self._customer(customer)
		template_line = t["Sales Invoice Item"][0]
		details = [self._name() for _ in lines]
		if return_against:
			benefits = self._given_back(return_against, lines, details)
		else:
			benefits = self._benefits(distributor, customer, buyer, day, lines, details)
		off = {}
		for benefit in benefits if not return_against else ():
			off[benefit.line] = off.get(benefit.line, 0) + benefit.discount
		total = total_qty = cogs = 0.0
		for idx, ((code, qty, base), detail) in enumerate(zip(lines, details, strict=True), start=1):
			item = self._item(code)
			discount = off.get(detail, 0.0)
			rate = flt(base - discount / qty, 2) if discount else base
			amount = flt(rate * qty, 2)
			total += amount
			total_qty += qty
			held = self._balance(code, distributor.warehouse)
			actual = held[0]
			incoming = self.invoices[return_against][code] if return_against else held[1]
			sle = self._sle(
				t["Stock Ledger Entry"][0],
				voucher_type="Sales Invoice",
				voucher_no=name,
				detail=detail,
				item=code,
				warehouse=distributor.warehouse,
				qty=-qty,
				rate=incoming,
				day=day,
				clock=clock,
				incoming_rate=incoming,
			)
			cogs -= sle["stock_value_difference"]
			self._add(
				"Sales Invoice Item",
				template_line,
				name=detail,
				parent=name,
				idx=idx,
				item_code=code,
				item_name=item.item_name,
				description=item.description,
				item_group=item.item_group,
				brand=item.brand,
				uom=item.stock_uom,
				stock_uom=item.stock_uom,
				qty=qty,
				stock_qty=qty,
				# lines come with their rate: ERPNext then leaves the price-list rate, and so the discount
				# amount, at 0 (set_missing_item_details fills only fields that are None)
				price_list_rate=0.0,
				base_price_list_rate=0.0,
				discount_amount=0.0,
				rate=rate,
				base_rate=rate,
				net_rate=rate,
				base_net_rate=rate,
				stock_uom_rate=rate,
				amount=amount,
				base_amount=amount,
				net_amount=amount,
				base_net_amount=amount,
				**_following(template_line, taxable_value=("amount", amount)),
				# the engine prices every line of a sale while any secondary scheme is on, none of a return
				dms_base_rate=base if self.schemes and not return_against else 0.0,
				dms_scheme_discount=flt(discount, 2),
				dms_scheme_unit_discount=flt(base - rate, 2) if self.schemes and not return_against else 0.0,
				warehouse=distributor.warehouse,
				incoming_rate=incoming,
				actual_qty=actual,
			)
		if not return_against:
			self.invoices[name] = {
				code: self._balance(code, distributor.warehouse)[1] for code, _q, _r in lines
			}
			sold: dict[str, float] = {}
			for code, qty, _r in lines:
				sold[code] = sold.get(code, 0.0) + qty
			earned = [core.Earned(b, lines[details.index(b.line)][0]) for b in benefits]
			self.earned[name] = (earned, sold, flt(total, 2))
		total = flt(total, 2)
		if total != round(total):
			raise BulkError(f"{name}: a total of {total} would be rounded; only whole totals are written")
		words = money_in_words(abs(total), parent.currency)
		status = "Return" if return_against else ("Overdue" if day < self.today else "Unpaid")
		self._add(
			"Sales Invoice",
			parent,
			name=name,
			naming_series=series,
			title=buyer.customer_name,
			customer=customer,
			customer_name=buyer.customer_name,
			territory=buyer.territory,
			customer_group=buyer.customer_group,
			posting_date=day,
			posting_time=clock,
			due_date=day,
			return_against=return_against,
			set_warehouse=distributor.warehouse,
			distributor=distributor.name,
			dms_external_ref=external_ref,
			total_qty=total_qty,
			total=total,
			base_total=total,
			net_total=total,
			base_net_total=total,
			grand_total=total,
			base_grand_total=total,
			rounded_total=total,
			base_rounded_total=total,
			in_words=words,
			base_in_words=words,
			outstanding_amount=total,
			amount_eligible_for_commission=total,
			status=status,
			dms_scheme_discount=flt(sum(b.discount for b in benefits), 2),
			dms_scheme_benefits=json.dumps([asdict(b) for b in benefits], sort_keys=True)
			if benefits
			else None,
		)
		for row in t["Payment Schedule"]:
			self._add(
				"Payment Schedule",
				row,
				parent=name,
				due_date=day,
				payment_amount=total,
				outstanding=total,
				base_payment_amount=total,
				base_outstanding=total,
			)
		common = dict(posting_date=day, voucher_no=name, fiscal_year=self._fiscal_year(day))
		for row in t["GL Entry"]:
			amount = {
				self.accounts["debtors"]: total,
				self.accounts["income"]: total,
				self.accounts["stock"]: cogs,
				self.accounts["cogs"]: cogs,
			}[row.account]
			values = dict(common)
			for side in ("debit", "credit"):
				if flt(row[side]):
					values.update({side: abs(amount), f"{side}_in_account_currency": abs(amount)})
					if flt(row[f"{side}_in_transaction_currency"]):
						values[f"{side}_in_transaction_currency"] = abs(amount)
			if row.account == self.accounts["debtors"]:
				values.update(party=customer, against_voucher=name, due_date=day)
			elif row.account == self.accounts["income"]:
				values.update(against=customer)
			self._add("GL Entry", row, **values)
		for row in t["Payment Ledger Entry"]:
			self._add(
				"Payment Ledger Entry",
				row,
				posting_date=day,
				due_date=day,
				party=customer,
				voucher_no=name,
				against_voucher_no=name,
				amount=total,
				amount_in_account_currency=total,
			)
		for benefit in benefits:
			code = lines[details.index(benefit.line)][0]
			self._add(
				"DMS Scheme Ledger Entry",
				self._scheme_template(),
				scheme=benefit.scheme,
				scheme_type=self._scheme(benefit.scheme).scheme_type,
				channel=core.SECONDARY,
				company=self.company,
				posting_date=day,
				voucher_type="Sales Invoice",
				voucher_no=name,
				voucher_detail_no=benefit.line,
				distributor=distributor.name,
				retailer=customer,
				item_code=code,
				qty=benefit.qty,
				discount=benefit.discount,
				free_item=benefit.free_item,
				free_qty=benefit.free_qty,
				value=benefit.value,
			)
		return name

	def _given_back(self, sale: str, lines, details) -> list[core.Benefit]:
		"""A return's share of its sale's benefits, as the engine gives it back (engine.give_back)."""
		earned, sold, sold_value = self.earned.get(sale, ([], {}, 0.0))
		returned: dict[str, float] = {}
		first_line: dict[str, str] = {}
		for (code, qty, _rate), detail in zip(lines, details, strict=True):
			returned[code] = returned.get(code, 0.0) + abs(qty)
			first_line.setdefault(code, detail)
		value = abs(sum(flt(qty * rate, 2) for _c, qty, rate in lines))
		return [
			replace(benefit, line=first_line.get(code))
			for code, benefit in core.given_back(earned, sold, returned, sold_value, value)
		]

	def _scheme_template(self) -> dict:
		rows = self.t["sale"]["DMS Scheme Ledger Entry"]
		if not rows:
			raise BulkError("the captured sale earned no scheme: capture one on a day a scheme runs")
		return rows[0]

	def _scheme(self, name: str):
		return next(s for s in self.schemes if s.name == name)

	def _benefits(self, distributor, customer, buyer, day, lines, details) -> list[core.Benefit]:
		if not self.schemes:
			return []
		cart = core.Cart(
			channel=core.SECONDARY,
			date=day.isoformat(),
			buyer=core.Buyer(
				company=self.company,
				distributor=distributor.name,
				retailer=customer,
				territories=engine.lineage("Territory", buyer.territory),
				customer_groups=engine.lineage("Customer Group", buyer.customer_group),
			),
			lines=tuple(
				core.Line(
					key=detail,
					item_code=code,
					item_groups=engine.lineage("Item Group", self._item(code).item_group),
					brand=self._item(code).brand or None,
					qty=flt(qty),
					rate=flt(rate),
				)
				for (code, qty, rate), detail in zip(lines, details, strict=True)
			),
			coupon_codes=frozenset(),
			prices={},
		)
		outcome = core.evaluate(cart, self.schemes)
		if outcome.free_lines() or outcome.bill_discount:
			raise BulkError("free goods and bill discounts are not written in bulk")
		return list(outcome.benefits)

	# -- writing -----------------------------------------------------------------------------------------

	def flush(self) -> None:
		for table, rows in self.rows.items():
			if not rows:
				continue
			columns = self.columns[table]
			sql = "insert into `tab{}` ({}) values ({})".format(
				table, ", ".join(f"`{c}`" for c in columns), ", ".join(["%s"] * len(columns))
			)
			frappe.db._cursor.executemany(sql, [tuple(row[c] for c in columns) for row in rows])
			self.written += len(rows)
			rows.clear()

	def finish(self) -> None:
		"""Write what is held, then the Bins of every item and warehouse touched and the series' counters."""
		self.flush()
		for (item, warehouse), (qty, valuation) in self.stock.items():
			value = flt(qty * valuation, 2)
			existing = frappe.db.get_value(
				"Bin", {"item_code": item, "warehouse": warehouse}, ["name", "actual_qty"]
			)
			if existing:
				frappe.db.sql(
					"""update `tabBin` set projected_qty = projected_qty + %s - actual_qty, actual_qty = %s,
					valuation_rate = %s, stock_value = %s where name = %s""",
					(qty, qty, valuation, value, existing[0]),
				)
			else:
				frappe.get_doc(
					{
						"doctype": "Bin",
						"item_code": item,
						"warehouse": warehouse,
						"stock_uom": self._item(item).stock_uom,
						"actual_qty": qty,
						"projected_qty": qty,
						"valuation_rate": valuation,
						"stock_value": value,
					}
				).db_insert()
		for prefix, current in self.series.items():
			frappe.db.sql(
				"insert into `tabSeries` (name, current) values (%s, %s) on duplicate key update current = %s",
				(prefix, current, current),
			)
