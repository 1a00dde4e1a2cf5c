from dms_app.core.read_cache import ReadCache, Statement, classify, tables_of


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
