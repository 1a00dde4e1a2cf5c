"""The stock ledger of the distributors' warehouses, summed per distributor and SKU: what the Sell-in vs
Sell-out report shows and what the channel alerts judge. In Transit warehouses are the distributor's, so
goods dispatched but not yet received are channel stock and a receipt nets to nothing."""

from datetime import datetime, time

import frappe
from frappe.query_builder import Case, Order
from frappe.query_builder.functions import Sum
from frappe.utils import flt
from pypika.analytics import RowNumber

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
		self.sle = frappe.qb.DocType("Stock Ledger Entry")
		self.warehouse = frappe.qb.DocType("Warehouse")
		self.item = frappe.qb.DocType("Item")
		self.conditions = self._conditions(filters)

	def _conditions(self, filters):
		sle, item = self.sle, self.item
		scope = visible_distributors()
		self.nothing_visible = scope == []
		condition = (sle.is_cancelled == 0) & distributor_warehouses(self.warehouse, filters, scope)
		if filters.get("item_code"):
			condition &= sle.item_code == filters.item_code
		if filters.get("brand"):
			condition &= item.brand == filters.brand
		groups = tree_filter("Item Group", filters.get("item_group"))
		if groups is not None:
			condition &= item.item_group.isin(groups)
		return condition

	def _query(self):
		return (
			frappe.qb.from_(self.sle)
			.join(self.warehouse)
			.on(self.warehouse.name == self.sle.warehouse)
			.join(self.item)
			.on(self.item.name == self.sle.item_code)
			.where(self.conditions)
		)

	def balances(self, from_date, to_date) -> dict[tuple[str, str], analytics.ChannelBalance]:
		"""Per (distributor, item): the ledger's own running balance (qty_after_transaction) before the
		first day and at the end of the last, and the movements between classified by voucher. A stock
		reconciliation posts no quantity (actual_qty 0, only the new balance), so what the movements do
		not explain of the closing balance is shown as adjusted."""
		sle, distributor = self.sle, self.warehouse.distributor
		start = datetime.combine(from_date, time.min)
		end = datetime.combine(to_date, time.max)
		balances: dict[tuple[str, str], analytics.ChannelBalance] = {}

		def balance(key):
			return balances.setdefault(key, analytics.ChannelBalance())

		for key, qty in self._running_balances(sle.posting_datetime < start).items():
			balance(key).opening = qty
		outgoing = Case().when(sle.actual_qty < 0, 1).else_(0)
		moves = (
			self._query()
			.select(distributor, sle.item_code, sle.voucher_type, Sum(sle.actual_qty))
			.where(sle.posting_datetime[start:end] & (sle.voucher_type != "Stock Reconciliation"))
			.groupby(distributor, sle.item_code, sle.voucher_type, outgoing)
			.run()
		)
		for dist, item_code, voucher_type, qty in moves:
			analytics.classify_movement(balance((dist, item_code)), voucher_type, flt(qty))
		closing = self._running_balances(sle.posting_datetime <= end)
		for key in set(closing) | set(balances):
			b = balance(key)
			b.adjusted += closing.get(key, 0.0) - b.closing
		return {key: b for key, b in balances.items() if any(abs(getattr(b, f)) > 1e-9 for f in FIGURES)}

	def _running_balances(self, when) -> dict[tuple[str, str], float]:
		"""The last running balance of each warehouse and item up to ``when`` (ERPNext's ledger order:
		posting datetime, then creation), summed per distributor and item."""
		sle = self.sle
		latest = (
			self._query()
			.select(
				self.warehouse.distributor.as_("distributor"),
				sle.item_code,
				sle.qty_after_transaction,
				RowNumber()
				.over(sle.warehouse, sle.item_code)
				.orderby(sle.posting_datetime, order=Order.desc)
				.orderby(sle.creation, order=Order.desc)
				.as_("newest"),
			)
			.where(when)
		)
		rows = (
			frappe.qb.from_(latest)
			.select(latest.distributor, latest.item_code, Sum(latest.qty_after_transaction))
			.where(latest.newest == 1)
			.groupby(latest.distributor, latest.item_code)
			.run()
		)
		return {(dist, item): flt(qty) for dist, item, qty in rows}
