"""The shared cache in Redis for the tests that must see what production's Redis does
(scripts, MGETs, round trips): database 13, under a prefix of the test's own."""

import socket
import uuid

import pytest


def redis_is_running():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def use_redis_cache(settings, label):
    """Point the default cache at Redis (skipping the test where there is none), under a
    prefix no other test or run shares."""
    if not redis_is_running():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/13",
            "KEY_PREFIX": f"test-{label}-{uuid.uuid4().hex}",
        }
    }


def redis_cache_and_sessions(settings, label):
    """A fixture's body (`yield from`): the shared cache in Redis, as `use_redis_cache`,
    and sessions read from it as production reads them (cms/sessions.py); the test's keys
    deleted after."""
    use_redis_cache(settings, label)
    settings.SESSION_ENGINE = "cms.sessions"
    yield
    from django.core.cache import cache

    cache.delete_pattern("*")
