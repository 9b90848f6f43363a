"""Sealed ballots' keys: who holds them, what the database keeps of them, and what happens
when they are lost, locked or destroyed. (What a database administrator can read of the
votes themselves is tests/meetings/ballots/test_ballot_secrecy_dba.py.)"""

import base64
import io

import pytest
from django.core import management
from django.core.cache import cache
from django.test import Client

from meetings.ballots import counting
from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import ChairRefused, close_item, open_item
from meetings.ballots.models import (
    Ballot,
    BallotItem,
    ChairAction,
    MeetingKey,
    ScrutineerKey,
    VoterRecord,
    WrappedMeetingKey,
)
from meetings.ballots.results import item_result
from meetings.ballots.sealing import (
    KeyRefused,
    current_meeting_key,
    destroy_meeting_key,
    open_scrutineer_key,
    set_scrutineer_passphrase,
    unlock_meeting,
    unlocked_private_key,
)
from meetings.factories import SCRUTINEER_PASSPHRASE, BallotItemFactory, scrutineer_with_key
from tests.meeting_fixtures import choice, meeting_under_way, unlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def agm(home_page):
    return meeting_under_way(home_page, voters=4)


def scrutineer_client(meeting):
    client = Client()
    client.force_login(meeting.scrutineers.first())
    return client


def test_the_meetings_private_key_is_nowhere_in_the_database(agm):
    private_key = bytes(unlocked_private_key(current_meeting_key(agm["meeting"])))
    out = io.StringIO()
    management.call_command("dumpdata", "--format=json", stdout=out)
    dump = out.getvalue()

    # Not as it is, nor in any of the encodings a dump or a column could show it in.
    for form in (private_key.hex(), base64.b64encode(private_key).decode()):
        assert form not in dump
    assert private_key not in dump.encode("latin-1", "replace")
    assert MeetingKey.objects.get().public_key  # only the public half is kept as it is


def test_a_scrutineers_passphrase_is_never_stored_and_a_wrong_one_opens_nothing(agm):
    scrutineer = agm["meeting"].scrutineers.first()
    key = ScrutineerKey.objects.get(user=scrutineer)
    stored = b"".join(
        bytes(getattr(key, name)) for name in ("public_key", "locked_private_key", "salt")
    )
    assert SCRUTINEER_PASSPHRASE.encode() not in stored

    with pytest.raises(KeyRefused, match="does not open"):
        open_scrutineer_key(key, "not the passphrase at all")
    with pytest.raises(KeyRefused, match="does not open"):
        unlock_meeting(agm["meeting"], scrutineer, "not the passphrase at all")


def test_only_the_meetings_scrutineers_unlock_it_and_the_unlock_is_logged(agm):
    meeting = agm["meeting"]
    cache.clear()
    url = f"{meeting.url}chair/unlock/"
    member = Client()
    member.force_login(agm["voter"].account)
    chair = Client()
    chair.force_login(agm["chair"])

    assert member.post(url, {"passphrase": SCRUTINEER_PASSPHRASE}).status_code == 403
    assert chair.post(url, {"passphrase": SCRUTINEER_PASSPHRASE}).status_code == 403
    assert unlocked_private_key(current_meeting_key(meeting)) is None

    answer = scrutineer_client(meeting).post(url, {"passphrase": SCRUTINEER_PASSPHRASE})

    assert answer.status_code == 302
    assert unlocked_private_key(current_meeting_key(meeting)) is not None
    logged = ChairAction.objects.get(action=ChairAction.Action.UNLOCK)
    assert logged.actor == meeting.scrutineers.first()


def test_unlock_attempts_are_rate_limited(agm, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "ballot_unlock": "2/m/key"}
    meeting = agm["meeting"]
    cache.clear()
    client = scrutineer_client(meeting)
    url = f"{meeting.url}chair/unlock/"
    for _ in range(2):
        client.post(url, {"passphrase": "a wrong guess here"})

    answer = client.post(url, {"passphrase": SCRUTINEER_PASSPHRASE}, follow=True)

    assert "Too many attempts" in answer.content.decode()
    assert unlocked_private_key(current_meeting_key(meeting)) is None


def test_losing_the_shared_cache_mid_meeting_loses_no_vote(agm):
    item = agm["item"]
    early = [cast_vote(v, item, [choice(item, "For")]) for v in agm["voters"][:2]]
    cache.clear()  # the shared cache restarts: the unlocked key is gone
    late = [cast_vote(v, item, [choice(item, "Against")]) for v in agm["voters"][2:]]

    with pytest.raises(ChairRefused):
        close_item(item, agm["chair"])
    scrutineer_client(agm["meeting"]).post(
        f"{agm['meeting'].url}chair/unlock/", {"passphrase": SCRUTINEER_PASSPHRASE}
    )
    close_item(item, agm["chair"])

    result = item_result(item)
    assert result.ballots_cast == 4
    assert [row.votes for row in result.choices[:2]] == [2, 2]
    assert sorted(Ballot.objects.filter(item=item).values_list("receipt", flat=True)) == sorted(
        early + late
    )


def test_voting_cannot_open_without_a_scrutineer_who_holds_a_key(agm):
    from meetings.factories import MeetingPageFactory

    meeting = agm["meeting"]
    other = BallotItemFactory(meeting=meeting, title="Motion 2")
    # A meeting without scrutineers has no key yet: nobody could count its votes.
    lonely = MeetingPageFactory(parent=meeting.get_parent(), scrutineers=[])
    item = BallotItemFactory(meeting=lonely, title="Motion on its own")

    with pytest.raises(ChairRefused, match="no scrutineer"):
        open_item(item, agm["chair"])
    item.refresh_from_db()
    assert item.state == BallotItem.State.DRAFT and not MeetingKey.objects.filter(meeting=lonely)
    # The meeting with a scrutineer opens its next item on the key it already has.
    assert open_item(other, agm["chair"]).ballot_key == current_meeting_key(meeting)


def test_a_scrutineer_appointed_later_gets_the_key_when_another_unlocks(agm):
    meeting = agm["meeting"]
    newcomer = scrutineer_with_key("late-teller")
    meeting.scrutineers.add(newcomer)
    meeting.save()
    cache.clear()
    with pytest.raises(KeyRefused, match="made after"):
        unlock_meeting(meeting, newcomer, SCRUTINEER_PASSPHRASE)

    unlock(meeting)  # the first scrutineer
    cache.clear()

    assert unlock_meeting(meeting, newcomer, SCRUTINEER_PASSPHRASE) == current_meeting_key(meeting)


def test_ending_the_voting_destroys_every_copy_of_the_key(agm):
    meeting, item = agm["meeting"], agm["item"]
    cast_vote(agm["voters"][0], item, [choice(item, "For")])
    meeting_key = current_meeting_key(meeting)

    with pytest.raises(KeyRefused, match="not over"):
        destroy_meeting_key(meeting_key)
    close_item(item, agm["chair"])
    answer = scrutineer_client(meeting).post(
        f"{meeting.url}chair/end-voting/", {"confirmed": "yes"}
    )

    assert answer.status_code == 302
    meeting_key.refresh_from_db()
    assert meeting_key.destroyed_at is not None
    assert not WrappedMeetingKey.objects.filter(meeting_key=meeting_key).exists()
    assert unlocked_private_key(meeting_key) is None
    assert item_result(item).ballots_cast == 1  # the results stand
    # A later item gets a new key.
    later = open_item(BallotItemFactory(meeting=meeting, title="Late motion"), agm["chair"])
    assert later.ballot_key != meeting_key and later.ballot_key.destroyed_at is None


def test_a_scrutineer_changes_their_passphrase_only_with_the_current_one(agm):
    scrutineer = agm["meeting"].scrutineers.first()
    client = Client()
    client.force_login(scrutineer)
    url = "/scrutineer/passphrase/"
    new = "a longer passphrase of mine"

    wrong = client.post(url, {"current": "not it at all", "passphrase": new, "repeat": new})
    assert wrong.status_code == 200 and "does not open" in wrong.content.decode()
    right = client.post(url, {"current": SCRUTINEER_PASSPHRASE, "passphrase": new, "repeat": new})
    assert right.status_code == 302

    cache.clear()
    with pytest.raises(KeyRefused):
        unlock_meeting(agm["meeting"], scrutineer, SCRUTINEER_PASSPHRASE)
    # The same key, locked anew: the meeting wrapped for it still opens.
    assert unlock_meeting(agm["meeting"], scrutineer, new)


def test_a_forgotten_passphrase_gives_a_new_key_that_another_scrutineer_shares(agm):
    meeting = agm["meeting"]
    forgetful = meeting.scrutineers.first()
    other = scrutineer_with_key("second-teller")
    meeting.scrutineers.add(other)
    meeting.save()
    unlock(meeting)  # wraps the meeting's key for the second teller too
    client = Client()
    client.force_login(forgetful)
    new = "my brand new passphrase"

    client.post("/scrutineer/passphrase/", {"passphrase": new, "repeat": new, "forgot": "on"})

    cache.clear()
    with pytest.raises(KeyRefused, match="made after"):
        unlock_meeting(meeting, forgetful, new)
    unlock_meeting(meeting, other, SCRUTINEER_PASSPHRASE)
    cache.clear()
    assert unlock_meeting(meeting, forgetful, new)


def test_passphrases_must_be_long_and_the_page_is_for_scrutineers_only(agm):
    with pytest.raises(KeyRefused, match="at least 12"):
        set_scrutineer_passphrase(agm["chair"], "short")
    member = Client()
    member.force_login(agm["voter"].account)
    assert member.get("/scrutineer/passphrase/").status_code == 403


def test_a_large_item_is_counted_by_the_task_while_the_chair_page_shows_progress(
    agm, monkeypatch, django_capture_on_commit_callbacks
):
    from meetings.ballots import chairing

    monkeypatch.setattr(chairing, "COUNT_IN_REQUEST_UP_TO", 2)
    monkeypatch.setattr(counting, "PROGRESS_EVERY", 1)
    item = agm["item"]
    for voter in agm["voters"]:
        cast_vote(voter, item, [choice(item, "For")])
    chair = Client()
    chair.force_login(agm["chair"])

    with django_capture_on_commit_callbacks(execute=False) as queued:
        close_item(item, agm["chair"])
    item.refresh_from_db()
    assert item.state == BallotItem.State.CLOSED and not item.is_counted
    page = chair.get(f"{agm['meeting'].url}chair/").content.decode()
    assert "being counted" in page and "of 4" in page
    member = Client()
    member.force_login(agm["voter"].account)
    assert "being counted" in member.get(agm["meeting"].url).content.decode()

    for callback in queued:  # the commit: the task runs (the test backend runs it at once)
        callback()

    item.refresh_from_db()
    assert item.is_counted and item_result(item).ballots_cast == 4
    assert not VoterRecord.objects.filter(item=item, sealed_ballot__isnull=False).exists()
    assert "Carried." in member.get(agm["meeting"].url).content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_items_closed_before_ballots_were_sealed_keep_their_results(agm):
    """The migration turns every counted ballot's bit mask into its list of choices."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    item = agm["item"]
    before_sealing = [("meetings", "0008_ballot_item_chair_permission_unused")]
    executor = MigrationExecutor(connection)
    executor.migrate(before_sealing)
    old = executor.loader.project_state(before_sealing).apps
    OldBallot = old.get_model("meetings", "Ballot")
    OldItem = old.get_model("meetings", "BallotItem")
    OldItem.objects.filter(pk=item.pk).update(state="closed", closed_at=item.opened_at)
    # Two For (position 0), one Against (1), one Abstain (2), and an empty slot.
    for mask, receipt in [
        (1, "AAAAAAAAAA"),
        (1, "BBBBBBBBBB"),
        (2, "CCCCCCCCCC"),
        (4, "DDDDDDDDDD"),
    ]:
        OldBallot.objects.create(item_id=item.pk, selection=mask, receipt=receipt, sealed=True)
    OldBallot.objects.create(item_id=item.pk)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    item.refresh_from_db()
    assert item.is_counted
    result = item_result(item)
    assert [row.votes for row in result.choices] == [2, 1, 1]
    assert result.carried is True and result.ballots_cast == 4
    assert sorted(Ballot.objects.filter(item=item).values_list("receipt", "choices")) == [
        ("AAAAAAAAAA", "0"),
        ("BBBBBBBBBB", "0"),
        ("CCCCCCCCCC", "1"),
        ("DDDDDDDDDD", "2"),
    ]


def test_the_sweep_destroys_the_keys_of_meetings_whose_room_has_closed(agm, home_page):
    import datetime

    from django.utils import timezone

    from meetings.models import ROOM_STAYS_OPEN_AFTER

    meeting, item = agm["meeting"], agm["item"]
    cast_vote(agm["voters"][0], item, [choice(item, "For")])
    meeting_key = current_meeting_key(meeting)
    long_ago = timezone.now() - ROOM_STAYS_OPEN_AFTER - datetime.timedelta(hours=1)
    type(meeting).objects.filter(pk=meeting.pk).update(
        starts_at=long_ago - datetime.timedelta(hours=3), ends_at=long_ago
    )
    out, err = io.StringIO(), io.StringIO()

    management.call_command("destroy_spent_ballot_keys", stdout=out, stderr=err)
    meeting_key.refresh_from_db()
    assert meeting_key.destroyed_at is None  # an item is still open: left, and named
    assert meeting.title in err.getvalue()

    close_item(item, agm["chair"])
    management.call_command("destroy_spent_ballot_keys", stdout=out, stderr=err)
    meeting_key.refresh_from_db()
    assert meeting_key.destroyed_at is not None
    assert not WrappedMeetingKey.objects.filter(meeting_key=meeting_key).exists()
    assert "1 ballot key(s) destroyed." in out.getvalue()
