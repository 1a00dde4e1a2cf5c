"""The stock ledger of the distributors' warehouses, summed per distributor and SKU: what the Sell-in vs
Sell-out report shows and what the channel alerts judge. In Transit warehouses are the distributor's, so
goods dispatched but not yet received are channel stock and a receipt nets to nothing."""

from datetime import datetime, time

import frappe
from frappe.query_builder import Case, Order
from frappe.query_builder.functions import Sum
from frappe.utils import flt

from dms_app.channel_analytics.scope import distributors_in, tree_filter, visible_distributors
from dms_app.core import analytics

FIGURES = ("opening", "received", "sold", "returned", "adjusted", "closing", "build_up")


def distributor_warehouses(warehouse, filters, scope):
	"""The condition on a Warehouse table for the distributors' warehouses the reports read: owned by a
	distributor in ``scope`` (None: any), and by the filters' distributor, territory (the distributor's,
	with its descendants) and company."""
	condition = warehouse.distributor.isnotnull() & (warehouse.distributor != "")
	if scope:
		condition &= warehouse.distributor.isin(scope)
	territories = tree_filter("Territory", filters.get("territory"))
	if territories is not None:
		condition &= warehouse.distributor.isin(distributors_in(territories) or [""])
	if filters.get("distributor"):
		condition &= warehouse.distributor == filters.distributor
	if filters.get("company"):
		condition &= warehouse.company == filters.company
	return condition


class ChannelLedger:
	def __init__(self, filters):
		self.warehouse = frappe.qb.DocType("Warehouse")
		self.item = frappe.qb.DocType("Item")
		scope = visible_distributors()
		self.nothing_visible = scope == []
		warehouse_condition = distributor_warehouses(self.warehouse, filters, scope)
		self.owners = dict(
			frappe.qb.from_(self.warehouse)
			.select(self.warehouse.name, self.warehouse.distributor)
			.where(warehouse_condition)
			.run()
		)
		# the items the filters allow (None: any), and the same filters on Bin joined to Warehouse and Item
		item, allowed = self.item, None
		for value, term in (
			(filters.get("item_code"), lambda: item.name == filters.item_code),
			(filters.get("brand"), lambda: item.brand == filters.brand),
		):
			if value:
				allowed = term() if allowed is None else allowed & term()
		groups = tree_filter("Item Group", filters.get("item_group"))
		if groups is not None:
			in_groups = item.item_group.isin(groups)
			allowed = in_groups if allowed is None else allowed & in_groups
		self.items = None
		self.bin_conditions = warehouse_condition
		if allowed is not None:
			self.items = [name for (name,) in frappe.qb.from_(item).select(item.name).where(allowed).run()]
			self.bin_conditions &= allowed

	def balances(self, from_date, to_date) -> dict[tuple[str, str], analytics.ChannelBalance]:
		"""Per (distributor, item): the balance at the end of the last day (today's Bin less what moved
		since), the movements of the period classified by voucher, and the balance before the first day
		(the closing less those movements). A stock reconciliation posts no quantity (actual_qty 0, only
		the new balance): an item reconciled in the period takes its opening from the ledger's own running
		balance (qty_after_transaction), and what the movements do not explain of the closing balance is
		shown as adjusted."""
		start = datetime.combine(from_date, time.min)
		end = datetime.combine(to_date, time.max)
		balances: dict[tuple[str, str], analytics.ChannelBalance] = {}
		if not self.owners or self.items == []:
			return balances

		def balance(key):
			return balances.setdefault(key, analytics.ChannelBalance())

		closing = self._balances_at(end, inclusive=True)
		net: dict[tuple[str, str], float] = {}  # what moved in the period, per (distributor, item)
		reconciled: set[tuple[str, str]] = set()  # (item, warehouse) reconciled in the period
		for warehouse, item_code, voucher_type, out, into in self._moves(start, end):
			if voucher_type == "Stock Reconciliation":
				reconciled.add((item_code, warehouse))
				continue
			key = (self.owners[warehouse], item_code)
			for qty in (flt(out), flt(into)):
				if qty:
					analytics.classify_movement(balance(key), voucher_type, qty)
					net[key] = net.get(key, 0.0) + qty
		# the opening is the closing less what moved, but for what was reconciled in the period (a
		# balance posted, not a quantity): those read their last ledger row before the period
		recounted = {(self.owners[w], i) for i, w in reconciled}
		for key in set(closing) | set(net):
			if key not in recounted:
				balance(key).opening = closing.get(key, 0.0) - net.get(key, 0.0)
		if reconciled and self._posted_before(start):
			every_pair = {
				(item, warehouse)
				for warehouse, dist in self.owners.items()
				for (d, item) in recounted
				if d == dist
			}
			for key, qty in self._running_balances(start, False, every_pair).items():
				balance(key).opening = qty
		for key in set(closing) | set(balances):
			b = balance(key)
			b.adjusted += closing.get(key, 0.0) - b.closing
		return {key: b for key, b in balances.items() if any(abs(getattr(b, f)) > 1e-9 for f in FIGURES)}

	def _moves(self, start: datetime, end: datetime) -> list[tuple]:
		"""(warehouse, item, voucher type, quantity out, quantity in) over [start, end]. The ledger alone,
		its warehouses named, grouped in the order of the covering index dms_app.install.CHANNEL_INDEXES
		["dms_channel_moves"]: MariaDB sums while it reads the index."""
		sle = frappe.qb.DocType("Stock Ledger Entry")
		condition = (
			sle.warehouse.isin(list(self.owners)) & (sle.is_cancelled == 0) & sle.posting_datetime[start:end]
		)
		if self.items is not None:
			condition &= sle.item_code.isin(self.items)
		return (
			frappe.qb.from_(sle)
			.select(
				sle.warehouse,
				sle.item_code,
				sle.voucher_type,
				Sum(Case().when(sle.actual_qty < 0, sle.actual_qty).else_(0)),
				Sum(Case().when(sle.actual_qty > 0, sle.actual_qty).else_(0)),
			)
			.where(condition)
			.groupby(sle.warehouse, sle.item_code, sle.voucher_type)
			.run()
		)

	def _posted_before(self, start: datetime) -> bool:
		"""Whether these warehouses have any ledger row before ``start`` (when not, every opening is 0)."""
		sle = frappe.qb.DocType("Stock Ledger Entry")
		return bool(
			frappe.qb.from_(sle)
			.select(sle.name)
			.where(
				sle.warehouse.isin(list(self.owners))
				& (sle.posting_datetime < start)
				& (sle.is_cancelled == 0)
			)
			.limit(1)
			.run()
		)

	def _balances_at(self, moment: datetime, inclusive: bool) -> dict[tuple[str, str], float]:
		"""Per (distributor, item): the balance at ``moment`` (its end when ``inclusive``), as today's Bin
		less what moved after it. A stock reconciliation posts a balance, not a quantity (actual_qty 0),
		so an item and warehouse reconciled after ``moment`` reads its last ledger row up to it instead.
		Both read only the ledger after ``moment`` (the covering index), not the whole history."""
		sle = frappe.qb.DocType("Stock Ledger Entry")
		after = sle.posting_datetime > moment if inclusive else sle.posting_datetime >= moment
		condition = sle.warehouse.isin(list(self.owners)) & (sle.is_cancelled == 0) & after
		if self.items is not None:
			condition &= sle.item_code.isin(self.items)
		moved: dict[tuple[str, str], float] = {}
		reconciled: set[tuple[str, str]] = set()
		for warehouse, item_code, voucher_type, qty in (
			frappe.qb.from_(sle)
			.select(sle.warehouse, sle.item_code, sle.voucher_type, Sum(sle.actual_qty))
			.where(condition)
			.groupby(sle.warehouse, sle.item_code, sle.voucher_type)
			.run()
		):
			if voucher_type == "Stock Reconciliation":
				reconciled.add((item_code, warehouse))
			moved[(item_code, warehouse)] = moved.get((item_code, warehouse), 0.0) + flt(qty)
		bin_ = frappe.qb.DocType("Bin")
		out: dict[tuple[str, str], float] = {}
		for warehouse, item_code, qty in (
			frappe.qb.from_(bin_)
			.join(self.warehouse)
			.on(self.warehouse.name == bin_.warehouse)
			.join(self.item)
			.on(self.item.name == bin_.item_code)
			.select(bin_.warehouse, bin_.item_code, bin_.actual_qty)
			.where(self.bin_conditions)
			.run()
		):
			if (item_code, warehouse) in reconciled:
				continue
			key = (self.owners[warehouse], item_code)
			out[key] = out.get(key, 0.0) + flt(qty) - moved.get((item_code, warehouse), 0.0)
		if reconciled:
			for key, qty in self._running_balances(moment, inclusive, reconciled).items():
				out[key] = out.get(key, 0.0) + qty
		return out

	def _running_balances(
		self, before: datetime, inclusive: bool, pairs: set[tuple[str, str]]
	) -> dict[tuple[str, str], float]:
		"""The last running balance up to ``before`` (ERPNext's ledger order: posting datetime, then
		creation) of each (item, warehouse) of ``pairs``, summed per distributor and item: one lookup
		on ERPNext's (item_code, warehouse, posting_datetime, creation) index each."""
		sle, bin_ = frappe.qb.DocType("Stock Ledger Entry").as_("last"), frappe.qb.DocType("Bin")
		reached = sle.posting_datetime <= before if inclusive else sle.posting_datetime < before
		last = (
			frappe.qb.from_(sle)
			.select(sle.qty_after_transaction)
			.where(
				(sle.item_code == bin_.item_code)
				& (sle.warehouse == bin_.warehouse)
				& (sle.is_cancelled == 0)
				& reached
			)
			.orderby(sle.posting_datetime, order=Order.desc)
			.orderby(sle.creation, order=Order.desc)
			.limit(1)
		)
		rows = (
			frappe.qb.from_(bin_)
			.join(self.warehouse)
			.on(self.warehouse.name == bin_.warehouse)
			.join(self.item)
			.on(self.item.name == bin_.item_code)
			.select(self.warehouse.distributor, bin_.item_code, bin_.warehouse, last)
			.where(
				self.bin_conditions
				& bin_.item_code.isin(list({item for item, _w in pairs}))
				& bin_.warehouse.isin(list({warehouse for _i, warehouse in pairs}))
			)
			.run()
		)
		out: dict[tuple[str, str], float] = {}
		for dist, item, warehouse, qty in rows:
			if (item, warehouse) in pairs and qty is not None:
				out[(dist, item)] = out.get((dist, item), 0.0) + flt(qty)
		return out
