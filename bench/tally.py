"""Time `tally` on items with 100,000 ballots each, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.tally

Two items are counted: a motion (For / Against / Abstain) and an election
(8 candidates for 3 seats, plus Abstain), each with 100,000 filled ballots made
directly with random choices (as the count writes them) and unique
receipts. A third, a ranked election (8 candidates for 3 seats, Scottish STV),
gets 100,000 random rankings, and its count at close (`store_ranked_count`: the
rankings read, grouped and counted stage by stage, and the table stored) is
timed beside the plurality tally, with its stages printed. `tally(item, choices)`
is timed (median of several runs after one warm-up), its result is checked against
counts made in Python, the queries it makes are counted (CaptureQueriesContext) and
the database's plan is shown.

Each backend runs in a child process of its own, because the settings
(cms.settings.test, with DATABASE_URL) choose the database when Django starts.
The database is made for the run by bench/_scratch.py: an SQLite file in a
temporary folder, and a throw-away PostgreSQL database named after the process on
the server given by BENCH_POSTGRES_URL, else DATABASE_URL when it is PostgreSQL,
else postgres://postgres@127.0.0.1:5432/postgres. Both are removed at the end.
"""

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench._scratch import Scratch

ROOT = Path(__file__).resolve().parent.parent

BALLOTS = 100_000
RUNS = 7
CANDIDATES = 8
SEATS = 3
CHILD_TIMEOUT = 400  # seconds, one backend (migrating alone takes 100 s on a busy machine)


def make_items():
    """A union-wide meeting with an open motion and an open election."""
    from django.contrib.auth import get_user_model

    from home.factories import build_site
    from meetings.ballots.chairing import open_item
    from meetings.ballots.models import BallotItem, Candidate, Choice
    from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory

    meeting = MeetingPageFactory(parent=MeetingIndexPageFactory(parent=build_site()))
    chair = get_user_model().objects.create_user("chair", "chair@northwind.example", None)
    motion = BallotItem.objects.create(meeting=meeting, position=1, title="Motion 1")
    elections = [
        BallotItem.objects.create(
            meeting=meeting, position=position, kind=kind, seats=SEATS, title=title
        )
        for position, kind, title in [
            (2, BallotItem.Kind.ELECTION, "Election of three trustees"),
            (3, BallotItem.Kind.RANKED, "Ranked election of three trustees"),
        ]
    ]
    Candidate.objects.bulk_create(
        Candidate(item=election, name=f"Candidate {n + 1}", sort_order=n)
        for election in elections
        for n in range(CANDIDATES)
    )
    items = [open_item(item, chair) for item in [motion, *elections]]
    return [(item, list(Choice.objects.filter(item=item).order_by("position"))) for item in items]


def fill_ballots(item, choices, rng):
    """BALLOTS counted ballots with random choices; the counts Python expects."""
    from meetings.ballots.casting import RECEIPT_ALPHABET, RECEIPT_LENGTH
    from meetings.ballots.models import Ballot

    abstain = [choice for choice in choices if choice.is_abstain]
    others = [choice for choice in choices if not choice.is_abstain]
    expected = dict.fromkeys((choice.position for choice in choices), 0)
    receipts = set()
    while len(receipts) < BALLOTS:
        receipts.add("".join(rng.choices(RECEIPT_ALPHABET, k=RECEIPT_LENGTH)))
    rows = []
    # Ranked ballots: some candidates far more popular than others, rankings of any length.
    popularity = [30, 22, 15, 10, 8, 6, 5, 4][: len(others)]
    for receipt in receipts:
        if item.is_ranked:
            marked = weighted_ranking(others, popularity, rng)
            expected[marked[0].position] += 1  # first preferences
            positions = ",".join(str(c.position) for c in marked)
            rows.append(Ballot(item=item, choices=positions, receipt=receipt))
            continue
        if abstain and rng.random() < 0.05:
            marked = abstain
        else:
            marked = rng.sample(others, rng.randint(1, item.max_choices))
        for choice in marked:
            expected[choice.position] += 1
        positions = ",".join(str(c.position) for c in sorted(marked, key=lambda c: c.position))
        rows.append(Ballot(item=item, choices=positions, receipt=receipt))
    Ballot.objects.bulk_create(rows, batch_size=5000)
    return expected


def weighted_ranking(candidates, weights, rng):
    """A random ranking of 1 to all candidates, the popular ones more often first."""
    pool, weights, ranking = list(candidates), list(weights), []
    for _ in range(rng.randint(1, len(pool))):
        index = rng.choices(range(len(pool)), weights=weights)[0]
        ranking.append(pool.pop(index))
        weights.pop(index)
    return ranking


def time_ranked_count(item, expected):
    """Time the ranked count made at close, as `count_item` makes it, and print its stages."""
    from meetings.ballots.ranked import as_votes
    from meetings.ballots.ranked_items import store_ranked_count

    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        count = store_ranked_count(item)
        seconds.append(time.perf_counter() - started)
    first = {c: count.stages[0].votes[c] // 100_000 for c in count.candidates}
    assert first == {p: n for p, n in expected.items() if p in first}, (first, expected)
    median = statistics.median(seconds)
    print(
        f"\nranked election, {len(count.candidates)} candidates for {count.seats} seats "
        f"(Scottish STV): count at close over {BALLOTS:,} ballots\n"
        f"  median {median * 1000:7.1f} ms   (min {min(seconds) * 1000:.1f}, "
        f"max {max(seconds) * 1000:.1f}; 3 runs; the grouping query included)\n"
        f"  quota {count.quota:,}; {len(count.stages)} stages; elected (positions) "
        f"{count.elected}"
    )
    for stage in count.stages:
        votes = " ".join(f"{as_votes(stage.votes[c]):>11}" for c in count.candidates)
        what = f"{stage.action} {'' if stage.subject is None else stage.subject}"
        print(f"  {stage.number:2} {what:<20} {votes}")


def plan(sql):
    """The database's plan for the tally query, a few lines."""
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    lines = [str(row[-1]) for row in rows]
    return [line for line in lines if line.strip()][:6]


def run_backend(backend):
    """In the child process: make the database, time the tally, remove the database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    with Scratch("tally", sqlite=backend == "sqlite") as scratch:
        print()
        scratch.setup_django()
        time_tallies()


def time_tallies():
    """Fill the items' ballots, then time, check, count the queries of and explain `tally`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from meetings.ballots.models import Ballot
    from meetings.ballots.results import tally

    rng = random.Random(2026)  # noqa: S311 - repeatable test data, not secrets
    started = time.perf_counter()
    items = make_items()
    expectations = [fill_ballots(item, choices, rng) for item, choices in items]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Ballot._meta.db_table}")
    print(
        f"{len(items)} items × {BALLOTS:,} filled ballots written in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )

    for (item, choices), expected in zip(items, expectations, strict=True):
        if item.is_ranked:
            time_ranked_count(item, expected)
            continue
        label = f"{item.get_kind_display().lower()}, {len(choices)} choices"
        tally(item, choices)  # warm-up: caches, the database's buffers
        seconds = []
        for _ in range(RUNS):
            started = time.perf_counter()
            counts, cast = tally(item, choices)
            seconds.append(time.perf_counter() - started)
        assert counts == expected and cast == BALLOTS, (counts, expected, cast)
        with CaptureQueriesContext(connection) as given:
            tally(item, choices)
        with CaptureQueriesContext(connection) as alone:
            tally(item)
        median = statistics.median(seconds)
        print(
            f"\n{label}: tally(item, choices) over {BALLOTS:,} ballots\n"
            f"  median {median * 1000:7.1f} ms   (min {min(seconds) * 1000:.1f}, "
            f"max {max(seconds) * 1000:.1f}; {RUNS} runs)   "
            f"{BALLOTS / median / 1e6:.1f} M ballots/s\n"
            f"  counts equal the ones made in Python: {counts}\n"
            f"  queries: tally(item, choices) = {len(given)}; tally(item) = {len(alone)} "
            f"(the item's choices, then the same aggregate)"
        )
        sql = given.captured_queries[0]["sql"]
        print(f"  SQL: {sql[:150]}{'…' if len(sql) > 150 else ''}")
        print("  plan: " + "\n        ".join(plan(sql)))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--backend":
        run_backend(sys.argv[2])
        return
    failed = []
    for backend in ("sqlite", "postgresql"):
        command = [sys.executable, "-m", "bench.tally", "--backend", backend]
        child = subprocess.Popen(command, cwd=ROOT)  # noqa: S603
        try:
            returncode = child.wait(timeout=CHILD_TIMEOUT)
        except BaseException:  # too slow, or Ctrl-C: the child cleans up on SIGTERM
            child.terminate()
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
            raise
        if returncode:
            failed.append(backend)
    if failed:
        raise SystemExit(f"tally: failed on {', '.join(failed)}")


if __name__ == "__main__":
    main()
