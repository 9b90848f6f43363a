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

`BenchSite` is a `Scratch` (bench/_scratch.py: a PostgreSQL database and a Redis
database of its own, removed at the end, also after an error, Ctrl-C or SIGTERM)
that also sets the environment both this process and gunicorn read (production
settings by way of bench/settings.py, which only lets cookies work over plain
http), and on the way out stops every gunicorn before the databases go.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench._scratch import Scratch

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


class BenchSite(Scratch):
    def __init__(self, label, *, workers=4):
        super().__init__(label, redis=True)
        self.workers = workers
        # gunicorn's default (sync: one request at a time, no keep-alive), as the README
        # deploys it; BENCH_WORKER_CLASS=gthread (BENCH_THREADS, default 4) to compare.
        self.worker_class = os.environ.get("BENCH_WORKER_CLASS", "sync")
        default_threads = "4" if self.worker_class == "gthread" else "1"
        self.threads = int(os.environ.get("BENCH_THREADS", default_threads))
        self.servers = []
        self.env = {}

    # Setting up ---------------------------------------------------------------------

    def __enter__(self):
        super().__enter__()
        try:
            (self.workdir / "static").mkdir()
            (self.workdir / "media").mkdir()
            self._set_environment()
        except BaseException:
            self.cleanup()
            raise
        return self

    def _set_environment(self):
        """The environment this process's Django and gunicorn's both read."""
        self.env = {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": self.database_url,
            # Production keeps connections between requests (one per worker).
            "DATABASE_CONN_MAX_AGE": "60",
            "REDIS_URL": self.redis_url,
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

    def add_server(self, *, workers=None, ready_path="/robots.txt", timeout=60, app="cms.wsgi"):
        """Start one more gunicorn on its own free port, sharing the database and Redis.
        `app`: the WSGI application it serves (the site's, unless another is named)."""
        from django.db import connections

        connections.close_all()  # gunicorn's workers open their own
        name = f"app{len(self.servers) + 1}"
        server = GunicornServer(self, name, workers or self.workers, app=app)
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

    def cpu_snapshot(self, servers=None):
        """CPU seconds so far: gunicorn's workers (of `servers`, default all), this database's
        PostgreSQL backends, this process, the whole machine."""
        workers = [pid for server in servers or self.servers for pid in server.worker_pids()]
        return {
            "workers": {pid: process_cpu_seconds(pid) for pid in workers},
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

    def cleanup_steps(self):
        return [self.stop_server, *super().cleanup_steps()]


class GunicornServer:
    """One app server: a gunicorn master and its workers on a free 127.0.0.1 port, with the
    environment of its BenchSite (the same database, Redis and secret key as the others)."""

    def __init__(self, site, name, workers, *, app="cms.wsgi"):
        self.site = site
        self.name = name
        self.workers = workers
        self.app = app
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
            self.app,
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
