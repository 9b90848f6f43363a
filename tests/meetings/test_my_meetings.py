"""My meetings on the dashboard: a member's own meetings, the Enter button, constant queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.ballots.chairing import close_item, open_item
from meetings.factories import (
    BallotItemFactory,
    GuidePageFactory,
    MeetingIndexPageFactory,
    MeetingMaterialFactory,
    MeetingPageFactory,
)
from meetings.models import AudienceKind
from members.models import Standing
from tests.meeting_fixtures import chair_account
from tests.member_fixtures import member_with_account, two_chapters

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(home_page):
    chapter_a, chapter_b = two_chapters()
    member = member_with_account(chapter_a, given_name="Ada")
    return {
        "a": chapter_a,
        "b": chapter_b,
        "member": member,
        "index": MeetingIndexPageFactory(parent=home_page),
    }


def meeting(setting, chapter=None, *, starts_in, **fields):
    chapter = chapter or setting["a"]
    starts = timezone.now() + starts_in
    return MeetingPageFactory(
        parent=setting["index"],
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        **fields,
    )


def dashboard(client, member):
    client.force_login(member.account)
    return client.get(reverse("members:dashboard")).content.decode()


def test_dashboard_lists_only_the_members_own_meetings(client, setting):
    own = meeting(setting, starts_in=datetime.timedelta(days=3), title="North Ward AGM")
    other = meeting(
        setting, setting["b"], starts_in=datetime.timedelta(days=3), title="Lakeside AGM"
    )

    html = dashboard(client, setting["member"])

    assert own.title in html
    assert other.title not in html


def test_enter_button_appears_thirty_minutes_before_the_start(client, setting):
    soon = meeting(setting, starts_in=datetime.timedelta(minutes=29), title="Starting soon")
    later = meeting(setting, starts_in=datetime.timedelta(minutes=45), title="Starting later")

    html = dashboard(client, setting["member"])

    soon_row = html.split(soon.title)[1].split("</li>")[0]
    later_row = html.split(later.title)[1].split("</li>")[0]
    assert "Enter meeting" in soon_row
    assert "Enter meeting" not in later_row
    assert "Opens in" in later_row and "data-opens-at" in later_row


def test_past_meetings_are_listed_separately_without_an_enter_button(client, setting):
    old = meeting(setting, starts_in=-datetime.timedelta(days=30), title="Last year AGM")

    html = dashboard(client, setting["member"])

    past = html.split("Past meetings")[1]
    assert old.title in past
    assert "Enter meeting" not in past.split(old.title)[1].split("</li>")[0]


def test_suspended_member_sees_their_meeting_with_the_reason_and_no_enter_button(client, setting):
    meeting(setting, starts_in=datetime.timedelta(minutes=5), title="North Ward AGM")
    member = setting["member"]
    member.standing = Standing.SUSPENDED
    member.save()

    html = dashboard(client, member)

    assert "North Ward AGM" in html
    assert "Your membership is suspended" in html
    assert "Enter meeting<" not in html


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def ballot_items(meeting, chair, count, start):
    """`count` items: every third closed with a vote counted, one open, the rest drafts."""
    for n in range(count):
        item = BallotItemFactory(meeting=meeting, position=start + n)
        if n % 3 == 0:
            open_item(item, chair)
            close_item(item, chair)
        elif n == 1:
            open_item(item, chair)


@pytest.mark.parametrize("view", ["dashboard", "meeting page"])
def test_query_count_is_at_most_five_and_the_same_for_one_and_fifty_meetings_materials_and_items(
    client, setting, view, settings, guide_index
):
    # Sessions as production keeps them (read from the shared cache, no query).
    settings.SESSION_ENGINE = "cms.sessions"
    member = setting["member"]
    chair = chair_account()
    client.force_login(member.account)
    first = meeting(
        setting,
        starts_in=datetime.timedelta(minutes=10),
        guide=GuidePageFactory(parent=guide_index),
    )
    MeetingMaterialFactory(meeting=first)
    ballot_items(first, chair, 1, start=1)
    url = reverse("members:dashboard") if view == "dashboard" else first.url
    # Warm the caches as any running server has them (the first request also creates the
    # site's contact settings, which refreshes the cached footer once).
    client.get(url)
    client.get(url)
    with_one = count_queries(client, url)

    for n in range(49):
        extra = meeting(setting, starts_in=datetime.timedelta(days=n + 1))
        MeetingMaterialFactory(meeting=extra)
    for _ in range(49):
        MeetingMaterialFactory(meeting=first)
    ballot_items(first, chair, 49, start=2)
    client.get(url)  # closed items' results are computed once, then cached for everyone
    with_fifty = count_queries(client, url)

    print(f"{view}: {with_one} queries with 1 meeting/material/item, {with_fifty} with 50")
    assert with_fifty == with_one
    # The user, the member, and on the meeting page the page itself, its items and their
    # choices; on the dashboard the meetings and whether the member chairs a unit. The
    # site, the route to the page, the site's contact settings and what every member
    # sees alike (the materials, the pages aimed at the member's units: the pages'
    # shared parts) come from the shared cache.
    assert with_fifty <= (4 if view == "dashboard" else 5)
