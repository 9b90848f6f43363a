"""How long closing an item takes when its ballots are sealed: the count opens every
sealed ballot, shuffles them and writes them as counted ballots in one transaction.

    .venv/bin/python -m bench.close_count

On PostgreSQL (a throw-away database, bench/_scratch.py): an item with 10,000 sealed
votes is closed as the chair's page closes it (the count runs in the close's own
transaction, so the results show when the page answers: target 2 s); one with 100,000
is closed with the count left to the `count_sealed_ballots` task (the chair's page shows
its progress), whose run is timed apart. Every count is checked against the votes that
were sealed. The votes themselves are sealed here with `seal_ballot`, as `cast_vote`
seals them, and written in bulk: this measures the close, not the voting.
"""

import os
import random
import time

from bench._scratch import Scratch

SIZES = (10_000, 100_000)
TARGET_SECONDS = 2.0  # 10,000 ballots
KEEP_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def make_meeting():
    from django.contrib.auth import get_user_model

    from home.factories import build_site
    from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory

    meeting = MeetingPageFactory(parent=MeetingIndexPageFactory(parent=build_site()))
    chair = get_user_model().objects.create_user("chair", "chair@northwind.example", None)
    return meeting, chair


def make_members(count, start):
    from members.models import Local, Member, Sector

    local = Local.objects.first() or Local.objects.create(
        number=41, name="Riverside Health", sector=Sector.objects.create(name="Health care")
    )
    return Member.objects.bulk_create(
        (
            Member(member_id=f"{n:06d}", given_name="Member", family_name=str(n), local=local)
            for n in range(start, start + count)
        ),
        batch_size=5_000,
    )


def sealed_item(meeting, chair, position, members, rng):
    """An open election (5 candidates, 2 seats) with one sealed vote from each member;
    the counts the sealed votes hold."""
    from meetings.ballots.casting import new_receipt
    from meetings.ballots.chairing import open_item
    from meetings.ballots.models import BallotItem, Candidate, VoterRecord
    from meetings.ballots.sealing import seal_ballot

    item = BallotItem.objects.create(
        meeting=meeting, position=position, kind=BallotItem.Kind.ELECTION, seats=2, title="Trustees"
    )
    Candidate.objects.bulk_create(
        Candidate(item=item, name=f"Candidate {n + 1}", sort_order=n) for n in range(5)
    )
    item = open_item(item, chair)
    positions = list(item.choices.values_list("position", flat=True))
    public_key = bytes(item.ballot_key.public_key)
    expected = dict.fromkeys(positions, 0)
    records = []
    for member in members:
        marked = sorted(rng.sample(positions[:-1], rng.randint(1, 2)))
        for position_ in marked:
            expected[position_] += 1
        sealed = seal_ballot(public_key, marked, new_receipt(), choice_count=len(positions))
        records.append(VoterRecord(item=item, member=member, sealed_ballot=sealed))
    VoterRecord.objects.bulk_create(records, batch_size=5_000)
    return item, expected


def run():
    from django.test import override_settings

    from bench._members import unlock_ballots
    from meetings.ballots.chairing import close_item
    from meetings.ballots.counting import count_sealed_ballots
    from meetings.ballots.models import BallotItem
    from meetings.ballots.results import tally

    rng = random.Random(2026)  # noqa: S311 - repeatable test data, not secrets
    meeting, chair = make_meeting()
    start = 100_000
    failed = []
    for position, size in enumerate(SIZES, start=1):
        began = time.perf_counter()
        members = make_members(size, start)
        start += size
        item, expected = sealed_item(meeting, chair, position, members, rng)
        unlock_ballots(meeting)
        print(f"\n{size:,} sealed votes written in {time.perf_counter() - began:.1f} s")
        # The close's task is kept by django-tasks' dummy backend, not run, to time it apart.
        with override_settings(TASKS=KEEP_TASKS):
            began = time.perf_counter()
            close_item(item, chair)
            answered = time.perf_counter() - began
        item = BallotItem.objects.get(pk=item.pk)
        if item.is_counted:
            counted_in = answered
            how = "counted inside the close (the chair's page shows the results at once)"
        else:
            print(f"  the close answers in {answered:.2f} s: the page shows 'being counted'")
            began = time.perf_counter()
            result = count_sealed_ballots.call(item_id=item.pk)
            counted_in = time.perf_counter() - began
            item = BallotItem.objects.get(pk=item.pk)
            how = f"counted by the task ({result['ballots']:,} ballots)"
        counts, cast = tally(item)
        right = item.is_counted and counts == expected and cast == size
        print(
            f"  closed and counted in {counted_in:.2f} s: {how}; "
            f"{size / counted_in:,.0f} ballots/s; tally = the sealed votes: "
            f"{'ok' if right else 'WRONG'}"
        )
        if size <= 10_000:
            verdict = "met" if counted_in <= TARGET_SECONDS else "MISSED"
            print(f"  target: results within {TARGET_SECONDS:.0f} s of the close: {verdict}")
        if not right:
            failed.append(size)
    if failed:
        raise SystemExit(f"close_count: wrong count for {failed}")


def main():
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    with Scratch("closecount") as scratch:
        scratch.setup_django()
        run()


if __name__ == "__main__":
    main()
