"""Two app servers, one PostgreSQL and one Redis: votes spread across both count once.

    flock /tmp/bench.lock .venv/bin/python -m bench.two_servers
    BENCH_WORKERS=2 ...      # gunicorn workers per server (default 4)

Two gunicorn instances on their own ports share a throw-away database and Redis
database (bench/_server.py). bench/vote_burst.py's 2,000 signed-in members vote on
one motion, through the meeting page's form (9 in 10) or the member API (1 in 10),
alternately on either server, 200 requests in flight. 200 of them submit twice at
the same moment, once to each server (different choices, so the tally shows which
one was kept). Then:

* one ballot per member: voter records == filled ballots == members, no member
  twice, and each double submission got exactly one success and one "already
  voted";
* the tally equals the choices of the successful requests, and every success's
  receipt is among the ballots;
* a session made by signing in on one server works on the other: the member page
  from both, a vote on the second with the first's sign-in, the receipt shown by
  the first, and signing out on one ends the session on both;
* after the chair closes the motion (on the second server), the meeting state,
  the chair's results CSV and the member API's ballot are byte-identical from
  either server, each computed afresh (the shared result cache emptied between).

Prints attempted, succeeded, refused (with reasons), errors and the final counts;
exits non-zero when a check fails.
"""

import asyncio
import os
import random
import re
import time
from urllib.parse import urlencode

from bench import _voters as voting
from bench._members import open_motion
from bench._server import BenchSite

WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
DOUBLE = 200  # members who submit to both servers at the same moment
API_SHARE = 10  # 1 in API_SHARE single votes goes through the member API
PASSWORD = "northwind-bench-two-servers"  # noqa: S105 - a throw-away account's


def plan(voters, choices, rng):
    """One job per member: a double submission for the first DOUBLE, else one vote."""
    jobs = []
    for voter in voters:
        if voter.index < DOUBLE:
            first, second = rng.sample(choices, 2)
            via = "form" if voter.index % 2 == 0 else "api"
            attempts = [
                voting.Attempt(voter, 0, via, first.pk),
                voting.Attempt(voter, 1, via, second.pk),
            ]
        else:
            via = "api" if voter.index % API_SHARE == 1 else "form"
            choice = rng.choices(choices, weights=[6, 3, 1])[0]
            attempts = [voting.Attempt(voter, voter.index % 2, via, choice.pk)]
        jobs.append(voting.Job(attempts))
    rng.shuffle(jobs)  # double submissions among the others, not all first
    return jobs


# A member who signs in on one server and carries on on the other -------------------------


def make_signed_up_member(meeting):
    """A member with a real password and a confirmed address, in the meeting's Chapter."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from members.models import Member

    email = "roaming.member@example.org"
    user = get_user_model().objects.create_user("roaming-member", email, PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    chapter = meeting.audience_chapter
    return Member.objects.create(
        member_id="599999",
        given_name="Roaming",
        family_name="Member",
        local=chapter.local,
        chapter=chapter,
        email=email,
        account=user,
    )


def form_token(html):
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1).decode() if match else ""


def cookie_header(cookies):
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def roaming_session(checks, site, meeting, item, choice):
    """Sign in on the first server; use the session on the second; sign out on the first."""
    one, two = (server.port for server in site.servers)
    get = voting.http_sync

    page = get(one, "GET", "/account/login/")
    cookies = voting.cookies_of(page)
    body = urlencode(
        {
            "login": "roaming.member@example.org",
            "password": PASSWORD,
            "csrfmiddlewaretoken": form_token(page.body),
        }
    ).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    signed_in = get(
        one, "POST", "/account/login/", {**form, "Cookie": cookie_header(cookies)}, body
    )
    cookies.update(voting.cookies_of(signed_in))
    checks.check(
        "sign-in on app1 gives a session", signed_in.status == 302 and "sessionid" in cookies
    )
    jar = {"Cookie": cookie_header(cookies)}
    for n, port in ((1, one), (2, two)):
        mine = get(port, "GET", "/my-union/", jar)
        checks.check(f"that session opens the member's /my-union/ on app{n}", mine.status == 200)

    vote_path = f"/meeting-vote/{meeting.pk}/{item.pk}/"
    page = get(two, "GET", meeting.url, jar)
    checks.check(
        "the meeting page on app2 offers that member the vote",
        page.status == 200 and vote_path.encode() in page.body,
    )
    body = urlencode({"csrfmiddlewaretoken": form_token(page.body), "choice": choice.pk}).encode()
    voted = get(two, "POST", vote_path, {**form, **jar}, body)
    checks.check(
        "a vote on app2 with the app1 sign-in succeeds",
        voted.status == 302 and not voting.refusal_messages(voted),
    )
    cookies.update(voting.cookies_of(voted))  # the receipt cookie, as a browser keeps it
    receipt = voting.receipt_cookie(voted, item)
    page = get(one, "GET", meeting.url, {"Cookie": cookie_header(cookies)})
    checks.check(
        "app1 then shows the receipt of that vote on app2",
        bool(receipt) and receipt.encode() in page.body,
        receipt or "",
    )

    page = get(one, "GET", "/my-union/", jar)
    body = urlencode({"csrfmiddlewaretoken": form_token(page.body)}).encode()
    out = get(one, "POST", "/account/logout/", {**form, **jar}, body)
    after = get(two, "GET", "/my-union/", jar)
    checks.check(
        "signing out on app1 ends the session on app2 too",
        out.status == 302
        and after.status == 302
        and "/account/login/" in " ".join(after.header("location")),
    )
    return receipt


# Results from either server ---------------------------------------------------------------


def unlock_on_first(checks, site, meeting):
    """The sealed ballots locked again (as after the shared cache restarts), then the
    meeting's scrutineer unlocks them with their passphrase on app1's chair page."""
    from django.core.cache import cache

    from meetings.ballots.sealing import UNLOCKED_KEY, current_meeting_key, is_unlocked
    from meetings.factories import SCRUTINEER_PASSPHRASE

    meeting_key = current_meeting_key(meeting)
    cache.delete(UNLOCKED_KEY.format(pk=meeting_key.pk))
    cookie, token = voting.signed_in_cookie(meeting.scrutineers.first())
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    body = urlencode({"csrfmiddlewaretoken": token, "passphrase": SCRUTINEER_PASSPHRASE})
    path = f"{meeting.url}chair/unlock/"
    answer = voting.http_sync(site.servers[0].port, "POST", path, headers, body.encode())
    checks.check(
        "a scrutineer unlocks the sealed ballots on app1",
        answer.status == 302 and is_unlocked(meeting_key),
    )


def close_on_second(checks, site, meeting, item, chair):
    cookie, token = voting.signed_in_cookie(chair)
    path = f"{meeting.url}chair/close/{item.pk}/"
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    body = urlencode({"csrfmiddlewaretoken": token, "confirmed": "yes"}).encode()
    closed = voting.http_sync(site.servers[1].port, "POST", path, headers, body)
    item.refresh_from_db()
    checks.check(
        "the chair closes the motion on app2, which counts it with the key app1 unlocked",
        closed.status == 302 and item.is_counted,
    )
    return cookie


def same_from_both(checks, site, label, path, headers, *, fresh_key=None):
    """GET the path from each server (emptying the shared result cache before each), with
    the same Host header, as behind a load balancer (absolute URLs in answers name it)."""
    from django.core.cache import cache

    bodies = []
    for server in site.servers:
        if fresh_key:
            cache.delete(fresh_key)
        response = voting.http_sync(server.port, "GET", path, {"Host": "127.0.0.1", **headers})
        bodies.append((response.status, response.body))
    same = bodies[0] == bodies[1] and bodies[0][0] == 200
    checks.check(f"{label}: byte-identical from app1 and app2", same, f"{len(bodies[0][1]):,} B")
    return bodies[0][1]


def check_results(checks, site, meeting, item, choices, chair_cookie, voter, tallied):
    import csv
    import io
    import json
    from urllib.parse import urlsplit

    from meetings.ballots.board import RESULT_KEY
    from meetings.ballots.models import Ballot
    from meetings.ballots.results import RECEIPTS_KEY

    key = RESULT_KEY.format(pk=item.pk)
    state = same_from_both(checks, site, "meeting state", f"/meeting-state/{meeting.pk}/", {})
    checks.check("  … and it shows the motion closed", item.pk in json.loads(state)["closed"])
    table = same_from_both(
        checks,
        site,
        "chair's results CSV",
        f"{meeting.url}chair/results/",
        {"Cookie": chair_cookie},
        fresh_key=key,
    )
    rows = list(csv.reader(io.StringIO(table.decode())))
    votes = {row[2]: int(row[3]) for row in rows[1:] if row[2] != "ballots cast"}
    checks.check("  … and its counts are the tally", votes == tallied)
    ballot = same_from_both(
        checks,
        site,
        "member API's ballot",
        f"/api/member/v1/meetings/{meeting.pk}/ballot/",
        {"Authorization": f"Token {voter.api_key}"},
        fresh_key=key,
    )
    closed = json.loads(ballot)["closed_items"][0]
    listed = same_from_both(
        checks,
        site,
        "member API's receipt list",
        urlsplit(closed["receipts_url"]).path,
        {"Authorization": f"Token {voter.api_key}"},
        fresh_key=RECEIPTS_KEY.format(pk=item.pk),
    )
    receipts = sorted(Ballot.objects.filter(item=item).values_list("receipt", flat=True))
    checks.check(
        "  … and it lists every ballot's receipt", json.loads(listed)["receipts"] == receipts
    )


# Main --------------------------------------------------------------------------------------


def main():
    began = time.perf_counter()
    checks = voting.Checks()
    with BenchSite("twoservers", workers=WORKERS) as site:
        site.setup_django(collectstatic=True)
        meeting, voters, chair = voting.prepare_voters()
        roaming = make_signed_up_member(meeting)
        item, choices = open_motion(meeting, chair, position=1)
        rng = random.Random(2026)  # noqa: S311 - repeatable test data, not secrets
        jobs = plan(voters, choices, rng)
        for _ in range(2):
            site.add_server()
        print(
            f"{len(voters):,} members signed in; two gunicorns ({site.description} each) on "
            f"{', '.join(s.base_url for s in site.servers)}, one database, one Redis",
            flush=True,
        )

        attempts = [attempt for job in jobs for attempt in job.attempts]
        wall = asyncio.run(voting.burst(site, meeting, item, jobs))
        voting.print_outcomes(f"Votes, in {wall:.1f} s", attempts)

        print("\nDouble submissions (the same member on app1 and app2 at the same moment):")
        pairs = [job.attempts for job in jobs if len(job.attempts) == 2]
        one_each = [
            p
            for p in pairs
            if sorted(a.kind for a in p) == ["refused", "success"]
            and any(
                a.detail in ("You have already voted on this item.", "API 409 already_voted")
                for a in p
            )
        ]
        both = sum(all(a.kind == "success" for a in p) for p in pairs)
        checks.check(
            "exactly one success and one 'already voted' per pair",
            len(one_each) == len(pairs),
            f"{len(one_each)}/{len(pairs)}",
        )
        wins = sum(p[0].kind == "success" for p in one_each)
        print(f"    app1 won {wins}, app2 won {len(one_each) - wins}; both succeeded: {both}")

        print("\nThe database after the votes:")
        expected = {a.voter.member.pk: a.choice for a in attempts if a.kind == "success"}
        checks.check(
            "every member's vote succeeded once",
            len(expected) == len(voters)
            and sum(a.kind == "success" for a in attempts) == len(voters),
            f"{len(expected):,}",
        )
        receipts = [a.receipt for a in attempts if a.kind == "success"]
        records, sealed = voting.final_counts(item)
        checks.check("voter records == sealed ballots == members", records == sealed == len(voters))

        print("\nOne session, two servers:")
        roaming_choice = choices[0]
        receipts.append(roaming_session(checks, site, meeting, item, roaming_choice))
        expected[roaming.pk] = roaming_choice.pk

        print("\nResults from either server:")
        unlock_on_first(checks, site, meeting)
        chair_cookie = close_on_second(checks, site, meeting, item, chair)
        tallied = voting.check_item(checks, item, choices, expected, receipts)
        check_results(checks, site, meeting, item, choices, chair_cookie, voters[0], tallied)
        records, ballots = voting.final_counts(item)
        checks.check(
            "after closing: voter records == ballots == members who voted",
            records == ballots == len(voters) + 1,
            f"{records:,}",
        )
        print(
            f"\nFinal counts: {records:,} voter records, {ballots:,} ballots "
            f"({len(voters):,} members + the roaming member); tally {tallied}"
        )
    print(f"two_servers: {time.perf_counter() - began:.0f} s in all")
    if not checks.ok:
        raise SystemExit(f"two_servers: FAILED: {'; '.join(checks.failed)}")


if __name__ == "__main__":
    main()
