import io
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_app.core.reconcile import (
	CHARGE,
	DISCOUNT,
	ROUND_OFF,
	TAX,
	Difference,
	LedgerRule,
	PostedTotals,
	TallyTotals,
	check_voucher,
	expected_total,
	format_amount,
	heads_by_account,
	pick_template,
	plan_ledgers,
	reconcile,
	rules_by_ledger,
	tally_totals,
)
from dms_app.core.tally import (
	Buyer,
	LedgerEntry,
	Rate,
	TallyLine,
	TallyVoucher,
	parse_quantity,
	read_vouchers,
)

D = Decimal
DAY = Path(__file__).parent / "data" / "tally" / "day_2026-11-05.xml"
LEDGERS = {
	"Output CGST 9%": "tax:CGST",
	"Output SGST 9%": "tax:SGST",
	"Output CGST 2.5%": "tax:CGST",
	"Output SGST 2.5%": "tax:SGST",
	"Output IGST 28%": "tax:IGST",
	"Output Cess 12%": "tax:Cess",
	"Trade Discount Allowed": "discount",
	"Rounded Off": "round_off",
	"Freight Outward": "other",
}


def day_vouchers(ledgers=LEDGERS):
	with DAY.open("rb") as stream:
		return {
			v.external_ref: v for v in read_vouchers(stream, ledgers=ledgers) if isinstance(v, TallyVoucher)
		}


def sale(**changes) -> TallyVoucher:
	voucher = TallyVoucher(
		external_ref="S-1",
		posting_date="2026-11-05",
		voucher_type="Sales",
		is_return=False,
		return_against=None,
		party_ledger="Shop",
		buyer=Buyer("Shop"),
		total=D("1180.00"),
		lines=(TallyLine("Soap", D("1000.00"), rate=None),),
		ledger_entries=(
			LedgerEntry("Output CGST 9%", D("90.00"), "tax", "CGST"),
			LedgerEntry("Output SGST 9%", D("90.00"), "tax", "SGST"),
		),
	)
	return replace(voucher, **changes)


def vars_of(totals):
	return {f: getattr(totals, f) for f in ("lines", "taxes", "discount", "round_off", "total", "charges")}


# -- reconcile ---------------------------------------------------------------------------------------------

TALLY = TallyTotals(
	lines=(D("2375.00"), D("1250.00")),
	taxes={"CGST": D("245.00"), "SGST": D("245.00")},
	discount=D("87.64"),
	round_off=D("-0.08"),
	total=D("4027.28"),
	charges={"Freight Outward": D("50.00")},
)


def test_a_faithful_posting_has_no_differences_within_a_rupee():
	posted = PostedTotals(
		lines=(2375.4, 1249.5),  # ERPNext hands floats over
		taxes={"cgst": 245.0, "SGST": 245.99},
		discount=87.64,
		round_off=0.0,
		total=4028.0,
		charges={"freight outward": 50},
	)
	assert reconcile(TALLY, posted) == []


def test_each_difference_names_the_field_and_both_figures():
	posted = PostedTotals(
		lines=(D("2375.00"), D("1249.00")),
		taxes={"CGST": D("245.00"), "SGST": D("243.50")},
		discount=D("0"),
		round_off=D("-0.08"),
		total=D("4114.92"),
		charges={"Freight Outward": D("50.00")},
	)
	differences = reconcile(TALLY, posted, tolerance=D("0.5"))
	assert [d.message for d in differences] == [
		"line 2 amount: Tally 1,250.00, DMS 1,249.00",
		"SGST: Tally 245.00, DMS 243.50",
		"discount: Tally 87.64, DMS 0.00",
		"total: Tally 4,027.28, DMS 4,114.92",
	]
	assert differences[0] == Difference("line 2 amount", D("1250.00"), D("1249.00"))
	assert str(differences[0]) == differences[0].message
	assert differences[0].as_dict() == {
		"field": "line 2 amount",
		"tally": "1250.00",
		"posted": "1249.00",
		"message": "line 2 amount: Tally 1,250.00, DMS 1,249.00",
	}


def test_a_line_or_tax_head_on_one_side_only():
	posted = PostedTotals(
		**{
			**vars_of(TALLY),
			"lines": (*TALLY.lines, D("480.00")),
			"taxes": {"CGST": D("245.00"), "SGST": D("245.00"), "Cess": D("57.60")},
			"charges": {},
		}
	)
	assert [d.message for d in reconcile(TALLY, posted)] == [
		"line 3 amount: Tally none, DMS 480.00",
		"Cess: Tally 0.00, DMS 57.60",
		"Freight Outward charge: Tally 50.00, DMS 0.00",
	]
	assert reconcile(TALLY, replace(posted, total=None))[-1].message == "total: Tally 4,027.28, DMS none"


@pytest.mark.parametrize(
	"value, text",
	[
		(0, "0.00"),
		(D("0.5"), "0.50"),
		(100, "100.00"),
		(1000, "1,000.00"),
		(D("1250"), "1,250.00"),
		(125000, "1,25,000.00"),
		(D("1234567.891"), "12,34,567.89"),
		(D("-98765432.1"), "-9,87,65,432.10"),
		(D("0.005"), "0.01"),
		(None, "none"),
	],
)
def test_amounts_are_shown_as_tally_shows_them(value, text):
	assert format_amount(value) == text


def test_the_day_files_vouchers_against_a_faithful_and_a_careless_posting():
	for voucher in day_vouchers().values():
		faithful = PostedTotals(**vars_of(tally_totals(voucher)))
		assert reconcile(tally_totals(voucher), faithful) == []
	invoice = day_vouchers()["HT/26-27/102"]
	careless = PostedTotals(  # the discount and the round-off left out
		lines=(1800.0, 2582.0),
		taxes={"CGST": 109.55, "SGST": 109.55},
		total=4601.1,
	)
	assert [d.field for d in reconcile(tally_totals(invoice), careless)] == [
		"CGST",
		"SGST",
		"discount",
		"total",
	]


def test_tally_totals_count_unknown_ledgers_as_charges():
	ledgers = {k: v for k, v in LEDGERS.items() if k != "Freight Outward"}
	totals = tally_totals(day_vouchers(ledgers)["HT/26-27/108"])
	assert totals == TallyTotals(
		lines=(D("750.00"),),
		taxes={"CGST": D("67.50"), "SGST": D("67.50")},
		discount=D(0),
		round_off=D(0),
		total=D("935.00"),
		charges={"Freight Outward": D("50.00")},
	)


money = st.decimals(min_value=-100000, max_value=100000, places=2)
heads = st.sampled_from(["CGST", "SGST", "IGST", "Cess"])
totals = st.builds(
	TallyTotals,
	lines=st.lists(money, max_size=5).map(tuple),
	taxes=st.dictionaries(heads, money, max_size=4),
	discount=money,
	round_off=st.decimals(min_value=-1, max_value=1, places=2),
	total=money,
	charges=st.dictionaries(st.sampled_from(["Freight Outward", "Packing"]), money, max_size=2),
)


@given(totals)
def test_the_same_figures_never_differ(tally):
	assert reconcile(tally, PostedTotals(**vars_of(tally))) == []


def perturbed(tally: TallyTotals, field: str, change: Decimal) -> PostedTotals:
	posted = vars_of(tally)
	if field.startswith("line "):
		lines = list(tally.lines)
		lines[int(field.split()[1]) - 1] += change
		posted["lines"] = tuple(lines)
	elif field in tally.taxes:
		posted["taxes"] = {**tally.taxes, field: tally.taxes[field] + change}
	else:
		attribute = field.replace("-", "_")
		posted[attribute] = getattr(tally, attribute) + change
	return PostedTotals(**posted)


@given(totals, st.data())
def test_one_figure_changed_beyond_the_tolerance_is_the_one_difference(tally, data):
	fields = [f"line {n + 1} amount" for n in range(len(tally.lines))] + [
		*tally.taxes,
		"discount",
		"round-off",
		"total",
	]
	field = data.draw(st.sampled_from(fields))
	sign = data.draw(st.sampled_from([1, -1]))
	change = sign * data.draw(st.decimals(min_value=D("1.01"), max_value=1000, places=2))
	differences = reconcile(tally, perturbed(tally, field, change))
	assert [d.field for d in differences] == [field]
	assert differences[0].posted - differences[0].tally == change
	assert reconcile(tally, perturbed(tally, field, change), tolerance=abs(change)) == []
	assert reconcile(tally, perturbed(tally, field, sign * D("0.99"))) == []


# -- a voucher by itself ---------------------------------------------------------------------------------


def test_every_sale_of_the_day_file_adds_up():
	for voucher in day_vouchers().values():
		assert check_voucher(voucher) == [], voucher.external_ref
		assert expected_total(voucher) == voucher.total


def test_a_total_that_does_not_add_up():
	(found,) = check_voucher(sale(total=D("1181.00")))
	assert (found.field, found.stated, found.computed) == ("total", D("1181.00"), D("1180.00"))
	assert found.message == (
		"total: lines 1,000.00 - discount 0.00 + taxes 180.00 + round-off 0.00 = 1,180.00, "
		"but Tally's total is 1,181.00"
	)
	assert str(found) == found.message
	assert check_voucher(sale(total=D("1181.00")), tolerance=1) == []


def test_charges_appear_in_the_sum_when_there_are_some():
	voucher = day_vouchers()["HT/26-27/108"]
	(found,) = check_voucher(replace(voucher, total=D("900.00")))
	assert "+ charges 50.00" in found.message and found.computed == D("935.00")


def test_a_line_whose_amount_is_not_quantity_times_rate():
	line = day_vouchers()["HT/26-27/101"].lines[1]
	(found, batches) = check_voucher(sale(lines=(replace(line, amount=D("1260.00")),), total=D("1440.00")))
	assert batches.field == "line 1 (Assam Tea 250g) batches"
	assert found.field == "line 1 (Assam Tea 250g) amount"
	assert found.message == (
		"line 1 (Assam Tea 250g): 10 Nos x 125.00/Nos = 1,250.00, but Tally's amount is 1,260.00"
	)
	soap = day_vouchers()["HT/26-27/101"].lines[0]
	(found,) = check_voucher(
		sale(lines=(replace(soap, amount=D("2500.00"), batches=()),), total=D("2680.00"))
	)
	assert "100 Nos x 25.00/Nos less 5% = 2,375.00" in found.message


def test_a_rate_rounded_to_the_paisa_is_allowed_for():
	three = TallyLine("Soap", D("1000.00"), billed=parse_quantity(" 3 Nos"), rate=Rate(D("333.33"), "Nos"))
	assert check_voucher(sale(lines=(three,), total=D("1180.00"))) == []
	off = replace(three, amount=D("1000.05"))
	assert [i.field for i in check_voucher(sale(lines=(off,), total=D("1180.05")))] == [
		"line 1 (Soap) amount"
	]


def test_batches_that_do_not_add_up_to_their_line():
	voucher = day_vouchers()["HT/26-27/101"]
	soap = voucher.lines[0]
	short = replace(soap, batches=(soap.batches[0], replace(soap.batches[1], amount=D("900.00"))))
	(found,) = check_voucher(replace(voucher, lines=(short, voucher.lines[1])))
	assert found.message == (
		"line 1 (Neem Soap 100g): the batches add up to 2,325.00, but the line's amount is 2,375.00"
	)


def test_an_unknown_ledger_and_a_missing_party_entry_are_reported():
	unknown = LedgerEntry("Packing Charges", D("20.00"), "unknown")
	voucher = sale(ledger_entries=(*sale().ledger_entries, unknown), total=D("1200.00"))
	(found,) = check_voucher(voucher)
	assert found.field == "ledger Packing Charges"
	assert "not in the ledger mapping" in found.message
	assert expected_total(voucher) == D("1200.00")  # counted, not guessed
	(missing,) = check_voucher(sale(total=None))
	assert missing.field == "total" and missing.stated is None and missing.computed == D("1180.00")
	assert "no ledger entry for the party Shop" in missing.message


amounts = st.decimals(min_value=0, max_value=50000, places=2)
entries = st.lists(
	st.one_of(
		st.builds(LedgerEntry, st.just("Output CGST 9%"), amounts, st.just("tax"), st.just("CGST")),
		st.builds(LedgerEntry, st.just("Output IGST 18%"), amounts, st.just("tax"), st.just("IGST")),
		st.builds(
			LedgerEntry, st.just("Trade Discount Allowed"), amounts.map(lambda a: -a), st.just("discount")
		),
		st.builds(
			LedgerEntry,
			st.just("Rounded Off"),
			st.decimals(min_value=-D("0.99"), max_value=D("0.99"), places=2),
			st.just("round_off"),
		),
		st.builds(LedgerEntry, st.just("Freight Outward"), amounts, st.just("other")),
	),
	max_size=6,
)


@given(st.lists(amounts, min_size=1, max_size=6), entries, st.decimals(-1000, 1000, places=2))
def test_lines_less_discount_plus_taxes_round_off_and_charges_make_the_total(
	line_amounts, ledger_entries, off
):
	lines = tuple(TallyLine(f"Item {n}", amount) for n, amount in enumerate(line_amounts))
	voucher = sale(lines=lines, ledger_entries=tuple(ledger_entries), total=None)
	total = (
		voucher.line_total
		- voucher.discount
		+ sum(voucher.taxes.values())
		+ voucher.round_off
		+ sum(voucher.other_charges.values())
	)
	assert expected_total(voucher) == total
	assert check_voucher(replace(voucher, total=total)) == []
	found = check_voucher(replace(voucher, total=total + off))
	assert [i.field for i in found] == (["total"] if abs(off) > D("0.01") else [])


def test_a_reader_and_reconcile_agree_on_the_committed_unicode_export():
	raw = (DAY.parent / "unicode_export.xml").read_bytes()
	(voucher,) = read_vouchers(io.BytesIO(raw), ledgers=LEDGERS)
	assert tally_totals(voucher) == TallyTotals(
		lines=(D("500.00"),), taxes={"CGST": D("45.00"), "SGST": D("45.00")}, total=D("590.00")
	)


# -- the ledgers of an uploaded invoice, by the distributor's mapping -------------------------------------

RULES = rules_by_ledger(
	[
		("Output CGST 9%", LedgerRule(TAX, "CGST", "Output Tax CGST - T")),
		("Output SGST 9%", LedgerRule(TAX, "SGST", "Output Tax SGST - T")),
		("Output CGST 2.5%", LedgerRule(TAX, "CGST", "Output Tax CGST - T")),
		("Output SGST 2.5%", LedgerRule(TAX, "SGST", "Output Tax SGST - T")),
		("Output IGST 28%", LedgerRule(TAX, "IGST", "Output Tax IGST - T")),
		("Output Cess 12%", LedgerRule(TAX, "Cess", "Output Tax Cess - T")),
		("Trade Discount Allowed", LedgerRule(DISCOUNT)),
		("Rounded Off", LedgerRule(ROUND_OFF)),
		("Freight Outward", LedgerRule(CHARGE, account="Freight - T")),
		("Packing", LedgerRule(CHARGE)),
	]
)
TEMPLATES = {
	"GST In-state": ["Output Tax CGST - T", "Output Tax SGST - T"],
	"GST Out-state": ["Output Tax IGST - T"],
	"GST Out-state with Cess": ["Output Tax IGST - T", "Output Tax Cess - T"],
}


def test_ledgers_are_planned_by_the_mapping_whatever_their_spelling():
	plan = plan_ledgers(
		[
			("Trade Discount Allowed", "-87.64"),
			("output  cgst 2.5%", "107.36"),
			("Output SGST 2.5%", 107.36),
			("Output CGST 9%", "10"),
			("Freight Outward", "50"),
			("Rounded Off", "-0.08"),
		],
		RULES,
	)
	assert plan.problems == ()
	assert plan.tax_accounts == {"Output Tax CGST - T", "Output Tax SGST - T"}
	assert plan.taxes == {"CGST": D("117.36"), "SGST": D("107.36")}
	assert (plan.discount, plan.round_off) == (D("87.64"), D("-0.08"))
	assert [(c.ledger, c.account, c.amount) for c in plan.charges] == [
		("Freight Outward", "Freight - T", D(50))
	]
	assert pick_template(plan.tax_accounts, TEMPLATES) == "GST In-state"
	books = plan.books([D(1800), D(2582)], D(4509))
	assert books.charges == {"Freight Outward": D(50)}
	assert books.lines == (D(1800), D(2582))


def test_a_ledger_the_mapping_does_not_know_or_gives_no_account_is_a_problem_never_a_guess():
	plan = plan_ledgers([("Output UTGST 9%", "12"), ("Packing", "5"), ("Rounded Off", "0.2")], RULES)
	assert [p.split(" (")[0].split(":")[0] for p in plan.problems] == [
		"ledger Output UTGST 9%",
		"ledger Packing",
	]
	assert "not mapped" in plan.problems[0] and "no account" in plan.problems[1]
	assert plan.tax_accounts == frozenset()


@pytest.mark.parametrize(
	("ledgers", "template"),
	[
		(["Output IGST 28%"], "GST Out-state"),
		(["Output IGST 28%", "Output Cess 12%"], "GST Out-state with Cess"),
		(["Output CGST 9%"], None),  # CGST without SGST: no template has exactly that
		([], None),
	],
)
def test_the_template_is_the_one_with_exactly_the_invoices_tax_accounts(ledgers, template):
	plan = plan_ledgers([(name, 1) for name in ledgers], RULES)
	assert pick_template(plan.tax_accounts, TEMPLATES) == template


def test_a_posted_tax_account_reads_back_as_its_head():
	assert heads_by_account(RULES)["Output Tax Cess - T"] == "Cess"


@given(
	lines=st.lists(st.decimals(min_value=0, max_value=100000, places=2), min_size=1, max_size=6),
	cgst_rate=st.sampled_from([D("2.5"), D(6), D(9), D(14)]),
	discount=st.decimals(min_value=0, max_value=50, places=2),
	freight=st.decimals(min_value=0, max_value=500, places=2),
)
def test_books_that_add_up_reconcile_with_a_posting_of_the_same_figures(lines, cgst_rate, discount, freight):
	# Σ lines - discount + taxes + charges + round-off = total, as Tally balances a voucher
	net = sum(lines, D(0)) - discount
	tax = (net * cgst_rate / 100).quantize(D("0.01"))
	unrounded = net + 2 * tax + freight
	total = unrounded.quantize(D(1), rounding=ROUND_HALF_UP)
	entries = [
		("Trade Discount Allowed", -discount),
		("Output CGST 9%", tax),
		("Output SGST 9%", tax),
		("Freight Outward", freight),
		("Rounded Off", total - unrounded),
	]
	plan = plan_ledgers(entries, RULES)
	books = plan.books(lines, total)
	assert (
		sum(books.lines, D(0))
		- books.discount
		+ sum(books.taxes.values(), D(0))
		+ sum(books.charges.values(), D(0))
		+ books.round_off
		== books.total
	)
	posted = PostedTotals(
		lines=tuple(float(x) for x in lines),
		taxes={"cgst": float(tax), "SGST": float(tax)},
		discount=float(discount),
		round_off=float(total - unrounded),
		total=float(total),
		charges={"Freight Outward": float(freight)},
	)
	assert reconcile(books, posted) == []
	# a tax rate the DMS template gets wrong shows up as that head and the total
	wrong = replace(posted, taxes={"CGST": float(tax) + 5, "SGST": float(tax)}, total=float(total) + 5)
	assert [d.field for d in reconcile(books, wrong)] == ["CGST", "total"]
