"""Each rule has one home, and every path that asks it gets the same answer.

Who is in a unit's audience (meetings, pages aimed at units, members-only sections),
what counts as a confirmed account, and what counts as an upcoming meeting are each
asked in Python and as database queries, by pages, the member API, the admin and the
notices. These tests ask every path about every member of a small union in which
members differ in every way that matters, and fail when any two paths disagree.
"""

import datetime
import itertools

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from home.factories import ContentPageFactory
from home.models import pages_aimed_at
from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
from meetings.member_meetings import member_meetings
from meetings.models import ROOM_STAYS_OPEN_AFTER, AudienceKind, MeetingPage
from members.audience import (
    Audience,
    member_account_confirmed,
    signed_in_member,
)
from members.factories import (
    AreaCouncilFactory,
    ChapterFactory,
    LocalFactory,
    MemberFactory,
    SectorFactory,
)
from members.models import Member
from tests.member_fixtures import give_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def union(home_page):
    """Two sectors; Locals with and without an Area Council and with and without
    Chapters; members in each, one of them with no Chapter."""
    health, education = SectorFactory(slug="health"), SectorFactory(slug="education")
    capital, north = AreaCouncilFactory(slug="capital"), AreaCouncilFactory(slug="north")
    locals_ = [
        LocalFactory(number=1, sector=health, area_council=capital),
        LocalFactory(number=2, sector=health, area_council=north),
        LocalFactory(number=3, sector=education, area_council=None),
    ]
    chapters = [
        ChapterFactory(local=locals_[0], number=1),
        ChapterFactory(local=locals_[0], number=2),
        ChapterFactory(local=locals_[1], number=1),
        ChapterFactory(local=locals_[2], number=1),
    ]
    members = [MemberFactory(local=chapter.local, chapter=chapter) for chapter in chapters]
    members.append(MemberFactory(local=locals_[2], chapter=None))
    return {
        "sectors": [health, education],
        "area_councils": [capital, north],
        "locals": locals_,
        "chapters": chapters,
        "members": members,
        "index": MeetingIndexPageFactory(parent=home_page),
        "home": home_page,
    }


def every_meeting_audience(union):
    yield AudienceKind.UNION, {}
    for sector in union["sectors"]:
        yield AudienceKind.SECTOR, {"audience_sector": sector}
    for council in union["area_councils"]:
        yield AudienceKind.AREA_COUNCIL, {"audience_area_council": council}
    for local in union["locals"]:
        yield AudienceKind.LOCAL, {"audience_local": local}
    for chapter in union["chapters"]:
        yield AudienceKind.CHAPTER, {"audience_chapter": chapter}


def test_every_path_agrees_on_who_is_in_a_meetings_audience(union):
    meetings = [
        MeetingPageFactory(parent=union["index"], audience_kind=kind, **unit)
        for kind, unit in every_meeting_audience(union)
    ]

    for meeting in meetings:
        roster = set(meeting.audience_members().values_list("pk", flat=True))
        for member in union["members"]:
            in_python = meeting.includes(member)
            assert in_python == (member.pk in roster), (meeting.audience_name, member)
            listed = MeetingPage.objects.for_member(member).filter(pk=meeting.pk).exists()
            assert in_python == listed, (meeting.audience_name, member)
    # The union's structure makes every answer come up both ways.
    answers = {m.includes(member) for m in meetings for member in union["members"]}
    assert answers == {True, False}


def unit_lists(union):
    """Every pair of (sectors, Locals, Chapters) choices, each empty or one unit."""
    sectors = [[], *([s] for s in union["sectors"])]
    locals_ = [[], *([u] for u in union["locals"][:2])]
    chapters = [[], *([c] for c in union["chapters"][1:3])]
    return itertools.product(sectors, locals_, chapters)


def test_pages_aimed_at_units_reach_exactly_the_audience_of_those_units(union):
    for sectors, locals_, chapters in unit_lists(union):
        page = ContentPageFactory(parent=union["home"])
        page.aimed_at_sectors.set(sectors)
        page.aimed_at_locals.set(locals_)
        page.aimed_at_chapters.set(chapters)
        page.save()
        audience = Audience.of(sectors=sectors, locals_=locals_, chapters=chapters)
        roster = set(audience.members().values_list("pk", flat=True))
        for member in union["members"]:
            aimed = page in pages_aimed_at(member, limit=100)
            assert aimed == audience.includes(member) == (member.pk in roster), (
                sectors,
                locals_,
                chapters,
                member,
            )


def test_members_only_sections_show_to_the_audience_rule(union):
    from cms.blocks import MembersOnlyBlock

    block = MembersOnlyBlock()
    rf = RequestFactory()
    for sectors, locals_, chapters in unit_lists(union):
        value = block.to_python(
            {
                "heading": "",
                "body": [],
                "sectors": [s.pk for s in sectors],
                "locals": [u.pk for u in locals_],
                "chapters": [c.pk for c in chapters],
            }
        )
        audience = Audience.listed_or_everyone(sectors=sectors, locals_=locals_, chapters=chapters)
        for member in union["members"]:
            request = rf.get("/")
            request._signed_in_member = member
            assert block.is_shown_to(value, request) == audience.includes(member)


def test_confirmed_account_is_one_rule_for_sign_in_eligibility_and_notices(union):
    members = union["members"]
    give_account(members[0], verified=True)
    give_account(members[1], verified=False)
    meeting = MeetingPageFactory(parent=union["index"], audience_kind=AudienceKind.UNION)
    eligible = set(meeting.eligible_members().values_list("pk", flat=True))
    confirmed = set(Member.objects.with_confirmed_account().values_list("pk", flat=True))
    assert confirmed == {members[0].pk}

    rf = RequestFactory()
    for member in Member.objects.filter(pk__in=[m.pk for m in members]):
        fresh = Member.objects.get(pk=member.pk)  # nothing cached on it
        assert member_account_confirmed(fresh) == (member.pk in confirmed)
        assert meeting.is_eligible(fresh) == (member.pk in eligible) == (member.pk in confirmed)
        if member.account_id:
            request = rf.get("/")
            request.user = member.account
            assert (signed_in_member(request) is not None) == (member.pk in confirmed)


@pytest.mark.parametrize(
    "ends",
    [
        datetime.timedelta(days=2),
        datetime.timedelta(minutes=5),
        -datetime.timedelta(minutes=5),
        -ROOM_STAYS_OPEN_AFTER + datetime.timedelta(minutes=1),
        -ROOM_STAYS_OPEN_AFTER - datetime.timedelta(minutes=1),
        -datetime.timedelta(days=30),
    ],
    ids=["in-two-days", "ends-soon", "overrunning", "room-closing", "room-closed", "last-month"],
)
def test_upcoming_means_the_same_on_every_list(client, admin_client, union, ends):
    now = timezone.now()
    meeting = MeetingPageFactory(
        parent=union["index"],
        audience_kind=AudienceKind.UNION,
        starts_at=now + ends - datetime.timedelta(hours=2),
        ends_at=now + ends,
    )
    member = union["members"][0]
    give_account(member)
    upcoming = not meeting.is_past(now)

    assert MeetingPage.objects.upcoming(now).filter(pk=meeting.pk).exists() == upcoming
    assert MeetingPage.objects.past(now).filter(pk=meeting.pk).exists() == (not upcoming)
    rows = member_meetings(member, now=now)
    assert [row.meeting.pk for row in rows["upcoming"]] == ([meeting.pk] if upcoming else [])
    assert [row.meeting.pk for row in rows["past"]] == ([] if upcoming else [meeting.pk])

    client.force_login(member.account)
    api = client.get("/api/member/v1/meetings/", {"when": "upcoming"}).json()
    assert [row["id"] for row in api] == ([meeting.pk] if upcoming else [])
    index = client.get(union["index"].url)
    assert (meeting in index.context["upcoming"]) == upcoming
    assert (meeting in index.context["past"]) == (not upcoming)

    staff_list = admin_client.get(reverse("meetings_mailed_notices"))
    assert (meeting in staff_list.context["upcoming"]) == upcoming
    dashboard = admin_client.get(reverse("wagtailadmin_home"))
    assert (meeting.title in dashboard.content.decode()) == upcoming


def test_the_page_and_the_api_let_the_same_people_see_a_closed_items_results(home_page):
    from django.test import Client

    from meetings.ballots.chairing import close_item
    from members.models import Standing
    from tests.meeting_fixtures import meeting_under_way
    from tests.member_fixtures import member_of

    agm = meeting_under_way(home_page, voters=1)
    meeting, item = agm["meeting"], agm["item"]
    suspended = member_of(agm["chapter"], standing=Standing.SUSPENDED)
    give_account(suspended)
    # A member of another Chapter who chairs this meeting (a Local officer, say).
    outside_chair = member_of(agm["outsider"].chapter)
    give_account(outside_chair)
    meeting.chairs.add(outside_chair.account)
    meeting.save()
    close_item(item, agm["chair"])

    page_list = f"{meeting.url}receipts/{item.pk}/"
    api_list = f"/api/member/v1/meetings/{meeting.pk}/ballot/{item.pk}/receipts/"
    seen = {}
    for name, member in [
        ("eligible", agm["voter"]),
        ("suspended", suspended),
        ("outsider", agm["outsider"]),
        ("chair from elsewhere", outside_chair),
    ]:
        client = Client()
        client.force_login(member.account)
        fresh = Member.objects.get(pk=member.pk)
        rule = meeting.may_see_results(member.account, fresh)
        page, api = client.get(page_list).status_code, client.get(api_list).status_code
        seen[name] = rule
        assert (page == 200) == rule == (api == 200), (name, page, api)
    assert seen == {
        "eligible": True,
        "suspended": False,
        "outsider": False,
        "chair from elsewhere": True,
    }
