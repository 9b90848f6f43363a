"""Test settings: fast hashing, local memory cache, mail kept in the outbox."""

import tempfile

from .base import *

DEBUG = False
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# One local-memory cache, emptied before each test (tests/conftest.py); Wagtail's image
# renditions use it too when there is no "renditions" cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The page cache is on, as in production: tests see the pages production serves.
PAGE_CACHE = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Uploaded files go to a throw-away folder, never into the checkout.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="northwind-test-media-"))
# whitenoise wants the folder to exist; tests never collect into it.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="northwind-test-static-"))

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

WAGTAILADMIN_BASE_URL = "http://testserver"
WAGTAILAPI_BASE_URL = "http://testserver"

# Argon2id at libsodium's lowest level: a ballot passphrase is derived in a millisecond.
BALLOT_PASSPHRASE_STRENGTH = "min"
