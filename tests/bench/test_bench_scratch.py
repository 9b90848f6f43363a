"""bench/_scratch.py, which every benchmark's throw-away database comes from: named for
the run, named in DATABASE_URL for the run's Django, and gone afterwards, also after an
error."""

import os

import psycopg
import pytest
import redis
from django.db import connection

from bench._scratch import Scratch
from tests.redis_fixtures import redis_is_running


def test_an_sqlite_scratch_database_is_a_file_in_a_folder_removed_afterwards(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "")  # restored after the test
    with Scratch("scratchtest", sqlite=True) as scratch:
        folder = scratch.workdir
        assert folder.is_dir()
        assert os.environ["DATABASE_URL"] == f"sqlite:///{folder}/bench.sqlite3"
        assert scratch.db_name == str(folder / "bench.sqlite3")
    assert not folder.exists()


def test_the_folder_is_removed_after_an_error_too(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "")
    failing = pytest.raises(RuntimeError, match="a benchmark failed")
    with failing, Scratch("scratchtest", sqlite=True) as scratch:
        folder = scratch.workdir
        raise RuntimeError("a benchmark failed")
    assert not folder.exists()


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_two_benchmarks_starting_together_get_redis_databases_of_their_own(monkeypatch):
    # The first one's database stays empty until its site writes there (after
    # migrations); the second must not take it meanwhile.
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("REDIS_URL", "")
    with Scratch("first", sqlite=True, redis=True) as first:
        with Scratch("second", sqlite=True, redis=True) as second:
            assert first.redis_db != second.redis_db
            second.redis.set("written", 1)
        assert second.redis_db not in (None, first.redis_db)
        assert first.redis.dbsize() == 1  # only the claim
    # Each database is left empty, free for the next benchmark.
    for number in (first.redis_db, second.redis_db):
        assert redis.Redis.from_url(f"{first.redis_base}/{number}").dbsize() == 0, number


def server_url():
    """The PostgreSQL server the tests run on, as a URL naming the test database."""
    conf = connection.settings_dict
    password = f":{conf['PASSWORD']}" if conf["PASSWORD"] else ""
    return (
        f"postgres://{conf['USER']}{password}@{conf['HOST'] or '127.0.0.1'}:"
        f"{conf['PORT'] or 5432}/{conf['NAME']}"
    )


def databases_named(name):
    with psycopg.connect(server_url(), autocommit=True) as conn:
        query = "SELECT count(*) FROM pg_database WHERE datname = %s"
        return conn.execute(query, [name]).fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_a_postgresql_scratch_database_is_created_for_the_run_and_dropped(monkeypatch, db):
    monkeypatch.setenv("BENCH_POSTGRES_URL", server_url())
    monkeypatch.setenv("DATABASE_URL", "")
    failing = pytest.raises(RuntimeError, match="a benchmark failed")
    with failing, Scratch("scratchtest") as scratch:
        name = scratch.db_name
        assert name == f"bench_scratchtest_{os.getpid()}"
        assert databases_named(name) == 1
        assert os.environ["DATABASE_URL"].endswith(f"/{name}")
        with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == name
        raise RuntimeError("a benchmark failed")
    assert databases_named(name) == 0
