"""Faults in the middle of a vote burst: nothing half-saved, every answer truthful.

    flock /tmp/bench.lock .venv/bin/python -m bench.faults
    BENCH_FAULTS=workers .venv/bin/python -m bench.faults    # or postgres; default both
    BENCH_PG_STOP_MODE=immediate ...   # PostgreSQL crashes instead of a fast shutdown
    BENCH_VOTE_RATE=80 ...             # votes sent per second (default 80)

It RESTARTS the PostgreSQL server it runs against (so run it under the bench
lock, never beside other work on that server), as root or the cluster's owner:
Debian's `pg_ctlcluster` when the cluster has a Debian name, else `pg_ctl`.

Two gunicorn instances share a throw-away database and Redis database
(bench/_server.py). Of bench/vote_burst.py's 2,000 signed-in members, the first
BENCH_FAULT_VOTES (default 1,000: each burst then fits well inside CI's time on two
cores) vote, alternately on either server, through the meeting page's form (4 in
5) or the member API (1 in 5), sent at a steady BENCH_VOTE_RATE. Two bursts, one
motion each:

1. workers: the first server's workers are all SIGKILLed at 30 % of the burst, and
   again once their replacements have answered a few votes; gunicorn's master
   starts new ones each time.
2. postgres: PostgreSQL is stopped at 30 % of the burst, left down for a second and
   started again; gunicorn is not restarted.

Every answer is classified (bench/_voters.py: success, refused, error, dropped).
After each burst, before anything is retried: every success counted; no error or
refusal counted (a 5xx whose vote counted would tell a member to vote again when
they cannot); a dropped connection may have counted (reported). Then every member
without a success votes again: they succeed, or are refused "already voted" only
if their first vote counted. At the end voter records == filled ballots == the
members who voted, no member twice, every receipt a client saw is a ballot's, and
the tally equals what the members chose. Exits non-zero when any of this fails.
"""

import asyncio
import collections
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import _voters as voting
from bench._members import open_motion
from bench._server import BenchSite

WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
RATE = float(os.environ.get("BENCH_VOTE_RATE", "80"))  # votes sent per second
VOTES = int(os.environ.get("BENCH_FAULT_VOTES", "1000"))  # votes in each burst
API_SHARE = 5  # 1 in API_SHARE votes goes through the member API
FAULTS = os.environ.get("BENCH_FAULTS", "workers,postgres").split(",")
PG_STOP_MODE = os.environ.get("BENCH_PG_STOP_MODE", "fast")
PG_DOWN_SECONDS = 1.0
ALREADY_VOTED = ("You have already voted on this item.", "API 409 already_voted")


# PostgreSQL, stopped and started -----------------------------------------------------------


class PostgresServer:
    """The local PostgreSQL cluster the benchmark's database lives on."""

    def __init__(self, site):
        host = urlsplit(site.server_url).hostname or "localhost"
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"faults: PostgreSQL at {host} is not local; it cannot be restarted.")
        with site.admin_connection() as conn:
            self.data_directory = conn.execute("SHOW data_directory").fetchone()[0]
            cluster = conn.execute("SHOW cluster_name").fetchone()[0]
        self.site = site
        self.stopped = False
        debian = re.fullmatch(r"(\d+)/(\S+)", cluster)
        if debian and shutil.which("pg_ctlcluster"):
            version, name = debian.groups()
            base = ["pg_ctlcluster", "--skip-systemctl-redirect", "-m", PG_STOP_MODE, version, name]
            self.stop_command, self.start_command = [*base, "stop"], [*base, "start"]
            self.how = f"pg_ctlcluster {version} {name} (-m {PG_STOP_MODE})"
        else:
            pg_ctl = shutil.which("pg_ctl") or "pg_ctl"
            owner = Path(self.data_directory).owner()
            run_as = ["runuser", "-u", owner, "--"] if os.geteuid() == 0 else []
            directory = ["-D", self.data_directory]
            self.stop_command = [*run_as, pg_ctl, *directory, "-m", PG_STOP_MODE, "-w", "stop"]
            log = str(Path(self.data_directory) / "bench-restart.log")
            self.start_command = [*run_as, pg_ctl, *directory, "-l", log, "-w", "start"]
            self.how = f"pg_ctl -D {self.data_directory} (-m {PG_STOP_MODE})"

    def _run(self, command):
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
        if result.returncode:
            raise RuntimeError(f"{' '.join(command)}: {result.stderr.strip() or result.stdout}")

    def stop(self):
        self.stopped = True
        self._run(self.stop_command)

    def answers(self):
        try:
            self.site.admin_connection().close()
        except Exception:
            return False
        return True

    def start(self):
        if not self.answers():  # a stop that failed may have left it running
            self._run(self.start_command)
        deadline = time.monotonic() + 30
        while not self.answers():
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not answer within 30 s of starting")
            time.sleep(0.1)
        self.stopped = False

    def ensure_started(self):
        """Start the server again if this script stopped it and it is still down."""
        if self.stopped:
            try:
                self.start()
            except Exception as error:
                print(f"faults: could not start PostgreSQL again: {error}", file=sys.stderr)


# Bursts --------------------------------------------------------------------------------------


def plan(voters, choices, rng, item_seed):
    """One vote per member at a steady rate, in a shuffled order, on alternate servers."""
    order = list(voters)
    random.Random(item_seed).shuffle(order)  # noqa: S311 - repeatable test data
    jobs = []
    for n, voter in enumerate(order):
        via = "api" if voter.index % API_SHARE == 1 else "form"
        choice = rng.choices(choices, weights=[6, 3, 1])[0]
        attempt = voting.Attempt(voter, voter.index % 2, via, choice.pk)
        jobs.append(voting.Job([attempt], at=n / RATE))
    return jobs


def run_with_fault(site, meeting, item, jobs, fault):
    """The burst with the fault beside it; returns (attempts, wall seconds, fault events)."""
    events = []
    wall = asyncio.run(voting.burst(site, meeting, item, jobs, during=fault(events)))
    from django.db import connections

    connections.close_all()  # this process's connection may have died with PostgreSQL
    attempts = [attempt for job in jobs for attempt in job.attempts]
    return attempts, wall, events


def kill_workers_fault(site, duration, jobs):
    """SIGKILL app1's workers at 30 % of the burst, and again once the new ones have
    answered some votes (so they are busy, not still starting, when they are killed);
    each time when app1 has several votes under way (waiting at most 2 s for that)."""
    attempts = [attempt for job in jobs for attempt in job.attempts]

    def answered_since(moment):
        return sum(a.server == 0 and a.kind == "success" and a.started > moment for a in attempts)

    def under_way():
        return sum(a.server == 0 and a.started > 0 and not a.kind for a in attempts)

    def fault(events):
        async def run(progress):
            await asyncio.sleep(max(0.0, 0.3 * duration - progress.now()))
            for n in range(2):
                waited_until = progress.now() + 2
                while under_way() < 2 and progress.now() < waited_until:
                    await asyncio.sleep(0.005)
                busy = under_way()
                pids = site.servers[0].kill_workers()
                killed_at = progress.now()
                events.append(
                    (killed_at, f"SIGKILL to app1's {len(pids)} workers ({busy} votes under way)")
                )
                if n == 0:
                    while answered_since(killed_at) < 10 and progress.now() < duration:
                        await asyncio.sleep(0.05)

        return run

    return fault


def restart_postgres_fault(postgres, duration):
    def fault(events):
        async def run(progress):
            await asyncio.sleep(max(0.0, 0.3 * duration - progress.now()))
            events.append((progress.now(), f"stopping PostgreSQL ({postgres.how})"))
            try:
                await asyncio.to_thread(postgres.stop)
                events.append((progress.now(), "PostgreSQL stopped"))
                await asyncio.sleep(PG_DOWN_SECONDS)
            finally:
                events.append((progress.now(), "starting PostgreSQL"))
                await asyncio.to_thread(postgres.start)
            events.append((progress.now(), "start command done; PostgreSQL answers again"))

        return run

    return fault


def retry(site, meeting, item, attempts):
    """Every member whose vote did not succeed votes again (same server, route, choice)."""
    again = [
        voting.Attempt(a.voter, a.server, a.via, a.choice) for a in attempts if a.kind != "success"
    ]
    asyncio.run(voting.burst(site, meeting, item, [voting.Job([a]) for a in again]))
    return again


def wait_for_workers(server, old_pids, timeout=60):
    """Seconds until the server again has its full count of workers, all new."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        pids = server.worker_pids()
        if len(pids) == server.workers and not set(pids) & set(old_pids):
            return time.monotonic() - began
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not get its workers back:\n{server.log_tail()}")


def first_success_after(attempts, moment):
    """Per server, seconds after `moment` when the first vote sent after it succeeded."""
    found = {}
    for a in sorted(attempts, key=lambda a: a.started):
        if a.started >= moment and a.kind == "success" and a.server not in found:
            found[a.server] = a.finished - moment
    return found


# Checks ----------------------------------------------------------------------------------------


def fault_burst(checks, site, meeting, chair, voters, rng, name, make_fault):
    """A new motion; one vote from each of the voters, at RATE, with the fault that
    `make_fault(jobs)` makes beside them; checked (check_fault). Returns the figures."""
    from meetings.ballots.models import BallotItem

    position = BallotItem.objects.filter(meeting=meeting).count() + 1
    item, choices = open_motion(meeting, chair, position)
    jobs = plan(voters, choices, rng, position)
    return check_fault(checks, site, meeting, item, choices, jobs, make_fault(jobs), name)


def check_fault(checks, site, meeting, item, choices, jobs, fault, name):
    """Run one burst with its fault, check, retry, check again; returns the figures."""
    attempts, wall, events = run_with_fault(site, meeting, item, jobs, fault)
    print(f"\n[{name}] burst of {len(attempts):,} votes at {RATE:.0f}/s, {wall:.1f} s:")
    for at, what in events:
        print(f"  {at:6.2f} s  {what}")
    voting.print_outcomes("  first attempts", attempts)
    kinds = collections.Counter(a.kind for a in attempts)

    counted = voting.counted_members(item)
    print("  before any retry:")
    wrong = collections.Counter()
    for a in attempts:
        is_counted = a.voter.member.pk in counted
        if a.kind == "success" and not is_counted:
            wrong["success not counted"] += 1
        if a.kind in ("error", "refused") and is_counted:
            wrong[f"{a.kind} ({a.detail}) but counted"] += 1
    dropped = [a for a in attempts if a.kind == "dropped"]
    dropped_counted = sum(a.voter.member.pk in counted for a in dropped)
    timeouts = sum("no answer" in a.detail for a in dropped)
    checks.check(f"[{name}] successes counted; no error or refusal counted", not wrong)
    for what, n in wrong.items():
        print(f"      {n:,} × {what}")
    checks.check(f"[{name}] no request unanswered until the timeout", timeouts == 0)
    print(
        f"    dropped connections: {len(dropped):,} "
        f"({dropped_counted:,} had counted, {len(dropped) - dropped_counted:,} had not)"
    )
    errors = [a for a in attempts if a.kind == "error"]
    if errors:
        slowest = max(a.finished - a.started for a in errors)
        first, last = min(a.started for a in errors), max(a.started for a in errors)
        print(
            f"    errors: sent from {first:.2f} s to {last:.2f} s, each answered within "
            f"{slowest:.2f} s"
        )
    records, ballots = voting.final_counts(item)
    checks.check(f"[{name}] voter records == sealed ballots", records == ballots, f"{records:,}")

    again = retry(site, meeting, item, attempts)
    outcomes = collections.Counter()
    for a in again:
        was_counted = a.voter.member.pk in counted
        if not was_counted and a.kind == "success":
            outcomes["not counted before: succeeded now"] += 1
        elif was_counted and a.kind == "refused" and a.detail in ALREADY_VOTED:
            outcomes["counted before: refused, already voted"] += 1
        else:
            outcomes[
                f"UNEXPECTED {'counted' if was_counted else 'not counted'}: {a.kind} {a.detail}"
            ] += 1
    print(f"  retries: {len(again):,}")
    for what, n in outcomes.most_common():
        print(f"      {n:,} × {what}")
    checks.check(
        f"[{name}] retries succeed, or 'already voted' if counted",
        not any(what.startswith("UNEXPECTED") for what in outcomes),
    )

    successes = [a for a in attempts + again if a.kind == "success"]
    final_choice = {a.voter.member.pk: a.choice for a in attempts}  # retries repeat the choice
    print("  after the retries, the chair closes the item and its ballots are counted:")
    voting.close_and_count(item, meeting.chairs.first())
    voting.check_item(checks, item, choices, final_choice, [a.receipt for a in successes])
    records, ballots = voting.final_counts(item)
    return {
        "attempted": len(attempts),
        "succeeded": kinds["success"],
        "refused": kinds["refused"],
        "errors": kinds["error"],
        "dropped": kinds["dropped"],
        "dropped, had counted": dropped_counted,
        "retried": len(again),
        "retries succeeded": sum(a.kind == "success" for a in again),
        "voter records": records,
        "ballots": ballots,
        "attempts": attempts,
        "events": events,
    }


def idle_in_transaction(site):
    with site.admin_connection() as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = %s AND state LIKE 'idle in transaction%%'",
            [site.db_name],
        ).fetchone()[0]


# Main ------------------------------------------------------------------------------------------


def main():
    began = time.perf_counter()
    checks = voting.Checks()
    figures = {}
    with BenchSite("faults", workers=WORKERS) as site:
        postgres = PostgresServer(site) if "postgres" in FAULTS else None
        try:
            site.setup_django(collectstatic=True)
            meeting, voters, chair = voting.prepare_voters()
            for _ in range(2):
                site.add_server()
            print(
                f"{len(voters):,} members signed in; two gunicorns ({site.description} each), "
                "one database, one Redis",
                flush=True,
            )
            rng = random.Random(2026)  # noqa: S311 - repeatable test data, not secrets
            voting_now = voters[:VOTES]
            duration = len(voting_now) / RATE
            burst = (checks, site, meeting, chair, voting_now, rng)
            if "workers" in FAULTS:
                app1 = site.servers[0]
                old = app1.worker_pids()
                result = fault_burst(
                    *burst, "workers", lambda jobs: kill_workers_fault(site, duration, jobs)
                )
                seconds = wait_for_workers(app1, old)
                print(f"  app1 has {app1.workers} new workers ({seconds:.1f} s after the burst)")
                figures["workers"] = result
            if "postgres" in FAULTS:
                workers_before = set(site.worker_pids())
                result = fault_burst(
                    *burst, "postgres", lambda jobs: restart_postgres_fault(postgres, duration)
                )
                checks.check(
                    "[postgres] the same gunicorn workers throughout",
                    set(site.worker_pids()) == workers_before,
                    f"{len(workers_before)}",
                )
                up = next(at for at, what in result["events"] if "answers again" in what)
                back = first_success_after(result["attempts"], up)
                shown = ", ".join(f"app{s + 1} +{t:.2f} s" for s, t in sorted(back.items()))
                print(f"  first vote sent after PostgreSQL was back that succeeded: {shown}")
                checks.check(
                    "[postgres] both servers serve votes again, not restarted", len(back) == 2
                )
                figures["postgres"] = result
            left = idle_in_transaction(site)
            checks.check("no database session left idle in a transaction", left == 0, f"{left}")
        finally:
            if postgres is not None:
                postgres.ensure_started()

    print("\nFigures:")
    print(f"  {'':<22}" + "".join(f"{name:>12}" for name in figures))
    for label in (
        "attempted",
        "succeeded",
        "refused",
        "errors",
        "dropped",
        "dropped, had counted",
        "retried",
        "retries succeeded",
        "voter records",
        "ballots",
    ):
        print(f"  {label:<22}" + "".join(f"{f[label]:>12,}" for f in figures.values()))
    print(f"faults: {time.perf_counter() - began:.0f} s in all")
    if not checks.ok:
        raise SystemExit(f"faults: FAILED: {'; '.join(checks.failed)}")


if __name__ == "__main__":
    main()
