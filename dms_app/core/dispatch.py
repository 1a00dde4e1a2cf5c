"""States of the Stock Entries that move a primary order's goods (see workflows/dispatch.py)."""

DRAFT = "Draft"
SUBMITTED = "Submitted"  # any other stock entry
DISPATCHED = "Dispatched"  # depot -> distributor's in-transit warehouse
RECEIVED = "Received"  # in transit -> distributor's warehouse
CANCELLED = "Cancelled"
