"""Casting votes: one path, every refusal leaves nothing behind, exactly once, sealed
until the count, and counted when the item closes."""

import threading

import pytest
from django.db import connection, connections, models

from meetings.ballots.casting import VoteRefused, cast_vote
from meetings.ballots.chairing import ChairRefused, close_item, open_item
from meetings.ballots.models import Ballot, BallotItem, ChairAction, VoterRecord
from meetings.ballots.results import item_result, tally
from meetings.factories import (
    BallotItemFactory,
    CandidateFactory,
    MeetingIndexPageFactory,
    MeetingPageFactory,
)
from meetings.models import AudienceKind
from members.models import Member
from tests.meeting_fixtures import choice, unlock
from tests.member_fixtures import give_account, member_of, two_chapters

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency needs PostgreSQL"
)


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
    item = open_item(item, chair)
    unlock(agm["meeting"])  # a scrutineer unlocks the ballots, so items can be counted
    return item


def election(agm, chair, names, seats=1, **fields):
    item = BallotItemFactory(
        meeting=agm["meeting"], kind=BallotItem.Kind.ELECTION, seats=seats, **fields
    )
    for name in names:
        CandidateFactory(item=item, name=name)
    item = open_item(item, chair)
    unlock(agm["meeting"])
    return item


def state_of(item):
    """Everything a vote could change."""
    return (
        sorted(
            map(
                bytes, VoterRecord.objects.filter(item=item).values_list("sealed_ballot", flat=True)
            )
        ),
        sorted(Ballot.objects.filter(item=item).values_list("choices", "receipt")),
    )


@pytest.mark.django_db
def test_a_vote_is_recorded_once_with_a_receipt_and_counted(agm, chair):
    item = motion(agm, chair)
    voter = agm["voters"][0]

    receipt = cast_vote(voter, item, [choice(item, "For")])

    assert len(receipt) == 10
    record = VoterRecord.objects.get(item=item, member=voter)
    # Sealed: neither the choice nor the receipt can be read from what is stored.
    assert record.sealed_ballot and receipt.encode() not in bytes(record.sealed_ballot)
    assert not Ballot.objects.filter(item=item).exists()
    close_item(item, chair)
    counted = Ballot.objects.get(item=item)
    assert (counted.receipt, counted.positions) == (receipt, [0])
    assert VoterRecord.objects.get(item=item, member=voter).sealed_ballot is None
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
def test_every_sealed_ballot_of_an_item_has_the_same_length_whatever_was_chosen(agm, chair):
    item = election(agm, chair, ["Ana", "Ben", "Chloé", "Dev"], seats=3)
    picks = [["Ana"], ["Ana", "Ben", "Chloé"], ["Abstain"], ["Dev", "Ben"], ["Chloé"]]

    for voter, names in zip(agm["voters"], picks, strict=True):
        cast_vote(voter, item, [choice(item, name) for name in names])

    sealed = VoterRecord.objects.filter(item=item).values_list("sealed_ballot", flat=True)
    assert len({len(bytes(s)) for s in sealed}) == 1
    # Two members making the same choice store unrelated bytes.
    assert len({bytes(s) for s in sealed}) == len(picks)


@pytest.mark.django_db
def test_a_member_eligible_after_the_item_opened_still_votes_once(agm, chair):
    item = motion(agm, chair)
    for voter in agm["voters"]:
        cast_vote(voter, item, [choice(item, "For")])
    newcomer = member_of(agm["voters"][0].chapter)
    give_account(newcomer)

    receipt = cast_vote(newcomer, item, [choice(item, "Against")])

    assert VoterRecord.objects.filter(item=item).count() == len(agm["voters"]) + 1
    with pytest.raises(VoteRefused):
        cast_vote(newcomer, item, [choice(item, "Against")])
    close_item(item, chair)
    assert Ballot.objects.get(item=item, receipt=receipt).positions == [1]


@pytest.mark.django_db
def test_closing_counts_the_sealed_ballots_and_erases_the_sealed_copies(agm, chair):
    item = motion(agm, chair)
    receipts = [cast_vote(voter, item, [choice(item, "For")]) for voter in agm["voters"][:2]]

    close_item(item, chair)

    item.refresh_from_db()
    assert item.is_counted
    assert sorted(Ballot.objects.filter(item=item).values_list("receipt", flat=True)) == sorted(
        receipts
    )
    assert not VoterRecord.objects.filter(item=item, sealed_ballot__isnull=False).exists()
    assert VoterRecord.objects.filter(item=item).count() == 2
    assert item_result(item).carried is True


@pytest.mark.django_db
def test_a_close_without_the_unlocked_key_says_what_to_do_and_changes_nothing(agm, chair):
    from django.core.cache import cache

    item = motion(agm, chair)
    cast_vote(agm["voters"][0], item, [choice(item, "For")])
    cache.clear()  # the shared cache (and the unlocked key in it) is lost
    before = state_of(item)

    with pytest.raises(ChairRefused) as refusal:
        close_item(item, chair)

    assert "scrutineer" in refusal.value.message and "unlock" in refusal.value.message
    item.refresh_from_db()
    assert item.state == BallotItem.State.OPEN and state_of(item) == before
    # Votes still go in while it is locked; a scrutineer unlocks, and the close counts all.
    cast_vote(agm["voters"][1], item, [choice(item, "Against")])
    unlock(agm["meeting"])
    close_item(item, chair)
    assert item_result(item).ballots_cast == 2


@pytest.mark.django_db
def test_an_item_nobody_voted_on_closes_without_the_key(agm, chair):
    from django.core.cache import cache

    item = motion(agm, chair)
    cache.clear()

    close_item(item, chair)

    item.refresh_from_db()
    assert item.is_counted and item_result(item).ballots_cast == 0


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
def test_tally_is_one_query(agm, chair, django_assert_num_queries):
    item = election(agm, chair, ["Ana", "Ben", "Chloé"], seats=2)
    choices = list(item.choices.all())
    for voter in agm["voters"]:
        cast_vote(voter, item, [choice(item, "Ana"), choice(item, "Chloé")])
    close_item(item, chair)

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


def test_the_voter_record_holds_no_readable_choice_and_no_time():
    fields = {
        field.name for field in VoterRecord._meta.get_fields() if getattr(field, "concrete", False)
    }

    assert fields == {"id", "item", "member", "sealed_ballot"}
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
    close_item(item, chair)
    assert Ballot.objects.filter(item=item).count() == 1


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
        close_item(item, chair)
        assert Ballot.objects.filter(item=item).count() == len(voters)


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
