"""A whole AGM, simulated: members arrive, keep the meeting page open, and vote on each
item the chair opens, on two app servers sharing one PostgreSQL and one Redis.

    flock /tmp/bench.lock .venv/bin/python -m bench.agm
    BENCH_MEMBERS=200 BENCH_ITEMS=2 ...   # a smaller meeting (defaults 2,000 and 5)
    BENCH_WORKERS=2 ...                   # gunicorn workers per app server (default 4)
    BENCH_ARRIVAL_S=60 ...                # members arrive over this many seconds (60)

What each member's browser does, as static/js/meeting.js does it, each alternately on
app1 or app2 (a load balancer's round robin, by member):

* arrives at a random moment in the first BENCH_ARRIVAL_S seconds and loads the meeting
  page, signed in (which checks them in on the attendance register);
* polls the meeting state every 2 seconds (the next poll 2 s after the last answer);
  when its version changes, fetches the shared ballot section as the script does (the
  member's own fragment if it has no pass), and so sees a newly opened item; refreshes
  its own fragment every 60 s regardless (the heartbeat, which renews the pass);
* votes on each item it sees open (19 in 20 members do), after reading it for 3 to 20
  seconds, as the script posts the form (`X-Requested-With: fetch`); the answer shows the
  receipt.

The chair (signed in, over HTTP like everyone else) waits until every member has the page
open, then for each item: opens it (the meeting's quorum, a quarter of the members, is
checked as on the real page), waits until every member who will vote has voted (or 90 s),
and closes it with the confirmation the page asks for; a scrutineer unlocks the sealed
ballots once, after the first item opens. Each close counts that item's ballots.

Printed: how long after the chair's "Open" 50%, 95% and 100% of the open pages showed the
item; latency (p50/p95/p99/max) of page loads, polls, shared sections, fragments, votes
and the chair's actions; errors (a 5xx or no answer: must be 0) and refusals; per item,
ballots = voter records = votes the members were told succeeded; the CPU seconds the app
servers' workers, PostgreSQL and this client used in all, per member and per vote. Exits
non-zero when any check fails. Throw-away databases, production settings: see bench/_server.py.
"""

import asyncio
import collections
import json
import os
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench import _voters as voting
from bench._members import make_meeting_and_members
from bench._server import BenchSite

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "2000"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "5"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
ARRIVAL_S = float(os.environ.get("BENCH_ARRIVAL_S", "60"))
POLL_S = 2.0  # static/js/meeting.js: POLL_MS
HEARTBEAT_S = 60.0  # static/js/meeting.js: HEARTBEAT_MS
THINK_S = (3.0, 20.0)  # reading the item before voting
VOTE_SHARE = 0.95  # members who vote on an item they see
VOTING_WINDOW_S = 90.0  # the chair closes after this, whoever has not voted
IN_FLIGHT = 500  # requests this client has open at once, at most

VERSION = re.compile(r'data-version="([^"]*)"')
SECTION_URL = re.compile(r'data-section-url="([^"]*)"')


def shared_section_url(html):
    """The shared section's address the page's own render carries, if the member has one."""
    found = SECTION_URL.search(html)
    return found.group(1).replace("&amp;", "&") if found else None


OPEN_FORM = re.compile(r'<form method="post" action="/meeting-vote/\d+/(\d+)/" class="vote-form')
CHOICE = re.compile(r'name="choice" value="(\d+)"')
RECEIPT = re.compile(r'<strong class="receipt">([A-Z0-9]+)</strong>')


@dataclass
class Member:
    voter: voting.Voter
    server: int
    arrives_at: float
    page_loaded_at: float | None = None
    seen: dict = field(default_factory=dict)  # item pk -> seconds into the meeting


@dataclass
class Simulation:
    meeting: object
    ports: list
    rng: random.Random
    began: float = field(default_factory=time.monotonic)
    ended: bool = False
    limit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(IN_FLIGHT))
    # (kind, status or "dropped", seconds) of every request
    samples: list = field(default_factory=list)
    opened: dict = field(default_factory=dict)  # item pk -> when the chair pressed Open
    closed: dict = field(default_factory=dict)  # item pk -> when the chair pressed Close
    will_vote: collections.Counter = field(default_factory=collections.Counter)
    voted: collections.Counter = field(default_factory=collections.Counter)  # answered, by item
    succeeded: dict = field(default_factory=lambda: collections.defaultdict(dict))
    # Members whose vote got no answer or an error: it may or may not have counted.
    unanswered: dict = field(default_factory=lambda: collections.defaultdict(set))
    late: collections.Counter = field(default_factory=collections.Counter)  # after the close
    refused: collections.Counter = field(default_factory=collections.Counter)

    def now(self):
        return time.monotonic() - self.began

    async def request(self, kind, server, method, path, headers, body=b""):
        """One request; its answer, or None when none came (recorded as dropped)."""
        async with self.limit:
            started = time.monotonic()
            try:
                response = await voting.http(self.ports[server], method, path, headers, body)
            except (OSError, ConnectionError, TimeoutError) as error:
                self.samples.append((kind, f"dropped ({type(error).__name__})", 0.0))
                return None
            self.samples.append((kind, response.status, time.monotonic() - started))
            return response


def page_headers(member, *, fetch=False):
    headers = {"Cookie": member.voter.cookie}
    if fetch:
        headers["X-Requested-With"] = "fetch"
    return headers


async def vote_later(sim, member, item_pk, choices):
    await asyncio.sleep(sim.rng.uniform(*THINK_S))
    voter = member.voter
    body = urlencode(
        {"csrfmiddlewaretoken": voter.form_token, "choice": sim.rng.choice(choices)}
    ).encode()
    headers = {
        **page_headers(member, fetch=True),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    path = f"/meeting-vote/{sim.meeting.pk}/{item_pk}/"
    response = await sim.request("vote", member.server, "POST", path, headers, body)
    sim.voted[item_pk] += 1
    if response is None or response.status >= 500:
        sim.unanswered[item_pk].add(voter.member.pk)
        return
    receipt = RECEIPT.search(response.body.decode(errors="replace"))
    if response.status == 200 and receipt:
        sim.succeeded[item_pk][voter.member.pk] = receipt.group(1)
    else:
        text = re.sub(r"<[^>]+>|\s+", " ", response.body.decode(errors="replace")).strip()
        if "Voting on this item is not open" in text and item_pk in sim.closed:
            sim.late[item_pk] += 1  # the chair closed it while this vote waited
        else:
            sim.refused[f"vote answered {response.status}: {text[:160]}"] += 1


async def member_life(sim, member, paths):
    await asyncio.sleep(member.arrives_at)
    page = await sim.request("page", member.server, "GET", paths["page"], page_headers(member))
    if page is None or page.status != 200:
        return
    member.page_loaded_at = sim.now()
    html = page.body.decode(errors="replace")
    found = VERSION.search(html)
    version = found.group(1) if found else ""
    section_url = shared_section_url(html)
    last_refresh = sim.now()
    while not sim.ended:
        await asyncio.sleep(POLL_S)
        answer = await sim.request(
            "poll", member.server, "GET", paths["state"], page_headers(member)
        )
        if answer is None or answer.status != 200:
            continue
        changed = json.loads(answer.body)["version"] != version
        if not changed and sim.now() - last_refresh < HEARTBEAT_S:
            continue
        fetched = None
        if changed and section_url:
            # The section every plain member shares, with the pass of the last own render.
            fetched = await sim.request(
                "section", member.server, "GET", section_url, page_headers(member)
            )
        if fetched is None or fetched.status != 200:
            fetched = await sim.request(
                "fragment",
                member.server,
                "GET",
                paths["fragment"],
                page_headers(member, fetch=True),
            )
            if fetched is None or fetched.status != 200:
                continue
            last_refresh = sim.now()
            section_url = shared_section_url(fetched.body.decode(errors="replace"))
        html = fetched.body.decode(errors="replace")
        found = VERSION.search(html)
        version = found.group(1) if found else version
        for item_pk in map(int, OPEN_FORM.findall(html)):
            if item_pk in member.seen:
                continue
            member.seen[item_pk] = sim.now()
            if sim.rng.random() < VOTE_SHARE:
                choices = CHOICE.findall(html)
                sim.will_vote[item_pk] += 1
                asyncio.ensure_future(vote_later(sim, member, item_pk, choices))


async def chair_life(sim, members, items, chair, scrutineer, paths):
    def form(credentials, **fields):
        cookie, token = credentials
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        return headers, urlencode({"csrfmiddlewaretoken": token, **fields}).encode()

    # Everyone is in the room (or the arrivals are well over).
    while (
        sum(m.page_loaded_at is not None for m in members) < len(members)
        and sim.now() < ARRIVAL_S + 60
    ):
        await asyncio.sleep(0.5)
    await asyncio.sleep(POLL_S)
    for n, item in enumerate(items):
        server = n % 2  # the chair's requests alternate between the servers too
        headers, body = form(chair)
        sim.opened[item.pk] = sim.now()
        answer = await sim.request(
            "chair", server, "POST", f"{paths['page']}chair/open/{item.pk}/", headers, body
        )
        if answer is not None and answer.status != 302:
            sim.refused[f"the chair's Open answered {answer.status}"] += 1
        if n == 0:
            headers, body = form(scrutineer[:2], passphrase=scrutineer[2])
            await sim.request(
                "chair", 1 - server, "POST", f"{paths['page']}chair/unlock/", headers, body
            )
        deadline = sim.now() + VOTING_WINDOW_S
        # Everyone who sees it gets to vote: wait for the seeing, then for the votes.
        loaded = [m for m in members if m.page_loaded_at is not None]
        while sim.now() < deadline and (
            sum(item.pk in m.seen for m in loaded) < len(loaded)
            or sim.voted[item.pk] < sim.will_vote[item.pk]
        ):
            await asyncio.sleep(0.5)
        headers, body = form(chair, confirmed="yes")
        sim.closed[item.pk] = sim.now()
        answer = await sim.request(
            "chair", 1 - server, "POST", f"{paths['page']}chair/close/{item.pk}/", headers, body
        )
        if answer is not None and answer.status != 302:
            sim.refused[f"the chair's Close answered {answer.status}"] += 1
    sim.ended = True


async def run_meeting(sim, members, items, chair, scrutineer, paths):
    lives = [member_life(sim, member, paths) for member in members]
    await asyncio.gather(chair_life(sim, members, items, chair, scrutineer, paths), *lives)
    # Votes still on their way when the meeting ended.
    while any(sim.voted[pk] < sim.will_vote[pk] for pk in sim.will_vote):
        await asyncio.sleep(0.2)


# Set-up and report ------------------------------------------------------------------------


def prepare():
    """The meeting with its draft items and quorum, its signed-in members, chair and
    scrutineer."""
    from bench._members import sign_in
    from meetings.ballots.models import BallotItem
    from meetings.factories import SCRUTINEER_PASSPHRASE
    from meetings.models import MeetingPage

    meeting, _members, users, chair = make_meeting_and_members(MEMBERS)
    meeting.chairs.add(chair)
    meeting.save()
    MeetingPage.objects.filter(pk=meeting.pk).update(quorum=max(1, MEMBERS // 4))
    items = [
        BallotItem.objects.create(
            meeting=meeting,
            position=n,
            kind=BallotItem.Kind.MOTION,
            title=f"Motion {n}: the union's position on item {n} of the bargaining agenda",
        )
        for n in range(1, ITEMS + 1)
    ]
    credentials = sign_in([*users, chair, meeting.scrutineers.first()])
    voters = [
        voting.Voter(n, member, user, "", cookie, token, "")
        for n, (member, user, (cookie, token)) in enumerate(
            zip(_members, users, credentials[: len(users)], strict=True)
        )
    ]
    scrutineer = (*credentials[-1], SCRUTINEER_PASSPHRASE)
    return meeting, voters, items, credentials[-2], scrutineer


def percentile(values, share):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(share * len(values)) - 1))]


def print_latencies(samples):
    print(f"\n{'request':<10}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind in ("page", "poll", "section", "fragment", "vote", "chair"):
        seconds = [s for k, status, s in samples if k == kind and isinstance(status, int)]
        if not seconds:
            continue
        shown = [percentile(seconds, p) * 1000 for p in (0.5, 0.95, 0.99, 1.0)]
        print(f"{kind:<10}{len(seconds):>8,}" + "".join(f"{v:>9.0f}" for v in shown))


def main():
    began = time.perf_counter()
    checks = voting.Checks()
    with BenchSite("agm", workers=WORKERS) as site:
        # Each worker keeps its connection for the whole meeting, so PostgreSQL's CPU is
        # read from the backends that served it (an ended backend's CPU is not counted).
        site.env["DATABASE_CONN_MAX_AGE"] = os.environ["DATABASE_CONN_MAX_AGE"] = "3600"
        site.setup_django(collectstatic=True)
        meeting, voters, items, chair, scrutineer = prepare()
        paths = {
            "page": meeting.url,
            "state": f"/meeting-state/{meeting.pk}/",
            "fragment": f"{meeting.url}ballot/",
        }
        for _ in range(2):
            site.add_server()
        rng = random.Random(2026)  # noqa: S311 - a repeatable simulation, not secrets
        members = [Member(v, v.index % 2, rng.uniform(0, ARRIVAL_S)) for v in voters]
        print(
            f"{len(members):,} members, {len(items)} items; two gunicorns ({site.description} "
            f"each), one database, one Redis; members arrive over {ARRIVAL_S:.0f} s",
            flush=True,
        )
        sim = Simulation(meeting, [server.port for server in site.servers], rng)
        before = site.cpu_snapshot()
        asyncio.run(run_meeting(sim, members, items, chair, scrutineer, paths))
        wall = sim.now()
        after = site.cpu_snapshot()
        cpu = site.cpu_used(before, after)

        print(f"\nThe meeting took {wall:.0f} s (arrivals {ARRIVAL_S:.0f} s).")
        print("\nHow long after the chair's Open the open pages showed the item:")
        print(f"  {'item':<6}{'pages':>7}{'50%':>8}{'95%':>8}{'100%':>8}   (seconds)")
        for item in items:
            delays = [m.seen[item.pk] - sim.opened[item.pk] for m in members if item.pk in m.seen]
            loaded = sum(m.page_loaded_at is not None for m in members)
            full = percentile(delays, 1.0) if len(delays) == loaded else float("inf")
            print(
                f"  {item.position:<6}{len(delays):>7,}{percentile(delays, 0.5):>8.1f}"
                f"{percentile(delays, 0.95):>8.1f}{full:>8.1f}"
            )
            checks.check(f"item {item.position}: every open page showed it", len(delays) == loaded)
        print_latencies(sim.samples)

        statuses = collections.Counter(
            (kind, status) for kind, status, _ in sim.samples if status not in (200, 302)
        )
        errors = {k: n for k, n in statuses.items() if not isinstance(k[1], int) or k[1] >= 500}
        print(f"\nRequests: {len(sim.samples):,}; not 200/302: {dict(statuses) or 'none'}")
        if sim.refused:
            print(f"Refusals: {dict(sim.refused)}")
        if sim.late:
            print(
                f"Votes refused because the chair had closed the item ({VOTING_WINDOW_S:.0f} s "
                f"after opening it) while they waited: {sum(sim.late.values()):,}"
            )
        checks.check("errors (5xx or no answer)", not errors, f"{sum(errors.values())}")
        checks.check("refusals other than late votes", not sim.refused, f"{len(sim.refused)}")

        print("\nThe database after each close:")
        votes = 0
        for item in items:
            item.refresh_from_db()
            records, ballots = voting.final_counts(item)
            told, unknown = set(sim.succeeded[item.pk]), sim.unanswered[item.pk]
            votes += len(told)
            counted = voting.counted_members(item)
            checks.check(
                f"item {item.position}: counted, ballots == voter records",
                item.is_counted and records == ballots,
                f"{records:,}",
            )
            checks.check(
                f"item {item.position}: every member told their vote counted has a record",
                told <= counted,
                f"{len(told):,}",
            )
            checks.check(
                f"item {item.position}: no record without a vote told so or unanswered",
                counted <= told | unknown,
                f"{len(counted - told):,} unanswered",
            )

        per_member = (cpu["workers"] + cpu["backends"]) / len(members)
        print(
            f"\nCPU in all: app workers {cpu['workers']:.1f} s, PostgreSQL {cpu['backends']:.1f} s,"
            f" this client {cpu['client']:.1f} s, the rest of the machine {cpu['others']:.1f} s"
        )
        print(
            f"  app + PostgreSQL per member for the whole meeting: {per_member * 1000:.0f} ms; "
            f"per vote cast ({votes:,}): "
            f"{(cpu['workers'] + cpu['backends']) / max(votes, 1) * 1000:.1f} ms (polls included)"
        )
        print(
            f"  app + PostgreSQL cores busy on average: "
            f"{(cpu['workers'] + cpu['backends']) / wall:.2f} over {wall:.0f} s"
        )
    print(f"agm: {time.perf_counter() - began:.0f} s in all")
    if not checks.ok:
        raise SystemExit(f"agm: FAILED: {'; '.join(checks.failed)}")


if __name__ == "__main__":
    main()
