"""Test settings: fast hashing, local memory cache, mail kept in the outbox."""

import tempfile

from .base import *

DEBUG = False
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# SQLite: the test database is a file, not SQLite's shared in-memory database, so that
# the live server's request threads (browser journeys, schemathesis) each have their own
# connection, as a deployed site's workers do. In memory they would all share the test's
# one connection, and Wagtail's autosave and editing-session requests would interleave
# their transactions on it ("no such savepoint"). The live server (tests/live_server.py)
# finishes them before the database is flushed.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.mkdtemp(prefix="northwind-test-db-")) / "test.sqlite3")
    }
    DATABASES["default"]["OPTIONS"] = {
        # A writer waits its turn for the lock (up to 30 s on a busy machine) ...
        "timeout": 30,
        # ... and takes it when its transaction begins: one that read first could
        # otherwise be refused midway because another wrote in between.
        "transaction_mode": "IMMEDIATE",
        # Readers never wait for the writer; a test database need not survive a power cut.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF",
    }

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
