__version__ = "0.2.0"


def _install_child_scope() -> None:
	try:
		import frappe  # noqa: F401  (packaging tools read __version__ without Frappe)
	except ImportError:
		return
	from dms_app.child_scope import install

	install()


_install_child_scope()
