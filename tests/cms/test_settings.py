"""Environment-driven settings: the cache is Redis when REDIS_URL is set, and it works."""

import pytest

from tests.dev_settings import dev_setting
from tests.redis_fixtures import redis_is_running


def test_an_empty_database_url_means_the_sqlite_file():
    engine = dev_setting("settings.DATABASES['default']['ENGINE']", DATABASE_URL="")
    assert engine == "django.db.backends.sqlite3"


def test_database_url_chooses_postgresql():
    engine = dev_setting(
        "settings.DATABASES['default']['ENGINE']",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
    )
    # Django's backend with a health check that sends nothing (cms/postgresql/base.py).
    assert engine == "cms.postgresql"


def test_cache_is_local_memory_without_redis_url():
    backend = dev_setting("settings.CACHES['default']['BACKEND']", REDIS_URL="")
    assert backend == "django.core.cache.backends.locmem.LocMemCache"


def test_cache_is_redis_with_redis_url():
    backend = dev_setting(
        "settings.CACHES['default']['BACKEND']", REDIS_URL="redis://127.0.0.1:6379/1"
    )
    assert backend == "django_redis.cache.RedisCache"


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_the_redis_cache_is_shared_between_processes():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/15", "CACHE_KEY_PREFIX": "northwind-test"}
    dev_setting(
        "__import__('django.core.cache').core.cache.cache.set('shared-check', 41) or 1", **env
    )
    value = dev_setting(
        "__import__('django.core.cache').core.cache.cache.get('shared-check')", **env
    )
    assert value == 41
