"""A burst of 2,000 votes through the meeting page's form, on gunicorn and PostgreSQL.

    .venv/bin/python -m bench.vote_burst
    BENCH_WORKERS=6 .venv/bin/python -m bench.vote_burst     # gunicorn workers (default 4)
    BENCH_VOTE_VIA=api .venv/bin/python -m bench.vote_burst  # the member API instead of the form
    BENCH_VOTE_VIA=fetch ...                                  # the form as the page's script posts
    BENCH_WORKER_CLASS=gthread ...                            # gunicorn's threaded workers

Runs against a throw-away PostgreSQL database and Redis database of its own
(bench/_server.py: production settings, gunicorn on a free 127.0.0.1 port),
removed at the end. 2,000 members of one Chapter with confirmed accounts are
signed in before anything is timed: their sessions are written as `login`
leaves them (the session table and, with the cached_db engine, the shared
cache), each with a CSRF cookie and form token pair. The chair opens
a motion (`open_item`). Then 200 concurrent clients post the 2,000 votes, one
per member, to `/meeting-vote/<meeting id>/<item id>/` exactly as the page's form does
(csrfmiddlewaretoken + choice, session cookie; one connection per request).
With BENCH_VOTE_VIA=fetch the same form posts carry `X-Requested-With: fetch`, as
static/js/meeting.js sends them (the answer is HTML for the page to swap in).
With BENCH_VOTE_VIA=api the same votes go to the member API instead
(`POST /api/member/v1/meetings/<id>/ballot/<item id>/vote/`, JSON, a token each).

Printed: votes/s, latency p50/p95/p99, errors (anything but the form's 302, and
302s that carry a refusal message; with fetch, anything but a 200 carrying a
receipt; with the API, anything but 201), then the database is checked (2,000 filled
ballots, 2,000 voter records, no duplicates, the tally equals what the clients
sent), the queries of one vote are listed, and pgbench's single-row INSERT rate
on the same PostgreSQL server is measured for comparison.
"""

import asyncio
import collections
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from urllib.parse import urlencode

from bench._members import api_tokens, make_meeting_and_members, open_motion, sign_in
from bench._server import BenchSite

MEMBERS = 2_000
CLIENTS = 200
TARGET_VOTES_PER_SECOND = 700
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
REQUEST_TIMEOUT = 30.0  # seconds, one vote
BURST_TIMEOUT = 120.0  # seconds, the whole burst
PGBENCH_SECONDS = 10
VIA = os.environ.get("BENCH_VOTE_VIA", "form")


# Data ----------------------------------------------------------------------------------


def vote_requests(meeting, item, choices, users, rng):
    """(path, extra header lines, content type, body, choice id) for every member's vote."""
    import json

    from django.urls import reverse

    jobs = []
    if VIA == "api":
        path = f"/api/member/v1/meetings/{meeting.pk}/ballot/{item.pk}/vote/"
        for key in api_tokens(users):
            choice = rng.choices(choices, weights=[6, 3, 1])[0]
            body = json.dumps({"choices": [choice.pk]}).encode()
            jobs.append((path, f"Authorization: Token {key}", "application/json", body, choice.pk))
    else:
        path = reverse("meetings:vote", args=[meeting.pk, item.pk])
        for cookie, token in sign_in(users):
            choice = rng.choices(choices, weights=[6, 3, 1])[0]
            body = urlencode({"csrfmiddlewaretoken": token, "choice": choice.pk}).encode()
            form = "application/x-www-form-urlencoded"
            header = f"Cookie: {cookie}"
            if VIA == "fetch":
                header += "\r\nX-Requested-With: fetch"
            jobs.append((path, header, form, body, choice.pk))
    return jobs


# The load ------------------------------------------------------------------------------


async def post(port, path, header, content_type, body):
    """One POST on its own connection: (status, seconds, response head, body)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{header}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(head.encode("ascii") + body)
        await writer.drain()
        response = await reader.read()  # the server closes the connection after the response
    finally:
        writer.close()
    seconds = time.perf_counter() - started
    response_head, _, body = response.partition(b"\r\n\r\n")
    response_head = response_head.decode("latin-1")
    status = int(response_head.split(" ", 2)[1]) if response_head.startswith("HTTP/") else 0
    return status, seconds, response_head, body


def outcome(status, head, body):
    """("ok" or "failed" or "refused", why): the form redirects (302) whether or not the
    vote counted, and says a refusal in a message; the page's script gets 200 and HTML
    that shows the receipt, or the refusal instead; the API answers 201."""
    if VIA == "api":
        return ("ok", "") if status == 201 else ("failed", f"HTTP {status}")
    if VIA == "fetch":
        if status != 200:
            return "failed", f"HTTP {status}"
        if b'class="receipt"' not in body:
            return "refused", "200 without a receipt"
        return "ok", ""
    if status != 302:
        return "failed", f"HTTP {status}"
    if re.search(r"^Set-Cookie: messages=", head, re.MULTILINE | re.IGNORECASE):
        return "refused", "302 with a refusal message"
    return "ok", ""


async def burst(port, jobs):
    """Post every job with CLIENTS concurrent clients; one result per job."""
    queue = collections.deque(jobs)
    results = []

    async def client():
        while queue:
            path, header, content_type, body, choice = queue.popleft()
            try:
                status, seconds, head, body = await asyncio.wait_for(
                    post(port, path, header, content_type, body), REQUEST_TIMEOUT
                )
            except (OSError, TimeoutError, ValueError) as error:
                results.append(("failed", None, choice, repr(error)))
                continue
            kind, why = outcome(status, head, body)
            results.append((kind, seconds, choice, why))

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(CLIENTS))), BURST_TIMEOUT)
    return results, time.perf_counter() - started


def warm_up(site, path, header):
    """Each worker serves the vote URL a few times before the clock starts: a GET, which
    only redirects (the form) or is refused (the API), and records nothing."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    headers = dict(line.split(": ", 1) for line in header.split("\r\n"))
    opener = urllib.request.build_opener(NoRedirect)
    for _ in range(WORKERS * 4):
        request = urllib.request.Request(site.base_url + path, headers=headers)  # noqa: S310
        try:
            opener.open(request, timeout=10).read()
        except urllib.error.HTTPError as response:
            assert response.code in (302, 405), response.code


def print_cpu(cpu, wall, votes):
    """Where the machine's CPU went during the burst, and what that means per vote."""
    cores = os.cpu_count() or 1
    votes = max(votes, 1)
    per_vote = (cpu["workers"] + cpu["backends"]) / votes
    print(f"  CPU used during the burst ({cores} cores × {wall:.1f} s = {cores * wall:.1f} s):")
    for label, seconds in [
        ("gunicorn workers", cpu["workers"]),
        ("PostgreSQL backends of the bench database", cpu["backends"]),
    ]:
        print(f"    {label:<42} {seconds:6.1f} s = {1000 * seconds / votes:5.1f} ms/vote")
    print(f"    {'the load client (this process)':<42} {cpu['client']:6.1f} s")
    print(f"    {'everything else on the machine':<42} {cpu['others']:6.1f} s")
    print(
        f"    → at {1000 * per_vote:.1f} ms of CPU per vote, {cores} otherwise idle cores "
        f"would serve about {cores / per_vote:.0f} votes/s"
    )


# Checks and comparisons --------------------------------------------------------------


def check_database(item, choices, sent):
    from django.db.models import Count

    from meetings.ballots.models import Ballot, VoterRecord
    from meetings.ballots.results import tally

    records = VoterRecord.objects.filter(item=item)
    ballots = Ballot.objects.filter(item=item)
    figures = {
        "voter records": records.count(),
        "distinct members among them": records.values("member").distinct().count(),
        "members with more than one record": records.values("member")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "ballots filled": ballots.filter(selection__isnull=False).count(),
        "distinct receipts": ballots.filter(selection__isnull=False)
        .values("receipt")
        .distinct()
        .count(),
        "ballot slots (filled + empty)": ballots.count(),
    }
    expected = {
        "voter records": MEMBERS,
        "distinct members among them": MEMBERS,
        "members with more than one record": 0,
        "ballots filled": MEMBERS,
        "distinct receipts": MEMBERS,
        "ballot slots (filled + empty)": MEMBERS,
    }
    ok = True
    for label, value in figures.items():
        good = value == expected[label]
        ok &= good
        print(f"  {label:<36} {value:>6,}   {'ok' if good else f'EXPECTED {expected[label]:,}'}")
    counts, cast = tally(item, choices)
    by_label = {choice.label: counts[choice.position] for choice in choices}
    sent_by_label = {choice.label: sent.get(choice.pk, 0) for choice in choices}
    good = by_label == sent_by_label and cast == sum(sent.values())
    ok &= good
    print(
        f"  {'tally':<36} {by_label}   "
        f"{'ok: equals what the clients sent' if good else f'SENT {sent_by_label}'}"
    )
    return ok


def queries_of_one_vote(meeting, item, choice, users):
    """Post votes the burst's way, in this process (same settings), and list the queries of
    the second: the first vote on an item also fills the shared cache (item, choices). Then
    time IN_PROCESS_VOTES more votes' CPU in this process (the app's share, no PostgreSQL)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    def signed_in(user):
        client = Client(HTTP_HOST="127.0.0.1")
        if VIA == "api":
            from members.api.access import issue_token

            client.defaults["HTTP_AUTHORIZATION"] = f"Token {issue_token(user)}"
        else:
            client.force_login(user)
        return client

    def post(client):
        if VIA == "api":
            path = f"/api/member/v1/meetings/{meeting.pk}/ballot/{item.pk}/vote/"
            response = client.post(path, {"choices": [choice.pk]}, "application/json")
            expected = 201
        else:
            path = reverse("meetings:vote", args=[meeting.pk, item.pk])
            headers = {"X-Requested-With": "fetch"} if VIA == "fetch" else {}
            response = client.post(path, {"choice": choice.pk}, headers=headers)
            expected = 200 if VIA == "fetch" else 302
        assert response.status_code == expected, response.status_code

    counted = []
    for user in users[:2]:
        client = signed_in(user)
        with CaptureQueriesContext(connection) as context:
            post(client)
        counted.append(context)
    first, context = counted
    print(
        f"\nQueries of one vote request (in-process, same settings): {len(context)} "
        f"(the item's first vote: {len(first)})"
    )
    for n, query in enumerate(context.captured_queries, 1):
        sql = " ".join(query["sql"].split())
        print(f"  {n:>2}. {sql[:110]}{'…' if len(sql) > 110 else ''}")

    clients = [signed_in(user) for user in users[2 : 2 + IN_PROCESS_VOTES]]
    started = time.process_time()
    for client in clients:
        post(client)
    cpu = time.process_time() - started
    print(
        f"  CPU of one vote in this process (test client, {len(clients)} votes): "
        f"{1000 * cpu / len(clients):.1f} ms"
    )


IN_PROCESS_VOTES = 200


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
    try:
        result = subprocess.run(  # noqa: S603
            [
                pgbench,
                "-n",
                "-f",
                script.name,
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(PGBENCH_SECONDS),
                site.database_url,
            ],
            capture_output=True,
            text=True,
            timeout=PGBENCH_SECONDS + 60,
            check=False,
        )
    finally:
        os.unlink(script.name)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if result.returncode or match is None:
        print(f"pgbench failed ({result.returncode}): {result.stderr.strip()[:300]}")
        return None
    return float(match.group(1))


def feasible_pgbench_clients(site):
    """As close to CLIENTS as the server's max_connections leaves room for."""
    with site.admin_connection() as conn:
        limit = int(conn.execute("SHOW max_connections").fetchone()[0])
        in_use = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()[0]
    return max(1, min(CLIENTS, limit - in_use - 10))


# Main ----------------------------------------------------------------------------------


def main():
    with BenchSite("vote", workers=WORKERS) as site:
        site.setup_django(collectstatic=True)

        started = time.perf_counter()
        meeting, members, users, chair = make_meeting_and_members()
        item, choices = open_motion(meeting, chair, position=1)
        rng = random.Random(2026)  # noqa: S311 - repeatable test data, not secrets
        jobs = vote_requests(meeting, item, choices, users, rng)
        signed_in_with = "API tokens" if VIA == "api" else "sessions"
        print(
            f"{MEMBERS:,} eligible members signed in ({signed_in_with}), motion opened with "
            f"{len(choices)} choices, in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

        path = jobs[0][0]
        site.start_server()
        warm_up(site, path, jobs[0][1])
        print(
            f"gunicorn: {site.description} on {site.base_url} "
            "(cms.settings.production via bench/settings.py, persistent DB connections)\n"
            f"\nBurst: {MEMBERS:,} votes, {CLIENTS} concurrent clients, POST {path}",
            flush=True,
        )
        before = site.cpu_snapshot()
        results, wall = asyncio.run(burst(site.port, jobs))
        cpu = site.cpu_used(before, site.cpu_snapshot())
        site.stop_server()

        ok = [r for r in results if r[0] == "ok"]
        latencies = [r[1] for r in results if r[1] is not None]
        centiles = statistics.quantiles(latencies, n=100, method="inclusive")
        votes_per_second = len(ok) / wall
        errors = collections.Counter(r[3] for r in results if r[0] != "ok")
        answer = {"api": "201", "fetch": "200 with a receipt"}.get(VIA, "302, no refusal")
        print(f"  {f'votes recorded ({answer})':<34} {len(ok):>6,} in {wall:.2f} s")
        print(f"  votes/s                            {votes_per_second:>9.1f}")
        print(
            f"  latency p50 / p95 / p99 / max      {centiles[49] * 1000:.0f} / "
            f"{centiles[94] * 1000:.0f} / {centiles[98] * 1000:.0f} / "
            f"{max(latencies) * 1000:.0f} ms"
        )
        print(f"  errors                             {sum(errors.values()):>6,}", end="")
        print("".join(f"\n    {count:,} × {what}" for what, count in errors.most_common(5)))
        print_cpu(cpu, wall, len(ok))
        met = votes_per_second >= TARGET_VOTES_PER_SECOND
        print(
            f"  target {TARGET_VOTES_PER_SECOND} votes/s: {'MET' if met else 'NOT MET'} "
            f"({votes_per_second / TARGET_VOTES_PER_SECOND:.2f} × target)"
        )

        print("\nDatabase after the burst:")
        sent = collections.Counter(r[2] for r in ok)
        database_ok = check_database(item, choices, sent)

        second, second_choices = open_motion(meeting, chair, position=2)
        queries_of_one_vote(meeting, second, second_choices[0], users)

        from django.db import connections

        connections.close_all()
        clients = feasible_pgbench_clients(site)
        print(f"\npgbench single-row INSERT, {PGBENCH_SECONDS} s each, same PostgreSQL server:")
        inserts = {}
        for concurrency in dict.fromkeys([clients, WORKERS]):
            inserts[concurrency] = pgbench_inserts(site, concurrency)
            if inserts[concurrency]:
                print(
                    f"  {concurrency:>3} clients: {inserts[concurrency]:>9.0f} inserts/s   "
                    f"votes/s ÷ inserts/s = {votes_per_second / inserts[concurrency]:.3f}"
                )
        print(
            f"  ({clients} is as close to the burst's {CLIENTS} clients as max_connections "
            f"allows; {WORKERS} = the database connections the {WORKERS} workers hold)"
        )
        if not database_ok or errors:
            raise SystemExit("vote_burst: the database check failed or votes were refused")


if __name__ == "__main__":
    main()
