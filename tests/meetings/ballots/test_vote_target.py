"""A vote's item from the shared cache (`casting.vote_target`), read with the rest of what a
vote reads in one round trip (`casting.vote_reads`): the cached copy is used while the
meeting's polled state and the site's pages are as they were when it was made, and never
after either changes."""

import pytest

from meetings.ballots.casting import vote_reads, vote_target
from meetings.ballots.chairing import close_item
from meetings.ballots.models import BallotItem
from tests.meeting_fixtures import meeting_under_way

pytestmark = pytest.mark.django_db


@pytest.fixture
def agm(home_page):
    return meeting_under_way(home_page)


def target(agm):
    meeting, item = agm["meeting"], agm["item"]
    with vote_reads(meeting.pk, item.pk, agm["voter"]):
        return vote_target(meeting.pk, item.pk)


def test_the_cached_item_answers_the_next_vote_without_a_query(agm, django_assert_num_queries):
    assert target(agm).pk == agm["item"].pk
    with django_assert_num_queries(0):
        again = target(agm)
    assert again.state == BallotItem.State.OPEN
    assert again.meeting.url == agm["meeting"].url


def test_once_the_chair_closes_the_item_a_vote_sees_it_closed(
    agm, django_capture_on_commit_callbacks
):
    assert target(agm).state == BallotItem.State.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        close_item(BallotItem.objects.get(pk=agm["item"].pk), agm["chair"])
    assert target(agm).state == BallotItem.State.CLOSED


def test_once_the_meeting_page_moves_a_vote_answers_with_its_new_address(
    agm, django_capture_on_commit_callbacks
):
    old_url = target(agm).meeting.url
    meeting = agm["meeting"]
    meeting.slug = "chapter-agm-moved"
    with django_capture_on_commit_callbacks(execute=True):
        meeting.save_revision().publish()
    new_url = target(agm).meeting.url
    assert new_url != old_url
    assert new_url.rstrip("/").endswith("chapter-agm-moved")


def test_no_such_item_on_that_meeting_is_none(agm):
    meeting = agm["meeting"]
    other = BallotItem.objects.exclude(meeting=meeting).values_list("pk", flat=True).first()
    with vote_reads(meeting.pk, other or agm["item"].pk + 1000):
        assert vote_target(meeting.pk, other or agm["item"].pk + 1000) is None
