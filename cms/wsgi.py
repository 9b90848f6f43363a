"""WSGI entry point for gunicorn: `gunicorn cms.wsgi`.

Django's application, with the page cache's hits answered in front of it
(cms/caching.py, PageCacheApplication).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

django_application = get_wsgi_application()

from cms.caching import PageCacheApplication  # noqa: E402 - needs Django set up

application = PageCacheApplication(django_application)
