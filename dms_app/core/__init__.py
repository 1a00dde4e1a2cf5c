"""Pure business rules of the DMS.

Nothing in this package imports frappe: every function takes and returns plain data so it can be
tested with pytest (see ``tests/`` at the repository root) without a bench.
"""
