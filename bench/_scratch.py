"""The throw-away databases every benchmark runs against, made and removed in one place.

    with Scratch("roster", sqlite=True) as scratch:   # an SQLite file in a temporary folder
        scratch.setup_django()                         # migrate it
    with Scratch("vote", redis=True) as scratch:      # PostgreSQL, and a Redis database
        ...

On the way in: a temporary folder (`workdir`); a database, on PostgreSQL named
`bench_<label>_<pid>` (so two runs, or a bench and a test run, never share one) or
an SQLite file in the folder; with `redis=True` an empty Redis database, numbered
14 down to 8, claimed so that two benchmarks never share one. DATABASE_URL (and
REDIS_URL) in this process's environment then name them, for this process's
Django and the processes it starts. On the way out, also after an error, Ctrl-C or
SIGTERM: the database dropped, the Redis database flushed, the folder removed.

PostgreSQL's server is BENCH_POSTGRES_URL, else DATABASE_URL when it names a
PostgreSQL server, else postgres://postgres@127.0.0.1:5432/postgres; Redis is
BENCH_REDIS_URL (default redis://127.0.0.1:6379). Only loopback is used.
"""

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Databases 14 down to 8 but 13: the site uses 0, tests/cms/test_settings.py 1 and 15,
# the tests' Redis cache (tests/redis_fixtures.py) 13, which a benchmark's clean-up must
# never flush under a running suite.
REDIS_DB_CHOICES = (14, 12, 11, 10, 9, 8)
CLAIM_KEY = "northwind-bench-claim"
CLAIM_SECONDS = 4 * 3600  # longer than any benchmark; a killed one's claim lapses
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def named_postgres_server():
    """The PostgreSQL server the environment names (BENCH_POSTGRES_URL, DATABASE_URL), or None."""
    for name in ("BENCH_POSTGRES_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return None


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _raise_on_sigterm(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


class Scratch:
    def __init__(self, label, *, sqlite=False, redis=False):
        self.label = label
        self.sqlite = sqlite
        self.use_redis = redis
        self.server_url = named_postgres_server() or DEFAULT_POSTGRES_URL
        self.db_name = f"bench_{label}_{os.getpid()}"
        self.database_url = None
        self.redis_base = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
        self.redis_db = None
        self.redis = None
        self.workdir = None
        self._db_created = False
        self._old_sigterm = None

    @property
    def vendor(self):
        return "SQLite" if self.sqlite else "PostgreSQL"

    @property
    def redis_url(self):
        return f"{self.redis_base}/{self.redis_db}" if self.redis_db is not None else None

    def __enter__(self):
        self._old_sigterm = signal.signal(signal.SIGTERM, _raise_on_sigterm)
        try:
            self.workdir = Path(tempfile.mkdtemp(prefix=f"bench-{self.label}-"))
            if self.sqlite:
                self.db_name = str(self.workdir / "bench.sqlite3")
                self.database_url = f"sqlite:///{self.db_name}"
            else:
                self._create_database()
            os.environ["DATABASE_URL"] = self.database_url
            if self.use_redis:
                self._claim_redis_db()
                os.environ["REDIS_URL"] = self.redis_url
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc_info):
        self.cleanup()
        return False

    def admin_connection(self):
        """A connection to the PostgreSQL server (its own database, not the scratch one)."""
        import psycopg

        return psycopg.connect(self.server_url, autocommit=True, connect_timeout=10)

    def _create_database(self):
        with self.admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self._db_created = True
        self.database_url = with_database(self.server_url, self.db_name)

    def _claim_redis_db(self):
        import redis

        for number in REDIS_DB_CHOICES:
            client = redis.Redis.from_url(f"{self.redis_base}/{number}", socket_timeout=5)
            # An empty database, claimed atomically so two benchmarks never share one. The
            # claim stays until cleanup flushes the database: the site writes nothing to
            # it until migrations are done, and another benchmark starting meanwhile must
            # not take it for empty.
            if client.dbsize() == 0 and client.set(
                CLAIM_KEY, os.getpid(), nx=True, ex=CLAIM_SECONDS
            ):
                if client.dbsize() == 1:
                    self.redis_db, self.redis = number, client
                    return
                client.delete(CLAIM_KEY)
            client.close()
        raise RuntimeError("No empty Redis database (8-12 or 14) to use for the benchmark.")

    def setup_django(self, *, collectstatic=False):
        """Set Django up in this process (DJANGO_SETTINGS_MODULE as set by then) and migrate
        the fresh database, saying so; returns the seconds taken."""
        import django
        from django.core.management import call_command

        redis = f", Redis db {self.redis_db}" if self.redis_db is not None else ""
        print(f"Fresh {self.vendor} database {self.db_name}{redis} …", flush=True)
        started = time.perf_counter()
        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        if collectstatic:
            call_command("collectstatic", verbosity=0, interactive=False)
        seconds = time.perf_counter() - started
        done = "Migrated and collected static files" if collectstatic else "Migrated"
        print(f"{done} in {seconds:.1f} s", flush=True)
        return seconds

    def cleanup(self):
        """Remove everything made for the run, reporting (not raising) what could not be."""
        errors = []
        for step in self.cleanup_steps():
            try:
                step()
            except Exception as error:  # keep cleaning up; report at the end
                errors.append(f"{step.__name__}: {error}")
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        if self._old_sigterm is not None:
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None
        for error in errors:
            print(f"cleanup: {error}", file=sys.stderr)

    def cleanup_steps(self):
        return [self._close_django, self._drop_database, self._flush_redis]

    def _close_django(self):
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()

    def _drop_database(self):
        if self._db_created:
            with self.admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self._db_created = False

    def _flush_redis(self):
        if self.redis is not None:
            self.redis.flushdb()
            self.redis.close()
            self.redis = None
