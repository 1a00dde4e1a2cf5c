# Copyright (c) 2026, dms_app contributors
# License: MIT. See license.txt
"""DMS Upload is tested with the schemes (dms_app/schemes/test_schemes.py) and uploads (dms_app/secondary_sales);
this module is where Frappe's test runner looks for what to follow when it makes ERPNext's test records
(see dms_app.tests.records)."""

from dms_app.tests.records import follow_no_links

test_ignore = follow_no_links("DMS Upload")
