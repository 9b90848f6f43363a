"""Quorum: stated as a number or a share of eligible members, shown to the chair against
who is present, and taken when each item opens. Opening without it needs the chair's
explicit confirmation with a reason, which is logged."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from meetings.attendance.models import QuorumAtOpening
from meetings.attendance.quorum import quorum_needed
from meetings.ballots.chairing import ChairRefused, open_item
from meetings.ballots.models import BallotItem, ChairAction, Choice
from meetings.factories import BallotItemFactory
from tests.meetings.attendance.conftest import enter
from tests.member_fixtures import give_account, member_of

pytestmark = pytest.mark.django_db


def chair_client(agm):
    client = Client()
    client.force_login(agm["chair"])
    return client


def console(client, agm):
    return client.get(agm["meeting"].url + "chair/").content.decode()


def open_url(agm, item):
    return agm["meeting"].url + f"chair/open/{item.pk}/"


def test_quorum_is_a_number_or_a_share_of_eligible_members_rounded_up(agm):
    meeting = agm["meeting"]
    assert quorum_needed(meeting) == 2  # the number stated

    meeting.quorum, meeting.quorum_share = 0, 50
    # Ada, Bea and a third member of the Chapter may attend: half of three is two.
    give_account(member_of(meeting.audience_chapter))
    assert meeting.eligible_members().count() == 3
    assert quorum_needed(meeting) == 2
    meeting.quorum_share = 10
    assert quorum_needed(meeting) == 1

    meeting.quorum = 4
    with pytest.raises(ValidationError) as refused:
        meeting.clean()
    assert "not both" in str(refused.value)


def test_the_chair_sees_present_against_a_share_quorum(agm):
    meeting = agm["meeting"]
    meeting.quorum, meeting.quorum_share = 0, 50
    meeting.save()
    enter(agm["ada"], meeting)

    html = console(chair_client(agm), agm)

    assert "<dt>Members present</dt><dd>1 of 1 needed for quorum" in html
    assert "quorum met" in html and "50% of the 2 eligible members" in html


def test_a_plain_open_without_quorum_is_refused_and_changes_nothing(agm):
    item = BallotItemFactory(meeting=agm["meeting"], title="Motion 1: safe staffing")
    enter(agm["ada"], agm["meeting"])
    chair = chair_client(agm)

    response = chair.post(open_url(agm, item), follow=True)

    html = response.content.decode()
    assert "There is no quorum: 1 present, 2 needed. Nothing has changed" in html
    item.refresh_from_db()
    assert item.state == BallotItem.State.DRAFT and item.opened_at is None
    assert not ChairAction.objects.exists()
    assert not QuorumAtOpening.objects.exists()
    assert not Choice.objects.filter(item=item).exists()
    # The function every path goes through refuses it too.
    with pytest.raises(ChairRefused):
        open_item(item, agm["chair"])


def test_confirming_without_a_reason_is_refused(agm):
    item = BallotItemFactory(meeting=agm["meeting"])
    chair = chair_client(agm)

    response = chair.post(
        open_url(agm, item), {"without_quorum": "yes", "without_quorum_reason": "   "}, follow=True
    )

    assert "Give the reason for opening this vote without quorum" in response.content.decode()
    item.refresh_from_db()
    assert item.state == BallotItem.State.DRAFT
    assert not ChairAction.objects.exists()


def test_the_chair_opens_without_quorum_by_confirming_with_a_reason_which_is_logged(agm):
    item = BallotItemFactory(meeting=agm["meeting"], title="Motion 2: adjourn")
    enter(agm["ada"], agm["meeting"])
    chair = chair_client(agm)
    confirm = chair.get(agm["meeting"].url + f"chair/open-without-quorum/{item.pk}/")
    assert "Open this vote without quorum" in confirm.content.decode()
    assert 'name="csrfmiddlewaretoken"' in confirm.content.decode()

    chair.post(
        open_url(agm, item),
        {"without_quorum": "yes", "without_quorum_reason": "Members on the phone line agreed"},
    )

    item.refresh_from_db()
    assert item.state == BallotItem.State.OPEN
    action = ChairAction.objects.get(action=ChairAction.Action.OPEN)
    assert action.actor == agm["chair"]
    assert action.note == (
        "Opened without quorum (1 present, 2 needed). Reason: Members on the phone line agreed"
    )
    taken = QuorumAtOpening.objects.get(item=item)
    assert (taken.present, taken.needed, taken.held) == (1, 2, False)
    assert taken.reason == "Members on the phone line agreed"
    html = console(chair, agm)
    assert "When it opened: 1 present, 2 needed: <strong>no quorum</strong>" in html


def test_with_quorum_the_item_opens_and_records_that_quorum_held(agm):
    item = BallotItemFactory(meeting=agm["meeting"])
    enter(agm["ada"], agm["meeting"])
    enter(agm["bea"], agm["meeting"])
    chair = chair_client(agm)
    assert "2 of 2 needed for quorum: <strong>quorum met</strong>" in console(chair, agm)

    chair.post(open_url(agm, item))

    item.refresh_from_db()
    assert item.state == BallotItem.State.OPEN
    taken = QuorumAtOpening.objects.get(item=item)
    assert (taken.present, taken.needed, taken.held, taken.reason) == (2, 2, True, "")
    assert ChairAction.objects.get().note == "Quorum held: 2 present, 2 needed."
    assert "When it opened: 2 present, 2 needed: quorum held." in console(chair, agm)


def test_only_the_chair_may_confirm_opening_without_quorum(agm):
    item = BallotItemFactory(meeting=agm["meeting"])
    member, _ = enter(agm["ada"], agm["meeting"])

    confirm_url = agm["meeting"].url + f"chair/open-without-quorum/{item.pk}/"
    assert member.get(confirm_url).status_code == 403
    member.post(open_url(agm, item), {"without_quorum": "yes", "without_quorum_reason": "Because"})

    item.refresh_from_db()
    assert item.state == BallotItem.State.DRAFT
