"""Rules about distributors and the warehouses mapped to them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,29}$")


class InvalidCode(ValueError):
	"""A distributor code that cannot be used as a document name."""


def normalize_code(code: str | None) -> str:
	"""Return the canonical form of a distributor code (trimmed, upper case).

	Codes become document names, warehouse names and user-permission values, so they are kept to
	2-30 characters of A-Z, 0-9, '-' and '_', starting with a letter or digit.
	"""
	normalized = (code or "").strip().upper()
	if not CODE_PATTERN.match(normalized):
		raise InvalidCode(normalized)
	return normalized


@dataclass(frozen=True)
class WarehouseInfo:
	"""What the DMS needs to know about a Warehouse record."""

	name: str
	company: str
	is_group: bool = False
	distributor: str | None = None  # the distributor that owns it, if any


class Problem(Enum):
	NOT_FOUND = "not_found"
	DUPLICATE = "duplicate"
	IS_GROUP = "is_group"
	OTHER_COMPANY = "other_company"
	OTHER_DISTRIBUTOR = "other_distributor"


@dataclass(frozen=True)
class WarehouseProblem:
	warehouse: str
	problem: Problem
	detail: str | None = None  # the other company or distributor involved


def check_warehouses(
	distributor: str | None,
	company: str,
	requested: list[str],
	known: dict[str, WarehouseInfo],
) -> list[WarehouseProblem]:
	"""Check that every requested warehouse may be mapped to ``distributor``.

	``requested`` lists the distributor's warehouses in form order (main one first, then extras);
	``known`` maps warehouse names to what the database holds. A warehouse must exist, be a leaf,
	belong to the distributor's company and not be owned by another distributor; none may appear twice.
	"""
	problems: list[WarehouseProblem] = []
	seen: set[str] = set()
	for name in requested:
		if name in seen:
			problems.append(WarehouseProblem(name, Problem.DUPLICATE))
			continue
		seen.add(name)
		info = known.get(name)
		if info is None:
			problems.append(WarehouseProblem(name, Problem.NOT_FOUND))
		elif info.is_group:
			problems.append(WarehouseProblem(name, Problem.IS_GROUP))
		elif info.company != company:
			problems.append(WarehouseProblem(name, Problem.OTHER_COMPANY, info.company))
		elif info.distributor and info.distributor != distributor:
			problems.append(WarehouseProblem(name, Problem.OTHER_DISTRIBUTOR, info.distributor))
	return problems


def warehouse_name_for(code: str, distributor_name: str) -> str:
	"""The ``warehouse_name`` of a distributor's dedicated warehouse (ERPNext appends the company abbr)."""
	label = " ".join((distributor_name or "").split())
	return f"{code} {label}".strip()[:100] if label else code


def sold_in(item_territories: frozenset[str], territory_path: tuple[str, ...]) -> bool:
	"""Whether an item limited to ``item_territories`` (empty: everywhere) may be sold in the territory
	whose path (itself first, then its ancestors) is ``territory_path``."""
	return not item_territories or bool(item_territories & set(territory_path))


def distributor_series(series: str | None, code: str) -> str | None:
	"""The naming series a distributor's own documents are numbered from: ``series`` with the distributor's
	code before the counter (``ACC-SINV-.YYYY.-`` -> ``ACC-SINV-.YYYY.-D-NORTH-01-``, numbered
	ACC-SINV-2026-D-NORTH-01-00001). Each distributor then has its own counter row, so two distributors'
	invoices do not wait on one shared row. None when the series cannot take it: empty, or with its own
	``#`` counter placement."""
	if not series or "#" in series or not code:
		return None
	if series.endswith(f"{code}-"):
		return series
	separator = "" if series.endswith(("-", ".", "/")) else "-"
	return f"{series}{separator}{code}-"


# A GST invoice number is at most 16 characters: letters, digits, "-" and "/", starting with a letter or a
# digit, unique for the seller in a financial year. Where GST applies (india_compliance installed) a
# distributor's Sales Invoices are numbered PREFIX/YY/00001: its invoice prefix (at most 5 characters, made
# from its code), the year, and the counter.
GST_PREFIX_LENGTH = 5


def gst_series(prefix: str) -> str:
	"""The naming series of a distributor's Sales Invoices where GST applies: ``D1/.YY./`` numbers
	D1/26/00001 (Frappe adds the five-digit counter), 14 characters at most."""
	return f"{prefix}/.YY./"


def invoice_prefix(code: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
	"""A distributor's invoice prefix made from its code: its letters and digits, upper case, the first
	GST_PREFIX_LENGTH; where another distributor has that one, its end replaced by the first free number."""
	base = "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())[:GST_PREFIX_LENGTH] or "D"
	if base not in taken:
		return base
	for number in range(1, 10**GST_PREFIX_LENGTH):
		suffix = str(number)
		candidate = base[: GST_PREFIX_LENGTH - len(suffix)] + suffix
		if candidate not in taken:
			return candidate
	raise ValueError("no invoice prefix is free")


def valid_invoice_prefix(prefix: str) -> bool:
	return 1 <= len(prefix) <= GST_PREFIX_LENGTH and prefix.isascii() and prefix.isalnum()
