"""Orders from outside channels (ONDC seller apps, marketplaces): who the buyer is, and whether a channel
order sent again is the same order.

A buyer is an existing retailer when its GSTIN (a Customer's tax id) names one, else when its mobile
number does (compared by the last ten digits, as dms_app.core.retailers compares them); otherwise it is a
new retailer. Data that points at two different retailers (the GSTIN of one, the mobile of another) is
not guessed at: it is a conflict, with the reason, for the channel to correct.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
	"""An existing retailer the buyer's GSTIN or mobile number matched."""

	name: str
	tax_id: str | None = None
	mobile: str | None = None


@dataclass(frozen=True)
class Match:
	customer: str | None  # None: a new retailer (unless ``conflict``)
	conflict: str = ""  # why the buyer cannot be told apart; empty when it can


def mobile_key(mobile: str | None) -> str | None:
	digits = re.sub(r"\D", "", str(mobile or ""))
	return digits[-10:] or None


def tax_key(tax_id: str | None) -> str | None:
	return str(tax_id or "").strip().upper() or None


def match_buyer(gstin: str | None, mobile: str | None, known: Sequence[Known]) -> Match:
	"""The retailer the buyer is, by GSTIN first, then by mobile number."""
	gstin, phone = tax_key(gstin), mobile_key(mobile)
	by_gstin = sorted({k.name for k in known if gstin and tax_key(k.tax_id) == gstin})
	by_mobile = sorted({k.name for k in known if phone and mobile_key(k.mobile) == phone})
	if by_gstin:
		if len(by_gstin) > 1:
			narrowed = [n for n in by_gstin if n in by_mobile]
			if len(narrowed) == 1:
				return Match(narrowed[0])
			return Match(None, f"GSTIN {gstin} is held by several retailers: {', '.join(by_gstin[:5])}")
		chosen = by_gstin[0]
		if by_mobile and chosen not in by_mobile:
			return Match(
				None, f"GSTIN {gstin} is retailer {chosen}'s but mobile {mobile} is retailer {by_mobile[0]}'s"
			)
		return Match(chosen)
	if by_mobile:
		if len(by_mobile) > 1:
			return Match(None, f"mobile {mobile} is held by several retailers: {', '.join(by_mobile[:5])}")
		chosen = by_mobile[0]
		other_gstin = next((tax_key(k.tax_id) for k in known if k.name == chosen and k.tax_id), None)
		if gstin and other_gstin and other_gstin != gstin:
			return Match(
				None, f"mobile {mobile} is retailer {chosen}'s, whose GSTIN is {other_gstin}, not {gstin}"
			)
		return Match(chosen)
	return Match(None)


def fingerprint(record: dict) -> str:
	"""A digest of what a channel order asks for (its buyer and lines): the same order sent again has the
	same one (whatever the order of its keys or lines, its ``ordered_at`` or ``remarks``), a different
	order under the same id does not."""
	content = {
		"buyer": record.get("buyer") or {},
		"lines": sorted(
			([line.get("item_code"), float(line.get("qty") or 0)] for line in record.get("lines") or ()),
			key=str,
		),
	}
	return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
