"""The polled meeting state beside a static file, on gunicorn with Redis, measured with wrk.

    .venv/bin/python -m bench.poll_state
    BENCH_WORKERS=6 .venv/bin/python -m bench.poll_state    # gunicorn workers (default 4)
    BENCH_WORKER_CLASS=gthread .venv/bin/python -m bench.poll_state   # threaded, keep-alive

Every member's meeting page polls GET /meeting-state/<meeting id>/, which is
served from the shared cache (Redis) without touching the database. The page's
script sends the member's cookies with each poll (a session and the CSRF cookie), so
wrk sends a signed-in member's cookies too, to both addresses. This
compares its requests/s with a static file that the same gunicorn serves
through whitenoise (the site's stylesheet, under its hashed name, after
collectstatic into a temporary STATIC_ROOT): the target is at least 0.6 × the
static file's rate. wrk (Debian's package, installed when missing) drives both,
alternately, a few rounds each, so a burst of other work on the machine does
not land on one side only.

It also checks that a cache hit makes no database query: the bench database's
committed + rolled-back transaction count (pg_stat_database) must not move
while wrk runs, and, as a control, it moves when one poll misses the cache.

Throw-away PostgreSQL and Redis databases, production settings, gunicorn on a
free 127.0.0.1 port: see bench/_server.py. All are removed at the end.
"""

import os
import time
import urllib.request
from pathlib import Path

from bench import _wrk
from bench._members import chapter_meeting, sign_in
from bench._server import BenchSite

WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
ROUNDS = 3  # wrk runs of each endpoint, alternately
TARGET_RATIO = 0.6


def make_meeting():
    """A Chapter AGM under way with three motions, the first open (the cache is then warm)."""
    from django.contrib.auth import get_user_model

    from meetings.ballots.chairing import open_item
    from meetings.ballots.models import BallotItem

    meeting = chapter_meeting()
    items = [
        BallotItem.objects.create(meeting=meeting, position=n, title=f"Motion {n}")
        for n in (1, 2, 3)
    ]
    chair = get_user_model().objects.create_user("chair", "chair@northwind.example", None)
    open_item(items[0], chair)  # publishes the state to the shared cache on commit
    return meeting


def member_cookie(meeting):
    """A signed-in member of the meeting's Chapter: their Cookie header, as the browser
    sends it with the page script's polls."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from members.models import Member

    member = Member.objects.create(
        member_id="410001",
        given_name="Rowan",
        family_name="Poller",
        local=meeting.audience_chapter.local,
        chapter=meeting.audience_chapter,
        email="rowan.poller@example.org",
    )
    member.account = get_user_model().objects.create_user(
        "member-410001", member.email, None, first_name="Rowan", last_name="Poller"
    )
    member.save(update_fields=["account"])
    EmailAddress.objects.create(
        user=member.account, email=member.email, primary=True, verified=True
    )
    [(cookie, _token)] = sign_in([member.account])
    return cookie


def get(url, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        return response.status, response.read()


def transactions(site):
    """Committed + rolled-back transactions of the bench database so far (pg_stat_database),
    read over a connection to another database so that reading does not count."""
    with site.admin_connection() as conn:
        conn.execute("SET stats_fetch_consistency = none")
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            [site.db_name],
        ).fetchone()
    return row[0]


def settled_transactions(site, timeout=20.0):
    """The count once it has stopped moving: backends report their statistics to the
    server a little after their transactions (at most about a second in PostgreSQL 15)."""
    deadline = time.monotonic() + timeout
    last = transactions(site)
    while time.monotonic() < deadline:
        time.sleep(1.5)
        now = transactions(site)
        if now == last:
            return now
        last = now
    return last


def main():
    wrk = _wrk.ensure()
    with BenchSite("poll", workers=WORKERS) as site:
        site.setup_django(collectstatic=True)

        from django.contrib.staticfiles.storage import staticfiles_storage
        from django.core.cache import cache

        from meetings.ballots.live import NOW_KEY

        meeting = make_meeting()
        cookie = member_cookie(meeting)
        state_path = f"/meeting-state/{meeting.pk}/"
        static_path = staticfiles_storage.url("css/site.css")
        static_size = (Path(os.environ["STATIC_ROOT"]) / static_path[len("/static/") :]).stat()
        assert cache.get(NOW_KEY.format(pk=meeting.pk)) is not None, "the cache is not warm"

        site.start_server(ready_path=state_path)
        status, body = get(site.base_url + state_path, cookie)
        assert status == 200, status
        status, _ = get(site.base_url + static_path, cookie)
        assert status == 200, status
        print(
            f"gunicorn: {site.description} on {site.base_url}, Redis cache (warm)\n"
            f"  GET {state_path} → {body.decode()} ({len(body)} bytes)\n"
            f"  GET {static_path} → {static_size.st_size:,} bytes, whitenoise\n"
            f"{_wrk.settings_line(ROUNDS)}, with a signed-in member's cookies\n",
            flush=True,
        )

        before_tx = settled_transactions(site)

        def runner(path):
            return lambda: _wrk.run(
                wrk,
                site.base_url + path,
                headers=[f"Cookie: {cookie}"],
            )

        runs, cpu = site.alternate_runs(
            ROUNDS, [("state", runner(state_path)), ("static", runner(static_path))]
        )
        after_tx = settled_transactions(site)

        for label, name, path in [
            ("meeting state", "state", state_path),
            ("static file", "static", static_path),
        ]:
            print(f"{label:<14} {_wrk.rates_summary(runs[name], 8)}  GET {path}")
            _wrk.print_runs(runs[name], 4)
        ratio, shown = _wrk.ratios_by_round(runs["state"], runs["static"])
        print(
            f"\nratio meeting state ÷ static file: {shown}; target ≥ {TARGET_RATIO}: "
            f"{'MET' if ratio >= TARGET_RATIO else 'NOT MET'}"
        )
        print("\nCPU of gunicorn's workers per request, all runs (wrk shares the machine):")
        per_request = {}
        for label, name in [("meeting state", "state"), ("static file", "static")]:
            requests = sum(run["requests"] for run in runs[name])
            workers = sum(used["workers"] for used in cpu[name])
            others = sum(used["others"] + used["client"] for used in cpu[name])
            per_request[name] = workers / requests
            print(
                f"  {label:<14} {1e6 * per_request[name]:5.0f} µs/request "
                f"({workers:.1f} s over {requests:,} requests; everything else on the machine, "
                f"wrk included: {others:.1f} s)"
            )
        print(
            f"  → by CPU alone the state could be served at "
            f"{per_request['static'] / per_request['state']:.2f} × the static file's rate"
        )

        state_requests = sum(run["requests"] for run in runs["state"])
        moved = after_tx - before_tx
        print(
            f"\nDatabase transactions of the bench database while wrk ran "
            f"{state_requests:,} state polls (and the static runs): {moved}"
        )
        # The control: one poll that misses the cache must show up in the same count.
        cache.delete(NOW_KEY.format(pk=meeting.pk))
        status, _ = get(site.base_url + state_path, cookie)
        control = settled_transactions(site) - after_tx
        print(f"Control, one poll after the cache entry was deleted (a miss): {control}")
        if moved or not control:
            raise SystemExit("poll_state: a cache hit queried the database, or the check is blind")
        print("A cache hit makes no database query: confirmed.")
        if ratio < TARGET_RATIO:
            print(f"poll_state: ratio {ratio:.2f} is under the {TARGET_RATIO} target")


if __name__ == "__main__":
    main()
