from decimal import Decimal

from dms_app.core.read_cache import (
	MISSING,
	CallRule,
	ReadCache,
	Statement,
	call_key,
	classify,
	fresh,
	tables_of,
)


def test_tables_are_recognised_quoted_and_bare():
	assert tables_of("select a from `tabSales Invoice Item` join tabAccount on x") == {
		"tabSales Invoice Item",
		"tabAccount",
	}


def test_plain_selects_are_cacheable_under_the_tables_they_read():
	assert classify("SELECT `name` FROM `tabItem Price` WHERE `item_code`=%(p)s") == Statement(
		"read", frozenset({"tabItem Price"})
	)
	assert classify("  (select name from tabAccount where name=%s)").kind == "read"
	cte = "WITH v AS (SELECT name FROM `tabGL Entry`) SELECT * FROM v JOIN `tabAccount` a"
	assert classify(cte) == Statement("read", frozenset({"tabGL Entry", "tabAccount"}))


def test_reads_that_may_answer_differently_are_not_cached():
	for query in (
		"SELECT actual_qty FROM `tabBin` WHERE name=%s FOR UPDATE",
		"select * from tabBin where name=%s lock in share mode",
		"select `current` from `tabSeries` where name=%s for  share",
		"select nextval(`tabNote_id_seq`)",
		"select now(), name from tabItem",
		"select name from tabItem order by rand()",
		"select @@session.tx_isolation",
		"select @x := name from tabItem",
		"select 1",
		"SELECT table_name FROM information_schema.tables",
	):
		assert classify(query).kind == "pass", query


def test_writes_forget_their_tables_and_the_rest_forgets_everything():
	assert classify("UPDATE `tabBin` SET actual_qty=1") == Statement("write", frozenset({"tabBin"}))
	assert classify("insert into `tabGL Entry` (name) values (%s)").tables == {"tabGL Entry"}
	assert classify("delete from tabSingles where doctype=%s").tables == {"tabSingles"}
	with_update = "WITH x AS (SELECT 1) UPDATE `tabBin` SET actual_qty=1"
	assert classify(with_update).kind == "reset"
	for query in (
		"commit",
		"rollback",
		"rollback to savepoint dms_invoice",
		"START TRANSACTION",
		"alter table `tabItem` add column x int",
		"update t set a=1",
		"set session x=1",
	):
		assert classify(query).kind == "reset", query
	assert classify("savepoint dms_invoice").kind == "pass"
	assert classify("release savepoint dms_invoice").kind == "pass"


def test_cache_forgets_exactly_the_answers_of_a_written_table():
	cache = ReadCache()
	item = classify("select name from `tabItem` where name='A'")
	both = classify("select i.name from `tabItem` i join `tabBin` b on b.item_code=i.name")
	cache.put("q-item", item, "A")
	cache.put("q-both", both, "AB")
	cache.forget(classify("update `tabBin` set actual_qty=2"))
	assert cache.get("q-item") == "A" and cache.get("q-both") is None
	cache.forget(classify("commit"))
	assert cache.get("q-item") is None
	assert (cache.hits, cache.misses) == (1, 2)


VALUES = CallRule(
	"get_values",
	("doctype", "filters", "fieldname"),
	refuse=frozenset({"for_update"}),
	require=frozenset({"run"}),
)


def test_a_call_is_keyed_on_every_argument_by_type_and_value():
	key = call_key(VALUES, ("Item", {"name": "A"}), {"fieldname": "item_name"})
	assert key == call_key(VALUES, ("Item",), {"filters": {"name": "A"}, "fieldname": "item_name"})
	assert key != call_key(VALUES, ("Item", {"name": "A"}), {"fieldname": ["item_name"]})
	assert call_key(VALUES, ("Item", 1), {}) != call_key(VALUES, ("Item", "1"), {})
	assert call_key(VALUES, ("Item", 1), {}) != call_key(VALUES, ("Item", True), {})
	assert call_key(VALUES, ("Item", 1), {}) != call_key(VALUES, ("Item", 1.0), {})
	assert call_key(VALUES, ("Item", Decimal("1.0")), {}) != call_key(VALUES, ("Item", Decimal("1.00")), {})
	assert call_key(VALUES, ("Item", "A"), {"as_dict": True}) != call_key(VALUES, ("Item", "A"), {})
	assert call_key(VALUES, ("Item", {"a": 1, "b": 2}), {}) != call_key(
		VALUES, ("Item", {"b": 2, "a": 1}), {}
	)


def test_calls_that_lock_do_not_run_or_carry_other_objects_are_not_kept():
	assert call_key(VALUES, ("Item", "A"), {"for_update": True}) is None
	assert call_key(VALUES, ("Item", "A"), {"run": False}) is None
	assert call_key(VALUES, ("Item", object()), {}) is None
	assert call_key(VALUES, ("Item", {"name": ("in", {"A"})}), {}) is None
	assert call_key(VALUES, ("Item", "A", "name", "extra"), {}) is None
	assert call_key(VALUES, ("Item", "A"), {"doctype": "Bin"}) is None
	assert call_key(VALUES, ("Item", "A"), {"for_update": False, "run": True}) is not None


def test_fresh_copies_share_nothing_mutable():
	rows = [{"name": "A", "qty": Decimal("1.5")}, ("B", [1])]
	copied = fresh(rows)
	assert copied == rows and copied is not rows
	assert copied[0] is not rows[0] and copied[1][1] is not rows[1][1]


def read(cache, sql):
	cache.saw(classify(sql))


def test_a_call_is_kept_under_the_tables_its_reads_named_and_forgotten_with_them():
	cache = ReadCache()
	recording = cache.start()
	read(cache, "select name from `tabItem` where name='A'")
	read(cache, "select price_list_rate from `tabItem Price` where item_code='A'")
	cache.stop(recording, ("call", 1), [{"rate": 1}])
	answer = cache.recall(("call", 1))
	assert answer == [{"rate": 1}]
	answer[0]["rate"] = 2
	assert cache.recall(("call", 1)) == [{"rate": 1}]
	cache.forget(classify("update `tabBin` set actual_qty=2"))
	assert cache.recall(("call", 1)) == [{"rate": 1}]
	cache.forget(classify("update `tabItem Price` set price_list_rate=2"))
	assert cache.recall(("call", 1)) is MISSING
	recording = cache.start()
	read(cache, "select name from `tabItem` where name='A'")
	cache.stop(recording, ("call", 1), "A")
	cache.forget(classify("insert into `tabProperty Setter` (name) values ('x')"))
	assert cache.recall(("call", 1)) is MISSING
	assert (cache.call_hits, cache.call_misses) == (3, 2)


def test_a_call_that_wrote_locked_ran_nothing_or_raised_is_not_kept():
	cache = ReadCache()
	for statements in (
		["select name from tabItem", "update `tabBin` set actual_qty=1"],
		["select name from tabItem for update"],
		["commit"],
		[],
	):
		recording = cache.start()
		for sql in statements:
			read(cache, sql)
		cache.stop(recording, ("call", len(statements)), "answer")
	recording = cache.start()
	read(cache, "select name from tabItem")
	cache.stop(recording)
	assert cache.answers == {}


def test_an_enclosing_call_inherits_the_tables_of_a_call_answered_inside_it():
	cache = ReadCache()
	inner = cache.start()
	read(cache, "select name from `tabAccount`")
	cache.stop(inner, ("inner",), "acc")
	outer = cache.start()
	read(cache, "select name from `tabItem`")
	assert cache.recall(("inner",)) == "acc"
	cache.stop(outer, ("outer",), "both")
	cache.forget(classify("update `tabAccount` set x=1"))
	assert cache.recall(("outer",)) is MISSING


def test_calls_whose_filters_read_the_clock_are_not_kept():
	rule = CallRule(
		"get_all",
		("doctype", "fields", "filters"),
		scan=("filters", "or_filters"),
		refuse_words=frozenset({"between", "timespan", ""}),
	)
	assert call_key(rule, ("GL Entry", ["name"], {"posting_date": ("<", "2026-01-01")}), {}) is not None
	assert call_key(rule, ("GL Entry", ["name"], {"posting_date": ("Between", ["2026-01-01"])}), {}) is None
	assert call_key(rule, ("GL Entry",), {"or_filters": [["posting_date", "timespan", "this week"]]}) is None
	assert call_key(rule, ("GL Entry",), {"filters": {"posting_date": None}}) is None
	assert call_key(rule, ("GL Entry",), {"filters": {"posting_date": ""}}) is None
	assert call_key(rule, ("GL Entry", ["between"]), {}) is not None  # a field list is not a filter
