"""Business from the floor, from the chair's page: motions and amendments with mover and
seconder chosen from the members present, nominations, the agenda's order, and "close
this and open the next". Refusals say why and change nothing; everything is logged."""

import pytest
from django.test import Client

from meetings.ballots.casting import cast_vote
from meetings.ballots.live import now_state
from meetings.ballots.models import BallotItem, Candidate, ChairAction
from meetings.factories import BallotItemFactory, CandidateFactory
from meetings.floor.models import FloorItem, Nomination
from tests.meeting_fixtures import unlock
from tests.meetings.attendance.conftest import enter

pytestmark = pytest.mark.django_db

MOTION_TEXT = "That the Chapter sets up a hardship fund for members on strike."


@pytest.fixture
def room(agm):
    """Ada and Bea are in the room (quorum 2 is met); the chair is signed in."""
    enter(agm["ada"], agm["meeting"])
    enter(agm["bea"], agm["meeting"])
    chair = Client()
    chair.force_login(agm["chair"])
    return {**agm, "chair_client": chair}


def business(room, which, **fields):
    data = {"business": which, **{f"{which}-{name}": value for name, value in fields.items()}}
    return room["chair_client"].post(room["meeting"].url + "chair/business/", data)


def add_motion(room, **overrides):
    fields = {
        "title": "Motion from the floor: hardship fund",
        "text": MOTION_TEXT,
        "mover": room["ada"].pk,
        "seconder": room["bea"].pk,
        **overrides,
    }
    return business(room, "motion", **fields)


def act(room, action, item, **data):
    """The chair's action, answering "Yes" where the chair's page asks first."""
    data.setdefault("confirmed", "yes")
    url = room["meeting"].url + f"chair/{action}/{item.pk}/"
    return room["chair_client"].post(url, data, follow=True).content.decode()


def test_the_chair_adds_a_motion_from_the_floor_which_members_pages_follow(room):
    first = BallotItemFactory(meeting=room["meeting"], position=1, title="Motion 1: safe staffing")
    version = now_state(room["meeting"].pk)["version"]
    page = room["chair_client"].get(room["meeting"].url + "chair/business/").content.decode()
    assert "Ada Lovelace" in page and "Bea Arthur" in page  # the members present
    assert room["outsider"].family_name not in page

    response = add_motion(room)

    assert response.status_code == 302 and response["Location"].endswith("/chair/")
    item = BallotItem.objects.get(title="Motion from the floor: hardship fund")
    assert item.state == BallotItem.State.DRAFT and item.position > first.position
    assert MOTION_TEXT in item.text
    floor = FloorItem.objects.get(item=item)
    assert (floor.mover, floor.seconder, floor.added_by) == (
        room["ada"],
        room["bea"],
        room["chair"],
    )
    logged = ChairAction.objects.get(action=ChairAction.Action.MOTION)
    assert logged.actor == room["chair"] and logged.item == item
    assert "Moved by Ada Lovelace" in logged.note and "seconded by Bea Arthur" in logged.note
    # Members' pages poll this version: it moved, and their ballot lists the new item.
    assert now_state(room["meeting"].pk)["version"] != version
    member = Client()
    member.force_login(room["ada"].account)
    assert item.title in member.get(room["meeting"].url + "ballot/").content.decode()
    console = room["chair_client"].get(room["meeting"].url + "chair/").content.decode()
    assert "Moved by Ada Lovelace, seconded by Bea Arthur." in console


def test_a_mover_who_is_not_present_is_refused_and_nothing_changes(room):
    ada = Client()
    ada.force_login(room["ada"].account)
    ada.post(room["meeting"].url + "attendance/sign-out/")

    response = add_motion(room)

    assert response.status_code == 400
    assert "Ada Lovelace is not present, so cannot be the mover" in response.content.decode()
    assert not BallotItem.objects.exists() and not ChairAction.objects.exists()
    same = add_motion(room, mover=room["bea"].pk, seconder=room["bea"].pk)
    assert "The seconder must be someone other than the mover" in same.content.decode()
    assert not BallotItem.objects.exists()
    outsider = add_motion(room, mover=room["outsider"].pk)
    assert "is not present, so cannot be the mover" in outsider.content.decode()
    assert not BallotItem.objects.exists() and not ChairAction.objects.exists()


def add_amendment(room, motion):
    return business(
        room,
        "amendment",
        motion=motion.pk,
        amendment="Strike “on strike” and insert “on strike or locked out”.",
        amended_text="That the Chapter funds members on strike or locked out.",
        mover=room["bea"].pk,
        seconder=room["ada"].pk,
    )


def test_a_carried_amendment_is_voted_first_and_the_motion_then_reads_as_amended(room):
    add_motion(room)
    motion = BallotItem.objects.get()
    add_amendment(room, motion)
    amendment = BallotItem.objects.exclude(pk=motion.pk).get()
    assert amendment.title == f"Amendment 1 to {motion.title}"
    order = list(BallotItem.objects.order_by("position", "pk").values_list("pk", flat=True))
    assert order == [amendment.pk, motion.pk]

    # The motion waits for its amendment.
    refused = act(room, "open", motion)
    assert f"Vote on “{amendment.title}” first" in refused
    motion.refresh_from_db()
    assert motion.state == BallotItem.State.DRAFT

    act(room, "open", amendment)
    amendment.refresh_from_db()
    unlock(room["meeting"])
    for member in (room["ada"], room["bea"]):
        cast_vote(member, amendment, [amendment.choices.get(label="For").pk])
    act(room, "next", amendment)  # close the amendment, open the motion as amended

    motion.refresh_from_db()
    assert motion.title.endswith("(as amended)")
    assert "on strike or locked out" in motion.text
    assert motion.state == BallotItem.State.OPEN
    actions = list(ChairAction.objects.order_by("at", "pk").values_list("action", "item_id"))
    assert actions[-3:] == [
        ("close", amendment.pk),
        ("amended", motion.pk),
        ("open", motion.pk),
    ]


def test_an_amendment_to_a_closed_motion_is_refused_and_nothing_changes(room):
    motion = BallotItemFactory(meeting=room["meeting"], title="Motion 1: safe staffing")
    act(room, "open", motion)
    unlock(room["meeting"])
    act(room, "close", motion)
    before = ChairAction.objects.count()

    response = add_amendment(room, motion)

    assert response.status_code == 400
    assert "“Motion 1: safe staffing” is closed" in response.content.decode()
    assert BallotItem.objects.count() == 1 and ChairAction.objects.count() == before
    assert not FloorItem.objects.exists()


def test_nominations_from_the_floor_are_taken_before_the_election_opens_once_accepted(room):
    election = BallotItemFactory(
        meeting=room["meeting"], kind=BallotItem.Kind.ELECTION, title="Election: treasurer"
    )
    CandidateFactory(item=election, name="Grace Hopper")
    nominate = {"election": election.pk, "name": "Katherine Johnson"}

    unaccepted = business(room, "nomination", nominated_by=room["ada"].pk, **nominate)
    assert "must accept the nomination" in unaccepted.content.decode()
    assert election.candidates.count() == 1

    business(room, "nomination", nominated_by=room["ada"].pk, accepted="on", **nominate)

    candidate = Candidate.objects.get(name="Katherine Johnson")
    assert candidate.item == election
    nomination = Nomination.objects.get(candidate=candidate)
    assert nomination.nominated_by == room["ada"] and nomination.accepted
    assert ChairAction.objects.get(action=ChairAction.Action.NOMINATION).item == election

    act(room, "open", election)
    late = business(
        room,
        "nomination",
        nominated_by=room["ada"].pk,
        accepted="on",
        name="Mary Jackson",
        election=election.pk,
    )
    assert late.status_code == 400
    assert "Nominations to “Election: treasurer” are closed" in late.content.decode()
    assert not Candidate.objects.filter(name="Mary Jackson").exists()
    labels = list(election.choices.values_list("label", flat=True))
    assert "Katherine Johnson" in labels and "Mary Jackson" not in labels


def test_the_chair_reorders_items_not_yet_open_and_never_an_open_one(room):
    first, second, third = (
        BallotItemFactory(meeting=room["meeting"], position=n, title=f"Motion {n}")
        for n in (1, 2, 3)
    )

    act(room, "down", first)

    titles = list(BallotItem.objects.order_by("position", "pk").values_list("title", flat=True))
    assert titles == ["Motion 2", "Motion 1", "Motion 3"]
    assert ChairAction.objects.get().action == ChairAction.Action.REORDER
    act(room, "open", second)
    refused = act(room, "up", first)
    assert "cannot move up: only items not yet open change places" in refused
    titles = list(BallotItem.objects.order_by("position", "pk").values_list("title", flat=True))
    assert titles == ["Motion 2", "Motion 1", "Motion 3"]


def test_close_this_and_open_the_next_is_one_action(room):
    skipped = BallotItemFactory(meeting=room["meeting"], position=1, title="Motion 1")
    first = BallotItemFactory(meeting=room["meeting"], position=2, title="Motion 2")
    second = BallotItemFactory(meeting=room["meeting"], position=3, title="Motion 3")
    act(room, "open", first)
    console = room["chair_client"].get(room["meeting"].url + "chair/").content.decode()
    assert "Close this and open the next" in console and "“Motion 3”" in console

    act(room, "next", first)

    for item in (skipped, first, second):
        item.refresh_from_db()
    # The next item is the one after it on the agenda, not one passed over before it.
    assert (skipped.state, first.state, second.state) == ("draft", "closed", "open")
    assert list(ChairAction.objects.order_by("at", "pk").values_list("action", flat=True)) == [
        "open",
        "close",
        "open",
    ]


def test_only_the_chair_adds_business_from_the_floor(room):
    member = Client()
    member.force_login(room["ada"].account)

    assert member.get(room["meeting"].url + "chair/business/").status_code == 403
    response = member.post(
        room["meeting"].url + "chair/business/",
        {
            "business": "motion",
            "motion-title": "Sneaky",
            "motion-text": "That I chair.",
            "motion-mover": room["ada"].pk,
            "motion-seconder": room["bea"].pk,
        },
    )
    assert response.status_code == 403
    assert not BallotItem.objects.exists()
