"""Apply dms_app's custom fields (dms_app/custom_fields.py) once per change of that dict.

patches.txt names this patch with a counter (``#N``): bump it when CUSTOM_FIELDS changes, so a site
migrates the change once and keeps what it changed on the fields since, as india_compliance does."""

from dms_app.install import make_custom_fields


def execute():
	make_custom_fields()
