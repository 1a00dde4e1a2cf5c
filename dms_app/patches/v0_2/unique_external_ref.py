"""One Sales Invoice per distributor and external reference (the bulk upload's idempotency key), even
when two uploads race: a unique index over (distributor, dms_external_ref).

A site with duplicates cannot get the index; the patch then stops the migrate and names them, rather
than failing inside ALTER TABLE."""

import frappe
from frappe import _

from dms_app.install import UNIQUE_EXTERNAL_REF, add_unique_external_ref


def execute():
	duplicates = frappe.db.sql(
		"""select distributor, dms_external_ref, group_concat(name order by name separator ', ')
		from `tabSales Invoice`
		where ifnull(distributor, '') != '' and ifnull(dms_external_ref, '') != ''
		group by distributor, dms_external_ref having count(*) > 1
		limit 20"""
	)
	if duplicates:
		frappe.throw(
			_(
				"Index {0} needs one Sales Invoice per distributor and external reference. Clear the "
				"external reference of all but one invoice in each group, then migrate again: {1}"
			).format(
				UNIQUE_EXTERNAL_REF,
				"; ".join(f"{dist} / {ref}: {names}" for dist, ref, names in duplicates),
			),
			title=_("Duplicate External References"),
		)
	add_unique_external_ref()
