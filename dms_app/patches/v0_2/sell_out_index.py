"""An index on the stock ledger by warehouse and posting time, for a distributor's sell-out (the Place
Order page's suggestions): ERPNext's own ledger indexes lead with the item or the date, so the query
read the whole ledger. Built once here (MariaDB adds a secondary index in place, without blocking
writes), not on every migrate: the stock ledger is the largest table of a site."""

from dms_app.install import add_sell_out_index


def execute():
	add_sell_out_index()
