"""The floor app's settings: the site's database, cache, sessions and cookies as the
benchmarks run them (bench/settings.py: production's), with three apps and three
middleware classes."""

from django.conf import global_settings

from bench import settings as site

SECRET_KEY = site.SECRET_KEY  # the site's, so its signed sessions are valid here
DEBUG = False
ALLOWED_HOSTS = site.ALLOWED_HOSTS
DATABASES = site.DATABASES
CACHES = site.CACHES
# Django's own store for the same sessions (the site's cms.sessions is Django's
# cached_db, reading the cache along with a page's other first reads).
_engine = getattr(site, "SESSION_ENGINE", global_settings.SESSION_ENGINE)
SESSION_ENGINE = {"cms.sessions": "django.contrib.sessions.backends.cached_db"}.get(
    _engine, _engine
)
SESSION_COOKIE_SECURE = site.SESSION_COOKIE_SECURE
CSRF_COOKIE_SECURE = site.CSRF_COOKIE_SECURE
TIME_ZONE = site.TIME_ZONE
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "bench.floor",
]
# AUTHENTICATION_BACKENDS: Django's default (its ModelBackend), not the site's; the
# benchmark signs the floor's members in through it (bench/vote_burst.py).
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "bench.floor.urls"
