from datetime import date

from dms_app.core import alerts as al

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def keys(findings):
	return [f.key for f in findings]


def test_sell_out_above_supply_fires_not_at_the_limit_and_keys_by_period():
	flows = [
		al.StockFlow("D1", "SOAP", opening=10, received=5, sold=20, returned=2),  # 20 > 17
		al.StockFlow("D1", "OIL", opening=10, received=5, sold=15, returned=0),  # exactly what it had
		al.StockFlow("D2", "SOAP", opening=0, received=0, sold=0, returned=0),
	]
	[finding] = al.sell_out_above_supply(flows, *NOV)
	assert (finding.rule, finding.distributor, finding.item_code) == (al.SELL_OUT_ABOVE_SUPPLY, "D1", "SOAP")
	assert (finding.measured, finding.threshold) == (20, 17)
	assert "held 10 and received 7" in finding.message
	again = al.sell_out_above_supply(flows, *NOV)
	assert keys(again) == keys([finding])  # the next run finds the same thing under the same key
	december = al.sell_out_above_supply(flows, date(2026, 12, 1), date(2026, 12, 31))
	assert keys(december) != keys([finding])


def shape(name, ref, lines, customer="R1", day=date(2026, 11, 5), distributor="D1"):
	return al.InvoiceShape(name, distributor, customer, day, ref, tuple(lines))


def test_duplicate_invoices_same_retailer_date_and_lines_under_other_references():
	invoices = [
		shape("SI-1", "T-100", [("SOAP", 2, 10.0), ("OIL", 1, 20.0)]),
		shape("SI-2", "T-100A", [("OIL", 1, 20.0), ("SOAP", 2, 10.0)]),  # lines in another order
		shape("SI-3", "T-101", [("SOAP", 3, 10.0)]),  # other lines
		shape("SI-4", "T-102", [("SOAP", 2, 10.0), ("OIL", 1, 20.0)], customer="R2"),  # other retailer
		shape("SI-5", "T-103", [("SOAP", 2, 10.0), ("OIL", 1, 20.0)], day=date(2026, 11, 6)),  # other day
		shape("SI-6", "T-104", [("SOAP", 2, 10.0), ("OIL", 1, 20.0)], distributor="D2"),
	]
	[finding] = al.duplicate_invoices(invoices)
	assert finding.key == "Duplicate Invoice|SI-1|SI-2"
	assert "T-100, T-100A" in finding.message
	assert (finding.reference_doctype, finding.reference_name) == ("Sales Invoice", "SI-2")
	assert al.duplicate_invoices(invoices[2:]) == []
	# a third copy is a new finding (the set grew), not the same one again
	third = al.duplicate_invoices([*invoices, shape("SI-7", "T-100B", [("SOAP", 2, 10.0), ("OIL", 1, 20.0)])])
	assert keys(third) == ["Duplicate Invoice|SI-1|SI-2|SI-7"]


def test_claims_above_ledger():
	claims = [
		al.ClaimSupport("CLM-1", "D1", claimed=100.0, supported=100.0),
		al.ClaimSupport("CLM-2", "D1", claimed=100.0, supported=99.995),  # rounding
		al.ClaimSupport("CLM-3", "D2", claimed=100.0, supported=60.0),
	]
	[finding] = al.claims_above_ledger(claims)
	assert (finding.reference_name, finding.distributor, finding.measured, finding.threshold) == (
		"CLM-3",
		"D2",
		100.0,
		60.0,
	)
	assert keys(al.claims_above_ledger(claims)) == keys([finding])


def test_silent_distributors():
	today = date(2026, 12, 3)
	last = {"D1": date(2026, 11, 30), "D2": date(2026, 11, 20), "D3": None, "D4": date(2026, 11, 26)}
	found = al.silent_distributors(last, today, days=7)
	assert [(f.distributor, f.measured) for f in found] == [("D2", 13), ("D3", -1)]
	assert "since 2026-11-20" in found[0].message and "never sent" in found[1].message
	# still silent tomorrow: the same finding; silent again after a new sale: a new one
	assert keys(al.silent_distributors(last, date(2026, 12, 4), days=7))[:2] == keys(found)
	later = al.silent_distributors({**last, "D2": date(2026, 12, 1)}, date(2026, 12, 20), days=7)
	assert "Silent Distributor|D2|2026-12-01" in keys(later)


def test_dead_stock():
	today = date(2026, 12, 3)
	stock = [
		al.StockAge("D1", "SOAP", on_hand=10, last_moved=date(2026, 8, 1)),  # 124 days
		al.StockAge("D1", "OIL", on_hand=10, last_moved=date(2026, 11, 1)),
		al.StockAge("D1", "TEA", on_hand=0, last_moved=date(2025, 1, 1)),  # nothing left to be dead
		al.StockAge("D2", "SOAP", on_hand=4, last_moved=None),  # never sold
	]
	found = al.dead_stock(stock, today, days=90)
	assert [(f.distributor, f.item_code) for f in found] == [("D1", "SOAP"), ("D2", "SOAP")]
	assert "never moved" in found[1].message
	# stock that never moved but came in recently is not dead yet
	assert len(al.dead_stock(stock, today, days=90, since=date(2026, 11, 20))) == 1


def test_sell_out_spikes():
	weeks = [(date(2026, 11, d), date(2026, 11, d + 6)) for d in (2, 9, 16, 23)]
	series = {
		("D1", "SOAP"): [10, 12, 8, 40],  # 4x the average of 10
		("D1", "OIL"): [10, 12, 8, 30],  # exactly 3x: not above
		("D2", "SOAP"): [0, 0, 0, 50],  # a first sale is no spike
		("D2", "OIL"): [1, 1, 1, 4],  # above 3x but at the minimum
	}
	[finding] = al.sell_out_spikes(series, weeks, factor=3, minimum=4)
	assert (finding.distributor, finding.item_code, finding.measured, finding.threshold) == (
		"D1",
		"SOAP",
		40,
		30,
	)
	assert "4.0x its average of 10" in finding.message
	assert finding.period_start == date(2026, 11, 23)
	assert al.sell_out_spikes(series, weeks[:1], factor=3) == []
