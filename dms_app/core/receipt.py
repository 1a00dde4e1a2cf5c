"""How a distributor's receipt of a dispatch is split over the dispatch's lines."""

from __future__ import annotations

from dataclasses import dataclass


class ReceiptError(ValueError):
	def __init__(self, item_code: str, problem: str, limit: float | None = None):
		super().__init__(f"{item_code}: {problem}")
		self.item_code, self.problem, self.limit = item_code, problem, limit


@dataclass(frozen=True)
class Line:
	row: str  # the dispatch line's id
	item_code: str
	pending: float  # dispatched and not yet received


@dataclass(frozen=True)
class Receipt:
	quantities: dict[str, float]  # row id -> quantity received now (rows with nothing received are left out)
	shortages: dict[str, float]  # item code -> quantity still in transit after this receipt


def plan_receipt(lines: list[Line], received: dict[str, float] | None) -> Receipt:
	"""Allocate received quantities per item over the dispatch lines, in line order.

	``received`` maps item codes to quantities; None means everything pending was received.
	Raises ReceiptError for an item not on the dispatch ("unknown"), a negative quantity ("negative")
	or more than is pending ("too_much", with the pending quantity as limit).
	"""
	pending_by_item: dict[str, float] = {}
	for line in lines:
		pending_by_item[line.item_code] = pending_by_item.get(line.item_code, 0.0) + line.pending
	if received is None:
		received = dict(pending_by_item)

	for item_code, qty in received.items():
		if item_code not in pending_by_item:
			raise ReceiptError(item_code, "unknown")
		if qty < 0:
			raise ReceiptError(item_code, "negative")
		if qty > pending_by_item[item_code] + 1e-9:
			raise ReceiptError(item_code, "too_much", pending_by_item[item_code])

	left = {item: received.get(item, 0.0) for item in pending_by_item}
	quantities: dict[str, float] = {}
	for line in lines:
		take = min(line.pending, left[line.item_code])
		if take > 0:
			quantities[line.row] = take
			left[line.item_code] -= take
	shortages = {
		item: round(pending - received.get(item, 0.0), 9)
		for item, pending in pending_by_item.items()
		if pending - received.get(item, 0.0) > 1e-9
	}
	return Receipt(quantities, shortages)
