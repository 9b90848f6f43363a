"""What the HTTP benchmarks share: a throw-away site served by gunicorn on 127.0.0.1.

    with BenchSite("vote", workers=4) as site:
        site.setup_django()          # migrate the fresh database (and collectstatic)
        ... create data with the ORM ...
        site.start_server()          # gunicorn on a free loopback port
        ... load it at site.base_url ...

Several app servers sharing the one database and Redis, as in production:

        first = site.start_server()  # a GunicornServer; site.base_url is the first's
        second = site.add_server()   # another gunicorn on another free port
        second.kill_workers()        # SIGKILL its workers; its master starts new ones

`BenchSite` creates a PostgreSQL database of its own (named after the process),
claims an empty Redis database number of its own for the shared cache, sets the
environment that both this process and gunicorn read (production settings by
way of bench/settings.py, which only lets cookies work over plain http), and
on the way out, also after an error, Ctrl-C or SIGTERM, stops every gunicorn, drops
the database, flushes the Redis database and removes its temporary folder.

PostgreSQL's server is taken from BENCH_POSTGRES_URL, else DATABASE_URL when it
is a PostgreSQL URL, else postgres://postgres@127.0.0.1:5432/postgres; Redis
from BENCH_REDIS_URL (default redis://127.0.0.1:6379). Only loopback is used.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

if __name__ == "__main__":  # `make bench` runs every bench/*.py: this one is a helper.
    raise SystemExit(0)

ROOT = Path(__file__).resolve().parent.parent
# Databases 14 down to 8: the site uses 0, tests/test_settings.py uses 1 and 15.
REDIS_DB_CHOICES = range(14, 7, -1)
CLAIM_KEY = "northwind-bench-claim"


def postgres_server_url():
    for name in ("BENCH_POSTGRES_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return "postgres://postgres@127.0.0.1:5432/postgres"


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk():
    """The path of wrk, installing Debian's package when it is missing (CI runs as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("wrk is needed: install it (Debian: apt-get install -y wrk).")
    print("Installing wrk (apt-get install -y wrk) …", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "timeout": 300}
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, **quiet).returncode:  # noqa: S603, S607
        subprocess.run(["apt-get", "update"], env=env, **quiet)  # noqa: S603, S607
        subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, check=True, **quiet)  # noqa: S603, S607
    return shutil.which("wrk")


def run_wrk(wrk, url, *, threads, connections, seconds, script=None, script_args=(), headers=()):
    """One wrk run (with --latency): requests/s, requests, latency p50/p99 (as wrk prints
    them), non-2xx/3xx answers, socket errors, and wrk's whole output (and error output)
    for a Lua script's own figures. `headers`: "Name: value" strings sent with each
    request."""
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=seconds + 30, check=True
    )
    out = result.stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": percentiles.get("50"),
        "p99": percentiles.get("99"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
        "output": out,
        "stderr": result.stderr,
    }


def process_cpu_seconds(pid):
    """User + system CPU seconds a process has used (0 when it has gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds():
    """CPU seconds all processors have spent busy since boot (from /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _raise_on_sigterm(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


class BenchSite:
    def __init__(self, label, *, workers=4):
        self.label = label
        self.workers = workers
        # gunicorn's default (sync: one request at a time, no keep-alive), as the README
        # deploys it; BENCH_WORKER_CLASS=gthread (BENCH_THREADS, default 4) to compare.
        self.worker_class = os.environ.get("BENCH_WORKER_CLASS", "sync")
        default_threads = "4" if self.worker_class == "gthread" else "1"
        self.threads = int(os.environ.get("BENCH_THREADS", default_threads))
        self.server_url = postgres_server_url()
        self.db_name = f"bench_{label}_{os.getpid()}"
        self.database_url = with_database(self.server_url, self.db_name)
        self.redis_base = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
        self.redis_db = None
        self.redis = None
        self.workdir = None
        self.servers = []
        self._db_created = False
        self._old_sigterm = None

    # Setting up ---------------------------------------------------------------------

    def __enter__(self):
        self._old_sigterm = signal.signal(signal.SIGTERM, _raise_on_sigterm)
        try:
            self.workdir = Path(tempfile.mkdtemp(prefix=f"bench-{self.label}-"))
            (self.workdir / "static").mkdir()
            (self.workdir / "media").mkdir()
            self._create_database()
            self._claim_redis_db()
            self._set_environment()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc_info):
        self.cleanup()
        return False

    def admin_connection(self):
        import psycopg

        return psycopg.connect(self.server_url, autocommit=True, connect_timeout=10)

    def _create_database(self):
        with self.admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self._db_created = True

    def _claim_redis_db(self):
        import redis

        for number in REDIS_DB_CHOICES:
            client = redis.Redis.from_url(f"{self.redis_base}/{number}", socket_timeout=5)
            # An empty database, claimed atomically so two benchmarks never share one.
            if client.dbsize() == 0 and client.set(CLAIM_KEY, os.getpid(), nx=True, ex=900):
                if client.dbsize() == 1:
                    self.redis_db, self.redis = number, client
                    client.delete(CLAIM_KEY)
                    client.flushdb()
                    return
                client.delete(CLAIM_KEY)
            client.close()
        raise RuntimeError("No empty Redis database (8-14) to use for the benchmark.")

    def _set_environment(self):
        """The environment this process's Django and gunicorn's both read."""
        self.env = {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": self.database_url,
            # Production keeps connections between requests (one per worker).
            "DATABASE_CONN_MAX_AGE": "60",
            "REDIS_URL": f"{self.redis_base}/{self.redis_db}",
            "CACHE_KEY_PREFIX": f"bench-{self.label}",
            "SECURE_SSL_REDIRECT": "false",
            "BENCH_PLAIN_HTTP_COOKIES": "1",
            "STATIC_ROOT": str(self.workdir / "static"),
            "MEDIA_ROOT": str(self.workdir / "media"),
            "LOG_LEVEL": "WARNING",
            # Every request comes from 127.0.0.1: keep the per-account vote limit, drop the
            # per-address one that would refuse a burst from one address.
            "VOTE_RATE_LIMITS": "20/m/key",
        }
        os.environ.update(self.env)
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))

    def setup_django(self, *, collectstatic=False):
        """Set Django up in this process and migrate the fresh database (seconds taken)."""
        import django
        from django.core.management import call_command

        started = time.perf_counter()
        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        if collectstatic:
            call_command("collectstatic", verbosity=0, interactive=False)
        return time.perf_counter() - started

    # gunicorn -------------------------------------------------------------------------

    @property
    def description(self):
        threads = f" × {self.threads} threads" if self.threads > 1 else ""
        return f"{self.workers} {self.worker_class} workers{threads}"

    @property
    def server(self):
        """The first app server (None before one is started)."""
        return self.servers[0] if self.servers else None

    @property
    def process(self):
        return self.server.process if self.server else None

    @property
    def port(self):
        return self.server.port if self.server else None

    @property
    def base_url(self):
        return self.server.base_url if self.server else None

    def start_server(self, *, ready_path="/robots.txt", timeout=60):
        """Start the first app server (gunicorn); returns it. Several: see add_server."""
        if self.servers:
            return self.server
        return self.add_server(ready_path=ready_path, timeout=timeout)

    def add_server(self, *, workers=None, ready_path="/robots.txt", timeout=60):
        """Start one more gunicorn on its own free port, sharing the database and Redis."""
        from django.db import connections

        connections.close_all()  # gunicorn's workers open their own
        server = GunicornServer(self, f"app{len(self.servers) + 1}", workers or self.workers)
        self.servers.append(server)
        server.start(ready_path=ready_path, timeout=timeout)
        return server

    def worker_pids(self):
        """The workers of every app server (of the one, when there is one)."""
        return [pid for server in self.servers for pid in server.worker_pids()]

    def backend_pids(self):
        """The PostgreSQL server processes connected to this benchmark's database."""
        with self.admin_connection() as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.db_name]
            ).fetchall()
        return [row[0] for row in rows]

    def cpu_snapshot(self):
        """CPU seconds so far: gunicorn's workers, this database's PostgreSQL backends,
        this process, the whole machine."""
        return {
            "workers": {pid: process_cpu_seconds(pid) for pid in self.worker_pids()},
            "backends": {pid: process_cpu_seconds(pid) for pid in self.backend_pids()},
            "client": time.process_time(),
            "machine": machine_busy_seconds(),
        }

    @staticmethod
    def cpu_used(before, after):
        """CPU seconds used between two snapshots, by part (processes new since count whole)."""
        used = {}
        for part in ("workers", "backends"):
            used[part] = sum(
                seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items()
            )
        used["client"] = after["client"] - before["client"]
        used["machine"] = after["machine"] - before["machine"]
        used["others"] = used["machine"] - used["workers"] - used["backends"] - used["client"]
        return used

    def alternate_runs(self, rounds, runners):
        """`rounds` runs of each (name, run) in `runners`, alternately, so a burst of other
        work on the machine does not land on one side only: each run's result and the CPU
        used during it (`cpu_used`), as two dicts of lists by name."""
        runs = {name: [] for name, _ in runners}
        cpu = {name: [] for name, _ in runners}
        for _ in range(rounds):
            for name, run in runners:
                before = self.cpu_snapshot()
                runs[name].append(run())
                cpu[name].append(self.cpu_used(before, self.cpu_snapshot()))
        return runs, cpu

    def log_tail(self, lines=30):
        """The end of the app servers' logs (each named, when there are several)."""
        if len(self.servers) == 1:
            return self.server.log_tail(lines)
        return "\n".join(f"[{server.name}]\n{server.log_tail(lines)}" for server in self.servers)

    def stop_server(self):
        """Stop every app server."""
        while self.servers:
            self.servers.pop().stop()

    # Cleaning up ------------------------------------------------------------------------

    def cleanup(self):
        errors = []
        for step in (self.stop_server, self._close_django, self._drop_database, self._flush_redis):
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


class GunicornServer:
    """One app server: a gunicorn master and its workers on a free 127.0.0.1 port, with the
    environment of its BenchSite (the same database, Redis and secret key as the others)."""

    def __init__(self, site, name, workers):
        self.site = site
        self.name = name
        self.workers = workers
        self.port = None
        self.process = None
        self.log_path = site.workdir / f"gunicorn-{name}.log"
        self._log = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready_path="/robots.txt", timeout=60):
        site = self.site
        self.port = free_port()
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "cms.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            site.worker_class,
            "--threads",
            str(site.threads),
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env={**os.environ, **site.env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it stops its workers
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + ready_path, timeout=5) as response:  # noqa: S310
                    response.read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        else:
            raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log_tail()}")
        # Every worker imports the site lazily: touch each once before anything is timed.
        for _ in range(self.workers * 4):
            with urllib.request.urlopen(self.base_url + ready_path, timeout=10) as response:  # noqa: S310
                response.read()

    def worker_pids(self):
        if self.process is None:
            return []
        out = subprocess.run(  # noqa: S603
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill_workers(self, sig=signal.SIGKILL):
        """Send every worker the signal (SIGKILL: no clean-up, requests under way are cut
        off); the master keeps the listening socket and starts new workers. Returns the pids."""
        pids = self.worker_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # it had already gone
                os.kill(pid, sig)
        return pids

    def log_tail(self, lines=30):
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
