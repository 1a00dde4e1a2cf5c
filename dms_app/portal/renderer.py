"""The portal's page renderer: Frappe's template pages, without what every website page pays for and the
portal never shows.

Every page under /dms is one of this app's www templates with its get_context, rendered the Frappe way
(TemplatePage: the page's Python module, co-located JS and CSS, the CSRF token, redirects and HTTP
status from the context). What this renderer leaves out, measured on the portal load benchmark
(benchmarks/portal_load.py), is Frappe's generic website chrome, built for every page whether shown or
not:

- the website context (``get_website_settings``) with its boot data for the desk's app switcher: the
  installed apps and every workspace the user may see, about 40 ms a request;
- the navbar and footer web blocks (compiled from strings each request) and the 320 kB of icon sprites
  that Frappe's ``templates/base.html`` puts in every page;
- compiling the page's template from its source on every request (the portal's compiled templates are
  kept for the worker's life, dms_app.portal.template_cache);
- asking whether the path is a Web Form (a route map built per request) before the template is found:
  a hook's page renderer is tried before Frappe's own.

What it keeps of the website's look is the brand's: the active Website Theme's stylesheet (in place of
Frappe's standard one), Website Settings' head HTML, brand HTML and favicon, and the apps'
``web_include_css``, put in the head by Frappe's own ``templates/includes/head.html`` as on every other
website page. They come from cached documents, so they cost the portal nothing measurable.

The portal's own layout is ``templates/dms/base.html``: a complete page of its own (brand, user and log
out, the portal's tabs, the website stylesheet and Frappe's website script). Pages outside /dms, and /dms pages of
another app, are left to Frappe.
"""

import frappe
from frappe.utils import cint, get_system_timezone
from frappe.website.doctype.website_theme.website_theme import get_active_theme
from frappe.website.page_renderers.base_template_page import BaseTemplatePage
from frappe.website.page_renderers.template_page import TemplatePage

from dms_app.portal.template_cache import use_for_request as use_compiled_templates

PREFIX = "dms"


class PortalPage(TemplatePage):
	def __init__(self, path, http_status_code=None):
		if path == PREFIX or path.startswith(PREFIX + "/"):
			super().__init__(path, http_status_code)
		else:  # not a portal page: no looking for its template (Frappe's own renderers do)
			BaseTemplatePage.__init__(self, path, http_status_code)

	def can_render(self):
		return getattr(self, "app", None) == "dms_app" and super().can_render()

	def init_context(self):
		self.context = frappe._dict(frappe.local.conf.get("website_context") or {})
		settings = frappe.get_cached_doc("Website Settings")
		self.context.brand_html = settings.brand_html
		self.context.favicon = settings.favicon
		# the brand's look, as templates/includes/head.html expects it (see the module's docstring)
		self.context.head_html = settings.head_html
		self.context.theme = get_active_theme() or frappe._dict()
		self.context.web_include_css = frappe.get_hooks("web_include_css") or []
		self.context.boot = boot()

	def post_process_context(self):
		# TemplatePage's minus the website's sidebar, breadcrumbs, meta tags and other apps' navbar context
		self.set_user_info()
		self.template_path = self.context.template or self.template_path
		self.context._context_dict = self.context
		self.set_missing_values()

	def render_template(self):
		# By name rather than from its source (Frappe compiles a page's source on every request): the
		# worker's compiled copy is used (dms_app.portal.template_cache). Every portal page extends the
		# portal's base template, so its source is its file as is.
		if not self.extends_template():
			return super().render_template()
		use_compiled_templates()
		return frappe.get_jenv().get_template(f"{self.app}/{self.template_path}").render(self.context)


def boot() -> dict:
	"""What Frappe's website script reads from ``frappe.boot`` (language, formats, time zone), without the
	desk's app switcher."""
	system = frappe.get_system_settings
	zone = get_system_timezone()
	return {
		"lang": frappe.local.lang or "en",
		"sysdefaults": {
			"float_precision": cint(system("float_precision")) or 3,
			"date_format": system("date_format") or "yyyy-mm-dd",
			"time_format": system("time_format") or "HH:mm:ss",
			"first_day_of_the_week": system("first_day_of_the_week") or "Sunday",
			"number_format": system("number_format") or "#,###.##",
			"currency": system("currency"),
		},
		"time_zone": {
			"system": zone,
			"user": frappe.get_cached_value("User", frappe.session.user, "time_zone") or zone,
		},
		"sitename": frappe.local.site,
	}
