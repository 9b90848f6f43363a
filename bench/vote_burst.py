"""Bursts of 2,000 votes on gunicorn and PostgreSQL: the floor app beside the site's votes.

    .venv/bin/python -m bench.vote_burst
    BENCH_ROUNDS=5 .venv/bin/python -m bench.vote_burst          # rounds (default 3)
    BENCH_VOTE_PATHS=floor,fetch .venv/bin/python -m bench.vote_burst  # some paths only
    BENCH_WORKERS=6 ...                                        # gunicorn workers (default 4)
    BENCH_WORKER_CLASS=gthread ...                             # gunicorn's threaded workers

Runs against a throw-away PostgreSQL database and Redis database of its own
(bench/_server.py: production settings, gunicorn on a free 127.0.0.1 port),
removed at the end. 2,000 members of one Chapter with confirmed accounts are
signed in before anything is timed: their sessions are written as `login`
leaves them (the session table and, with the cached_db engine, the shared
cache), each with a CSRF cookie and form token pair, and each holds a member API
token. Four paths take the same members' votes, each burst on a new item, with
the same 200 concurrent clients (one connection per request):

* floor: the floor app (bench/floor/: the least a real vote does on this stack,
  served by its own gunicorn with the same settings, database, Redis and
  sessions): `POST /items/<n>/vote/`, csrfmiddlewaretoken + choice; a 302;
* form: the site's meeting page form, `POST /meeting-vote/<meeting id>/<item id>/`
  (csrfmiddlewaretoken + choice, session cookie); a 302 without a refusal message;
* fetch: the same form as static/js/meeting.js posts it (`X-Requested-With: fetch`);
  a 200 whose HTML shows the receipt;
* api: the member API, `POST /api/member/v1/meetings/<id>/ballot/<item id>/vote/`,
  JSON, a token each; a 201.

After a warm-up burst of 100 votes on each path, every round runs one burst of
each path in turn (the order rotating each round), so other work on the machine
does not land on one path only; the chair closes each of the site's items after
its burst. After each burst the database is checked: ballots = voter records =
votes sent, no member twice, distinct receipts, the tally equals what the clients
sent. Printed per path: votes/s (median of the rounds), latency p50/p95/p99 (all
the votes), errors, the CPU per vote of the app's gunicorn workers and of
PostgreSQL, and the ratio of the site's CPU per vote to the floor's. Then the
queries and Redis commands of one site vote on each path (in-process, same settings) and pgbench's
single-row INSERT rate on the same PostgreSQL server, for comparison.

Figures (CPU per vote, app + PostgreSQL, × the floor in the same run; a busy machine):
- before issue 17 (from the issue): the form vote 2.4 × the floor; in-process the
  "one vote" line mostly timed each test client's first-request middleware build.
- after (BENCH_ROUNDS=2): floor 5.27 ms; form 6.89 ms (1.31 ×), fetch 7.16 ms
  (1.36 ×), API 7.94 ms (1.51 ×); a form vote 3 statements besides BEGIN/COMMIT;
  in-process 6.0 ms a form vote through one handler.
- later, on a quiet machine (BENCH_ROUNDS=3, 4bcc368): floor 3.05 ms; form 1.63 ×, fetch
  1.82 ×, API 1.67 ×; 5 Redis commands a vote.
- after the vote's cache reads in one MGET (casting.vote_reads), the signed-in user found
  by a compiled query (members/auth_backends.py), the Content-Security-Policy built once
  (cms/content_security_policy.py) and the compiled queries prepared on the server, on a
  quiet machine (BENCH_ROUNDS=3): floor 3.59 ms (app 2.92 + PostgreSQL 0.67); form
  4.16 ms (1.16 ×; app alone 1.20 ×), fetch 4.46 ms (1.24 ×; 1.30 ×), API 4.64 ms
  (1.29 ×; 1.35 ×); 3 statements and 3 Redis commands a vote; in-process 3.2-3.5 ms a
  vote (was 4.2-4.4).
- after the user comes with their member in one statement (by session or by token), on
  a quiet machine but slower that day (the floor 4.49-4.70 ms), two runs
  (BENCH_ROUNDS=3, d8b89f2): form 1.28 and 1.14 ×, fetch 1.33 and 1.26 ×, API 1.42 and
  1.33 × (app alone: form 1.31 / 1.16, fetch 1.38 / 1.30, API 1.48 / 1.38); 2 statements
  and 3 Redis commands a vote; in-process 3.8-5.4 ms a vote. An in-process A/B of the
  one statement against the two (300 votes a path, alternately) showed no difference
  beyond the noise (3.7-4.3 against 3.9-5.5 ms). The API's vote stays just over 1.3 ×:
  DRF's dispatch, its throttle's own Redis script and the serializer are what it pays
  beyond the form.
- after the member API's vote stopped paying DRF's per-user throttle beside the vote
  limit (2a6abdd; its documented 429 is the vote limit's), on a quiet and faster machine
  (BENCH_ROUNDS=3): base 4ffc50d the same day, floor 2.58 ms: form 1.14 ×, fetch 1.23 ×,
  API 1.32 × (app alone 1.37 ×); after, floor 2.26 ms: form 1.17 ×, fetch 1.25 ×, API
  1.25 × (1.28 ×); once more on the final tree (327bc45, floor 3.05 ms): form 1.24 ×,
  fetch 1.28 ×, API 1.22 ×. 2 statements a vote; 3 Redis commands (the API's 2).
- later on 2026-12-07, on a quiet machine (BENCH_ROUNDS=3, 8a38fe4: hiredis, the attendance
  times kept), two runs, floor 2.83 and 2.70 ms: form 1.16 and 1.14 ×, fetch 1.25 and
  1.28 ×, API 1.25 and 1.24 × (app alone 1.20 / 1.18, 1.32 / 1.35, 1.30 / 1.30 ×);
  499-518, 448-455 and 474-493 votes/s against the floor's 575-597.
"""

import asyncio
import collections
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench._members import api_tokens, make_meeting_and_members, open_motion, sign_in
from bench._redis_commands import redis_commands
from bench._server import ROOT, BenchSite
from bench._voters import close_and_count, http

MEMBERS = 2_000
# The floor app signs in with Django's own backend (bench/floor/settings.py keeps Django's
# default AUTHENTICATION_BACKENDS); the site with its own (members/auth_backends.py).
FLOOR_BACKEND = "django.contrib.auth.backends.ModelBackend"
WARM_UP_VOTES = 100  # on each path before the first round
CLIENTS = 200
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TARGET_VOTES_PER_SECOND = 700
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
BURST_TIMEOUT = 120.0  # seconds, one burst
PGBENCH_SECONDS = 10
IN_PROCESS_VOTES = 200
PATHS = {
    "floor": "floor app (bench/floor)",
    "form": "site: meeting page's form",
    "fetch": "site: page's script (fetch)",
    "api": "site: member API",
}
CHOSEN = [name for name in os.environ.get("BENCH_VOTE_PATHS", ",".join(PATHS)).split(",") if name]
FLOOR_CHOICES = [1, 2, 3]  # For, Against, Abstain: bench/floor/views.py


@dataclass
class Burst:
    """One path's votes on one item: what was sent, what came back, the CPU it took."""

    path: str  # a key of PATHS
    round: int  # 0 for the warm-up
    item: object  # the site's BallotItem, or the floor's item number
    choices: list  # the site's Choices, or the floor's numbers
    results: list = field(default_factory=list)  # (kind, seconds or None, choice, why)
    wall: float = 0.0
    cpu: dict = field(default_factory=dict)
    checked: bool = False

    def choice_key(self, choice):
        return choice if self.path == "floor" else choice.pk

    @property
    def votes(self):
        return sum(kind == "ok" for kind, *_ in self.results)


@dataclass
class Voters:
    """The signed-in members and what each sends: [(cookie, form token)], [API key], and
    [(cookie, form token)] of their sessions for the floor app (signed in through Django's
    own backend, which is all the floor has; the site's sessions name the site's)."""

    meeting: object
    chair: object
    members: list
    credentials: list
    keys: list
    floor_credentials: list


# The requests ----------------------------------------------------------------------------


def requests_for(burst, voters, count, rng):
    """(path, headers, body, choice key) of one vote from each of the first `count` members."""
    import json

    from django.urls import reverse

    if burst.path == "floor":
        path = f"/items/{burst.item}/vote/"
    elif burst.path == "api":
        path = f"/api/member/v1/meetings/{voters.meeting.pk}/ballot/{burst.item.pk}/vote/"
    else:
        path = reverse("meetings:vote", args=[voters.meeting.pk, burst.item.pk])
    jobs = []
    credentials = voters.floor_credentials if burst.path == "floor" else voters.credentials
    for (cookie, token), key in list(zip(credentials, voters.keys, strict=True))[:count]:
        choice = burst.choice_key(rng.choices(burst.choices, weights=[6, 3, 1])[0])
        if burst.path == "api":
            headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
            body = json.dumps({"choices": [choice]})
        else:
            headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
            if burst.path == "fetch":
                headers["X-Requested-With"] = "fetch"
            body = urlencode({"csrfmiddlewaretoken": token, "choice": choice})
        jobs.append((path, headers, body.encode(), choice))
    return jobs


def outcome(path, response):
    """("ok" or "failed" or "refused", why): the form redirects (302) whether or not the
    vote counted, and says a refusal in a message; the page's script gets 200 and HTML
    that shows the receipt, or the refusal instead; the API answers 201; the floor
    redirects (302) only when the vote counted."""
    status = response.status
    expected = {"fetch": 200, "api": 201}.get(path, 302)
    if status != expected:
        return "failed", f"HTTP {status}"
    if path == "fetch" and b'class="receipt"' not in response.body:
        return "refused", "200 without a receipt"
    if path == "form" and any(c.startswith("messages=") for c in response.header("set-cookie")):
        return "refused", "302 with a refusal message"
    return "ok", ""


async def send_all(port, burst, jobs):
    """Post every job with CLIENTS concurrent clients, into burst.results."""
    queue = collections.deque(jobs)

    async def client():
        while queue:
            path, headers, body, choice = queue.popleft()
            started = time.perf_counter()
            try:
                response = await http(port, "POST", path, headers, body)
            except (OSError, TimeoutError, ValueError) as error:
                burst.results.append(("failed", None, choice, type(error).__name__))
                continue
            kind, why = outcome(burst.path, response)
            burst.results.append((kind, time.perf_counter() - started, choice, why))

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(CLIENTS))), BURST_TIMEOUT)
    burst.wall = time.perf_counter() - started


# Checks ------------------------------------------------------------------------------------


def site_figures(burst):
    """The site's voter records and ballots of the burst's item, and its tally."""
    from meetings.ballots.models import Ballot, VoterRecord
    from meetings.ballots.results import tally

    records = VoterRecord.objects.filter(item=burst.item)
    filled = Ballot.objects.filter(item=burst.item)
    counts, _cast = tally(burst.item, burst.choices)
    figures = {
        "voter records": records.count(),
        "records beyond one a member": records.count()
        - records.values("member").distinct().count(),
        "ballots": filled.count(),
        "distinct receipts": filled.values("receipt").distinct().count(),
        "sealed ballots left after the count": records.filter(sealed_ballot__isnull=False).count(),
    }
    return figures, {choice.pk: counts[choice.position] for choice in burst.choices}


def floor_figures(burst):
    """The same for the floor app's item, from its tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) - count(DISTINCT member_id) FROM floor_voterrecord "
            "WHERE item_id = %s",
            [burst.item],
        )
        records, repeated = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(DISTINCT receipt) FROM floor_ballot WHERE item_id = %s",
            [burst.item],
        )
        ballots, receipts = cursor.fetchone()
        cursor.execute(
            "SELECT choice, count(*) FROM floor_ballot WHERE item_id = %s GROUP BY choice",
            [burst.item],
        )
        counts = dict(cursor.fetchall())
    figures = {
        "voter records": records,
        "records beyond one a member": repeated,
        "ballots": ballots,
        "distinct receipts": receipts,
    }
    return figures, {choice: counts.get(choice, 0) for choice in burst.choices}


def check(burst, sent_votes):
    """Ballots = voter records = votes sent, no member twice, distinct receipts, and the
    tally equals what the clients sent; sets burst.checked and returns a line saying so."""
    figures, tallied = (floor_figures if burst.path == "floor" else site_figures)(burst)
    expected = {label: sent_votes for label in figures}
    expected["records beyond one a member"] = 0
    if "sealed ballots left after the count" in figures:  # the site's, once counted
        expected["sealed ballots left after the count"] = 0
    sent = collections.Counter(choice for kind, _, choice, _ in burst.results if kind == "ok")
    wanted = {key: sent.get(key, 0) for key in map(burst.choice_key, burst.choices)}
    burst.checked = figures == expected and tallied == wanted
    if burst.checked:
        return f"ballots = voter records = {sent_votes:,}, tally = sent: ok"
    wrong = {label: f"{value} (expected {expected[label]})" for label, value in figures.items()}
    return f"FAILED: {wrong}; tally {tallied}, sent {wanted}"


# Measuring ---------------------------------------------------------------------------------


def centiles(seconds):
    """Latency p50, p95 and p99 in ms."""
    if len(seconds) < 2:  # quantiles wants two
        return [1000 * seconds[0] if seconds else 0.0] * 3
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return [1000 * cuts[49], 1000 * cuts[94], 1000 * cuts[98]]


def run_burst(site, servers, voters, burst, count, rng):
    """One burst, timed, its CPU counted, checked; prints a line and returns the burst."""
    jobs = requests_for(burst, voters, count, rng)
    server = servers["floor" if burst.path == "floor" else "site"]
    before = site.cpu_snapshot([server])
    asyncio.run(send_all(server.port, burst, jobs))
    burst.cpu = site.cpu_used(before, site.cpu_snapshot([server]))
    counted = ""
    if burst.path != "floor":
        # As the chair would before the next motion: the close counts the sealed ballots.
        counted = (
            f"; closed and counted in {1000 * close_and_count(burst.item, voters.chair):.0f} ms"
        )
    verdict = check(burst, len(jobs)) + counted
    votes = max(burst.votes, 1)
    p50, p95, p99 = centiles([s for kind, s, *_ in burst.results if s is not None])
    errors = len(burst.results) - burst.votes
    print(
        f"  {'warm-up' if burst.round == 0 else f'round {burst.round}'} {burst.path:<5} "
        f"{burst.votes:>5,} votes in {burst.wall:5.1f} s = {burst.votes / burst.wall:4.0f}/s, "
        f"p50/p95/p99 {p50:4.0f}/{p95:4.0f}/{p99:4.0f} ms, {errors} errors, "
        f"app {1000 * burst.cpu['workers'] / votes:4.1f} + PostgreSQL "
        f"{1000 * burst.cpu['backends'] / votes:3.1f} ms/vote; {verdict}",
        flush=True,
    )
    return burst


def new_burst(path, round_, voters, position):
    if path == "floor":
        return Burst(path, round_, position, FLOOR_CHOICES)
    item, choices = open_motion(voters.meeting, voters.chair, position)
    return Burst(path, round_, item, choices)


def print_summary(bursts):
    """Per path over the rounds: rate, latency, errors, CPU per vote, ratio to the floor."""
    cores = os.cpu_count() or 1
    rows = {}
    for path in CHOSEN:
        mine = [b for b in bursts if b.path == path and b.round > 0]
        votes = sum(b.votes for b in mine)
        latencies = [s for b in mine for kind, s, *_ in b.results if s is not None]
        app = sum(b.cpu["workers"] for b in mine) / max(votes, 1)
        database = sum(b.cpu["backends"] for b in mine) / max(votes, 1)
        rows[path] = {
            "rate": statistics.median(b.votes / b.wall for b in mine),
            "centiles": centiles(latencies),
            "errors": sum(len(b.results) - b.votes for b in mine),
            "app": app,
            "database": database,
            "total": app + database,
        }
    floor = rows.get("floor")
    print(
        f"\nPer path, {ROUNDS} rounds of {MEMBERS:,} votes (votes/s: median of the rounds; "
        "latency: all the votes; CPU: all the rounds' CPU ÷ their votes):"
    )
    print(
        f"  {'':<30} {'votes/s':>7} {'p50':>5} {'p95':>5} {'p99 ms':>6} {'errors':>6}"
        f"  {'app':>5} {'PG':>4} {'total':>5} ms CPU/vote  {'× floor (total, app)':>20}"
    )
    for path, row in rows.items():
        p50, p95, p99 = row["centiles"]
        ratio = ""
        if floor and path != "floor":
            ratio = f"{row['total'] / floor['total']:.2f} ×, {row['app'] / floor['app']:.2f} ×"
        print(
            f"  {PATHS[path]:<30} {row['rate']:>7.0f} {p50:>5.0f} {p95:>5.0f} {p99:>6.0f} "
            f"{row['errors']:>6}  {1000 * row['app']:>5.2f} {1000 * row['database']:>4.2f} "
            f"{1000 * row['total']:>5.2f}              {ratio:>20}"
        )
    print(
        f"\nBy CPU alone, {cores} otherwise idle cores would serve "
        f"(target {TARGET_VOTES_PER_SECOND}/s):"
    )
    for path, row in rows.items():
        could = cores / row["total"]
        print(
            f"  {PATHS[path]:<30} about {could:5.0f} votes/s "
            f"({could / TARGET_VOTES_PER_SECOND:.2f} × target)"
        )
    measured = [b for b in bursts if b.round > 0]
    client = sum(b.cpu["client"] for b in measured)
    others = sum(b.cpu["others"] for b in measured)
    wall = sum(b.wall for b in measured)
    print(
        f"  (during the {wall:.0f} s of measured bursts the load client used {client:.0f} s of "
        f"CPU and everything else on the machine {others:.0f} s: rates move with that, the "
        "CPU per vote much less)"
    )
    return rows


def queries_of_one_vote(voters, path, first_user):
    """Post votes the burst's way, in this process (same settings), on a new item, and list
    the queries of the second: the first vote on an item also fills the shared cache (item,
    choices). Then time IN_PROCESS_VOTES more votes' CPU in this process (the app's share,
    no PostgreSQL)."""
    from http.cookies import SimpleCookie

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from meetings.ballots.models import BallotItem

    meeting = voters.meeting
    position = BallotItem.objects.filter(meeting=meeting).count() + 100
    item, choices = open_motion(meeting, voters.chair, position)
    members = voters.members[first_user : first_user + 2 + IN_PROCESS_VOTES]
    users = [m.account for m in members]
    from meetings.proxies.rules import member_proxies

    for member in members:  # as their meeting pages do (cached for 10 minutes)
        member_proxies(meeting.pk, member)

    # One test client, so one handler: Django builds a handler's middleware chain on its
    # first request (tens of ms), which is no part of a vote. Each voter is a set of
    # cookies (or a token) the client takes in turn.
    client = Client(HTTP_HOST="127.0.0.1")

    def signed_in(user):
        if path == "api":
            from members.api.access import issue_token

            return {"HTTP_AUTHORIZATION": f"Token {issue_token(user)}"}
        client.cookies = SimpleCookie()
        client.force_login(user)
        return client.cookies

    def post(voter):
        headers = {}
        if path == "api":
            client.cookies = SimpleCookie()
            extra = voter
        else:
            client.cookies = voter
            extra = {}
        if path == "api":
            url = f"/api/member/v1/meetings/{meeting.pk}/ballot/{item.pk}/vote/"
            response = client.post(url, {"choices": [choices[0].pk]}, "application/json", **extra)
        else:
            url = reverse("meetings:vote", args=[meeting.pk, item.pk])
            if path == "fetch":
                headers = {"X-Requested-With": "fetch"}
            response = client.post(url, {"choice": choices[0].pk}, headers=headers)
        expected = {"fetch": 200, "api": 201}.get(path, 302)
        assert response.status_code == expected, response.status_code

    counted = []  # read at once: the next request empties the connection's query log
    for user in users[:2]:
        voter = signed_in(user)
        with CaptureQueriesContext(connection) as context, redis_commands() as commands:
            post(voter)
        counted.append(context.captured_queries)
    first, queries = counted
    voters_ = [signed_in(user) for user in users[2:]]
    started = time.process_time()
    for voter in voters_:
        post(voter)
    cpu = time.process_time() - started
    print(
        f"\nQueries of one vote, {PATHS[path]} (in-process, same settings): {len(queries)} "
        f"(the item's first vote: {len(first)}); CPU of one vote in this process (one test "
        f"client's handler, {len(voters_)} votes): {1000 * cpu / len(voters_):.1f} ms"
    )
    print(f"  Redis commands of that vote: {len(commands)} ({', '.join(commands)})")
    for n, query in enumerate(queries, 1):
        sql = " ".join(query["sql"].split())
        print(f"  {n:>2}. {sql[:110]}{'…' if len(sql) > 110 else ''}")


def pgbench_inserts(site, clients):
    """Single-row INSERTs/s for PGBENCH_SECONDS into a scratch table in the bench database."""
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        print("pgbench not found (Debian: postgresql-client / postgresql-contrib): skipped")
        return None
    import psycopg

    with psycopg.connect(site.database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert "
            "(id uuid PRIMARY KEY, item_id bigint NOT NULL, member_id bigint NOT NULL)"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(
            "\\set m random(1, 1000000000)\n"
            "INSERT INTO bench_insert (id, item_id, member_id) "
            "VALUES (gen_random_uuid(), 1, :m);\n"
        )
    command = [pgbench, "-n", "-f", script.name, "-c", str(clients), "-j", "2"]
    command += ["-T", str(PGBENCH_SECONDS), site.database_url]
    try:
        result = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, timeout=PGBENCH_SECONDS + 60, check=False
        )
    finally:
        os.unlink(script.name)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if result.returncode or match is None:
        print(f"pgbench failed ({result.returncode}): {result.stderr.strip()[:300]}")
        return None
    return float(match.group(1))


def compare_with_pgbench(site, rows):
    from django.db import connections

    connections.close_all()
    with site.admin_connection() as conn:
        limit = int(conn.execute("SHOW max_connections").fetchone()[0])
        in_use = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()[0]
    clients = max(1, min(CLIENTS, limit - in_use - 10))  # as near the burst's as allowed
    print(f"\npgbench single-row INSERT, {PGBENCH_SECONDS} s each, same PostgreSQL server:")
    for concurrency in dict.fromkeys([clients, WORKERS]):
        inserts = pgbench_inserts(site, concurrency)
        if inserts:
            shares = ", ".join(f"{path} {row['rate'] / inserts:.3f}" for path, row in rows.items())
            print(
                f"  {concurrency:>3} clients: {inserts:>9.0f} inserts/s; votes/s ÷ inserts/s: "
                f"{shares}"
            )
    print(
        f"  ({clients} is as close to the burst's {CLIENTS} clients as max_connections "
        f"allows; {WORKERS} = the database connections the {WORKERS} workers hold)"
    )


# Main ----------------------------------------------------------------------------------


def main():
    unknown = set(CHOSEN) - PATHS.keys()
    if unknown or not CHOSEN:
        raise SystemExit(f"BENCH_VOTE_PATHS: choose among {', '.join(PATHS)}")
    with BenchSite("vote", workers=WORKERS) as site:
        # Connections kept for the whole run: with production's 60 s a worker would reconnect
        # mid-burst, and the PostgreSQL backend it leaves would take the CPU it spent on
        # that burst's votes away with it, uncounted (reconnecting costs a few ms a minute).
        site.env["DATABASE_CONN_MAX_AGE"] = "3600"
        site.setup_django(collectstatic=True)
        # The floor app's two tables, in the same database (its other apps' tables are the
        # site's: the same users and sessions). It has no migrations: syncdb makes them.
        floor_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.floor.settings"}
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "django", "migrate", "--run-syncdb", "--verbosity", "0"],
            cwd=ROOT,
            env=floor_env,
            check=True,
            timeout=300,
        )

        started = time.perf_counter()
        meeting, members, users, chair = make_meeting_and_members(MEMBERS)
        voters = Voters(
            meeting,
            chair,
            members,
            sign_in(users),
            api_tokens(users),
            sign_in(users, backend=FLOOR_BACKEND) if "floor" in CHOSEN else [],
        )
        # Each member's meeting page, loaded before they vote, caches their proxies (which
        # every vote asks): without this the first burst of the first round alone paid a
        # query and a cache write on each vote.
        from meetings.proxies.rules import member_proxies

        for member in members:
            member_proxies(meeting.pk, member)
        print(
            f"{MEMBERS:,} eligible members signed in (sessions and API tokens) in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        servers = {"site": site.start_server()}
        if "floor" in CHOSEN:
            servers["floor"] = site.add_server(app="bench.floor.wsgi", ready_path="/up/")
        print(
            f"gunicorn, {site.description} each: the site (cms.settings.production via "
            f"bench/settings.py) on {servers['site'].base_url}"
            + (f", the floor app on {servers['floor'].base_url}" if "floor" in servers else "")
            + f"; persistent DB connections\n\n{CLIENTS} concurrent clients, "
            f"{MEMBERS:,} votes a burst, paths in turn: {', '.join(CHOSEN)}",
            flush=True,
        )

        rng = random.Random(2026)  # noqa: S311 - repeatable test data, not secrets
        bursts, position = [], 0
        for round_ in range(ROUNDS + 1):
            turn = round_ % len(CHOSEN)
            for path in CHOSEN[turn:] + CHOSEN[:turn]:
                position += 1
                burst = new_burst(path, round_, voters, position)
                count = WARM_UP_VOTES if round_ == 0 else MEMBERS
                bursts.append(run_burst(site, servers, voters, burst, count, rng))
        site.stop_server()

        rows = print_summary(bursts)
        for n, path in enumerate(p for p in CHOSEN if p != "floor"):
            queries_of_one_vote(voters, path, n * (2 + IN_PROCESS_VOTES))
        compare_with_pgbench(site, rows)

        failed = [b for b in bursts if not b.checked or b.votes < len(b.results)]
        if failed:
            raise SystemExit(
                f"vote_burst: {len(failed)} bursts had errors or failed the database check"
            )


if __name__ == "__main__":
    main()
