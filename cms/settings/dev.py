"""Local development: SQLite by default, debug on, mail to the console.

`make run HOST=... PORT=...` serves the site at that address and passes it on twice:
to `load_demo --host --port`, which puts it on the default Wagtail Site (pages' full
addresses come from the Site: notice emails, the sitemap, guides' PDFs, the API's
html_url), and to these settings as WAGTAILADMIN_BASE_URL (the admin's own links, the
API's detail_url). Neither is left at Wagtail's http://localhost/, where nothing listens.
"""

import os
from urllib.parse import urlsplit

from .base import *

DEBUG = True
SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Tasks (meeting notices) run at once, inside the request: no worker needed.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# An empty variable counts as unset, as a blank `make` variable would give.
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL") or "http://127.0.0.1:8000"
WAGTAILAPI_BASE_URL = os.environ.get("WAGTAILAPI_BASE_URL") or WAGTAILADMIN_BASE_URL

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
_served_host = urlsplit(WAGTAILADMIN_BASE_URL).hostname or ""
if ":" in _served_host:  # an IPv6 address: ALLOWED_HOSTS writes it in brackets
    _served_host = f"[{_served_host}]"
if _served_host and _served_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_served_host)
