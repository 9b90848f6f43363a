"""gunicorn's entry point for the floor app: `gunicorn bench.floor.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

# Always the floor's settings, whatever the benchmark's environment names for the site.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor.settings"

application = get_wsgi_application()
