"""Covering indexes for the channel analytics (dms_app.install.CHANNEL_INDEXES) on the stock ledger, the
invoices and their lines. Built once here, in place (MariaDB adds a secondary index without blocking
writes), not on every migrate: these are the largest tables of a site."""

from dms_app.install import add_channel_indexes


def execute():
	add_channel_indexes()
