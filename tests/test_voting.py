"""Casting votes: one path, every refusal leaves nothing behind, exactly once, secret."""

import threading
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, models

from meetings.ballots import casting as voting
from meetings.ballots.casting import VoteRefused, cast_vote
from meetings.ballots.chairing import ChairRefused, close_item, open_item
from meetings.ballots.models import Ballot, BallotItem, ChairAction, Choice, VoterRecord
from meetings.ballots.results import item_result, tally
from meetings.factories import (
    BallotItemFactory,
    CandidateFactory,
    MeetingIndexPageFactory,
    MeetingPageFactory,
)
from meetings.models import AudienceKind
from members.models import Member
from tests.member_fixtures import give_account, member_of, two_chapters

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency needs PostgreSQL"
)


@pytest.fixture
def chair(db):
    return get_user_model().objects.create_user("chair", "chair@northwind.example", "x" * 16)


@pytest.fixture
def agm(home_page):
    chapter_a, chapter_b = two_chapters()
    meeting = MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter_a,
    )
    voters = [member_of(chapter_a) for _ in range(5)]
    for voter in voters:
        give_account(voter)
    outsider = member_of(chapter_b)
    give_account(outsider)
    return {"meeting": meeting, "voters": voters, "outsider": outsider}


def motion(agm, chair, **fields):
    item = BallotItemFactory(meeting=agm["meeting"], **fields)
    return open_item(item, chair)


def election(agm, chair, names, seats=1, **fields):
    item = BallotItemFactory(
        meeting=agm["meeting"], kind=BallotItem.Kind.ELECTION, seats=seats, **fields
    )
    for name in names:
        CandidateFactory(item=item, name=name)
    return open_item(item, chair)


def choice(item, label):
    return Choice.objects.get(item=item, label=label).pk


def state_of(item):
    """Everything a vote could change."""
    return (
        VoterRecord.objects.filter(item=item).count(),
        sorted(Ballot.objects.filter(item=item).values_list("selection", flat=True), key=str),
    )


@pytest.mark.django_db
def test_a_vote_is_recorded_once_with_a_receipt_and_counted(agm, chair):
    item = motion(agm, chair)
    voter = agm["voters"][0]

    receipt = cast_vote(voter, item, [choice(item, "For")])

    assert len(receipt) == 10
    assert VoterRecord.objects.filter(item=item, member=voter).count() == 1
    filled = Ballot.objects.get(item=item, selection__isnull=False)
    assert filled.receipt == receipt
    counts, cast = tally(item)
    assert cast == 1 and counts[0] == 1 and counts[1] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        "ineligible",
        "draft",
        "closed",
        "second_vote",
        "too_many",
        "unknown",
        "other_item",
        "abstain_mixed",
        "nothing",
        "garbage",
    ],
)
def test_every_refusal_has_a_clear_message_and_changes_nothing(agm, chair, case):
    item = election(agm, chair, ["Ana", "Ben", "Chloé"], seats=2)
    voter = agm["voters"][0]
    other = motion(agm, chair)
    ana, ben, chloe = (choice(item, name) for name in ("Ana", "Ben", "Chloé"))
    abstain = choice(item, "Abstain")
    member, target, choices = voter, item, [ana]
    if case == "ineligible":
        member = agm["outsider"]
    elif case == "draft":
        target = BallotItemFactory(meeting=agm["meeting"])
        choices = []
    elif case == "closed":
        close_item(item, chair)
    elif case == "second_vote":
        cast_vote(voter, item, [ben])
    elif case == "too_many":
        choices = [ana, ben, chloe]
    elif case == "unknown":
        choices = [999_999]
    elif case == "other_item":
        choices = [choice(other, "For")]
    elif case == "abstain_mixed":
        choices = [ana, abstain]
    elif case == "nothing":
        choices = []
    elif case == "garbage":
        choices = ["1; DROP TABLE meetings_ballot"]
    before = state_of(target)

    with pytest.raises(VoteRefused) as refusal:
        cast_vote(member, target, choices)

    assert refusal.value.message
    assert (
        refusal.value.code
        == {
            "ineligible": "ineligible",
            "draft": "not_open",
            "closed": "not_open",
            "second_vote": "already_voted",
            "too_many": "too_many_choices",
            "unknown": "unknown_choice",
            "other_item": "unknown_choice",
            "abstain_mixed": "abstain_mixed",
            "nothing": "no_choice",
            "garbage": "unknown_choice",
        }[case]
    )
    assert state_of(target) == before


@pytest.mark.django_db
def test_opening_creates_one_empty_slot_per_eligible_member_and_votes_fill_them(agm, chair):
    item = motion(agm, chair)
    slot_ids = set(Ballot.objects.filter(item=item).values_list("pk", flat=True))

    assert len(slot_ids) == len(agm["voters"])
    for voter in agm["voters"][:3]:
        cast_vote(voter, item, [choice(item, "Against")])

    # Votes fill existing rows: no ballot is inserted while voting is under way.
    assert set(Ballot.objects.filter(item=item).values_list("pk", flat=True)) == slot_ids


@pytest.mark.django_db
@pytest.mark.parametrize("pivot", [0, 2**128 - 1])
def test_a_vote_finds_a_free_slot_wherever_its_random_search_starts(agm, chair, monkeypatch, pivot):
    item = motion(agm, chair)
    slot_ids = set(Ballot.objects.filter(item=item).values_list("pk", flat=True))
    # Before every slot id, or after every one (the search wraps round to the start).
    monkeypatch.setattr(voting, "_slot_pivot", lambda: uuid.UUID(int=pivot))

    for voter in agm["voters"]:
        cast_vote(voter, item, [choice(item, "For")])

    ballots = Ballot.objects.filter(item=item)
    assert set(ballots.values_list("pk", flat=True)) == slot_ids
    assert ballots.filter(selection__isnull=True).count() == 0
    assert item_result(item).ballots_cast == len(agm["voters"])


@pytest.mark.django_db
def test_a_member_eligible_after_the_item_opened_still_votes_once(agm, chair):
    item = motion(agm, chair)
    for voter in agm["voters"]:
        cast_vote(voter, item, [choice(item, "For")])
    newcomer = member_of(agm["voters"][0].chapter)
    give_account(newcomer)

    receipt = cast_vote(newcomer, item, [choice(item, "Against")])

    assert Ballot.objects.get(item=item, receipt=receipt).selection == 1 << 1
    assert VoterRecord.objects.filter(item=item).count() == len(agm["voters"]) + 1
    with pytest.raises(VoteRefused):
        cast_vote(newcomer, item, [choice(item, "Against")])


@pytest.mark.django_db
def test_closing_seals_the_ballots_and_drops_empty_slots(agm, chair):
    item = motion(agm, chair)
    for voter in agm["voters"][:2]:
        cast_vote(voter, item, [choice(item, "For")])

    close_item(item, chair)

    assert Ballot.objects.filter(item=item).count() == 2
    assert not Ballot.objects.filter(item=item, sealed=False).exists()
    assert item_result(item).carried is True


@pytest.mark.django_db
def test_a_closed_item_never_reopens_and_chair_actions_are_logged(agm, chair):
    item = motion(agm, chair)
    close_item(item, chair)

    with pytest.raises(ChairRefused):
        open_item(item, chair)
    with pytest.raises(ChairRefused):
        close_item(item, chair)
    actions = list(ChairAction.objects.filter(item=item).values_list("action", "actor"))
    assert sorted(actions) == sorted([("open", chair.pk), ("close", chair.pk)])


@pytest.mark.django_db
def test_tally_is_one_aggregate_query(agm, chair, django_assert_num_queries):
    item = election(agm, chair, ["Ana", "Ben", "Chloé"], seats=2)
    choices = list(item.choices.all())
    for voter in agm["voters"]:
        cast_vote(voter, item, [choice(item, "Ana"), choice(item, "Chloé")])

    with django_assert_num_queries(1):
        counts, cast = tally(item, choices)

    assert cast == 5
    assert [counts[c.position] for c in choices] == [5, 0, 5, 0]


def test_the_ballot_holds_nothing_that_identifies_a_member_or_orders_it_in_time():
    fields = {field.name: field for field in Ballot._meta.get_fields()}

    assert isinstance(fields["id"], models.UUIDField)
    related = {
        field.related_model for field in fields.values() if field.is_relation and field.concrete
    }
    assert related == {BallotItem}
    assert not any(
        isinstance(field, models.DateField | models.TimeField) for field in fields.values()
    )
    assert not any(isinstance(field, models.AutoField) for field in fields.values())
    assert Member not in {f.related_model for f in Ballot._meta.get_fields() if f.is_relation}


def test_the_voter_record_holds_no_choice_and_no_time():
    fields = {
        field.name for field in VoterRecord._meta.get_fields() if getattr(field, "concrete", False)
    }

    assert fields == {"id", "item", "member"}
    assert isinstance(VoterRecord._meta.pk, models.UUIDField)


def run_at_once(count, work):
    """Run `work(n)` in `count` threads released together; each gets its own connection."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(n):
        try:
            barrier.wait()
            outcomes[n] = ("ok", work(n))
        except VoteRefused as refusal:
            outcomes[n] = ("refused", refusal.code)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[n] = ("error", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_votes_by_one_member_give_exactly_one_ballot(agm, chair):
    item = motion(agm, chair)
    voter = agm["voters"][0]
    for_id = choice(item, "For")

    outcomes = run_at_once(20, lambda n: cast_vote(voter, item, [for_id]))

    assert [o[0] for o in outcomes].count("ok") == 1
    assert [o for o in outcomes if o[0] != "ok"] == [("refused", "already_voted")] * 19
    assert VoterRecord.objects.filter(item=item).count() == 1
    assert Ballot.objects.filter(item=item, selection__isnull=False).count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_members_voting_twice_on_two_items_at_once_give_one_ballot_each(agm, chair):
    first = motion(agm, chair)
    second = motion(agm, chair)
    voters = agm["voters"]
    jobs = [(voter, item) for voter in voters for item in (first, second)] * 2
    choice_ids = {first.pk: choice(first, "For"), second.pk: choice(second, "Against")}

    outcomes = run_at_once(
        len(jobs), lambda n: cast_vote(jobs[n][0], jobs[n][1], [choice_ids[jobs[n][1].pk]])
    )

    assert [o[0] for o in outcomes].count("ok") == len(voters) * 2
    assert {o for o in outcomes if o[0] != "ok"} == {("refused", "already_voted")}
    for item in (first, second):
        assert VoterRecord.objects.filter(item=item).count() == len(voters)
        assert Ballot.objects.filter(item=item, selection__isnull=False).count() == len(voters)


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_vote_racing_the_close_is_either_counted_or_refused(agm, chair):
    item = motion(agm, chair)
    for_id = choice(item, "For")
    voters = agm["voters"]

    def work(n):
        if n == len(voters):
            close_item(item, chair)
            return "closed"
        return cast_vote(voters[n], item, [for_id])

    outcomes = run_at_once(len(voters) + 1, work)

    counted = [o for o in outcomes[: len(voters)] if o[0] == "ok"]
    refused = [o for o in outcomes[: len(voters)] if o[0] == "refused"]
    assert len(counted) + len(refused) == len(voters)
    assert {o[1] for o in refused} <= {"not_open"}
    assert item_result(item).ballots_cast == len(counted)
    assert VoterRecord.objects.filter(item=item).count() == len(counted)
