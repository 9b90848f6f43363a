"""The dashboard's shared parts (members.views.dashboard_parts): what every member of the
same units sees alike (pages aimed at them, each meeting's title and time, the help
card, the site's header and footer) is rendered once and shared; members of other
units never get them; an editor's change shows on the next load; the greeting, the
Enter buttons and the reasons stay each member's own."""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from home.models import ContentPage
from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import AudienceKind
from members.models import Standing
from tests.member_fixtures import member_with_account, two_chapters

pytestmark = pytest.mark.django_db


def dashboard(member):
    client = Client()
    client.force_login(member.account)
    response = client.get(reverse("members:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def kept_parts():
    cache = caches["default"]
    keys = [key.split(":", 2)[2] for key in list(cache._cache) if "dashboard-parts-" in key]
    return [cache.get(key)[1] for key in keys]


@pytest.fixture
def union(home_page):
    ward, school = two_chapters()
    index = MeetingIndexPageFactory(parent=home_page)
    starts = timezone.now() + datetime.timedelta(days=3)
    meeting = MeetingPageFactory(
        parent=index,
        title="North Ward AGM",
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=ward,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    aimed = home_page.add_child(instance=ContentPage(title="North Ward shift bids", body="[]"))
    aimed.aimed_at_chapters.set([ward])
    aimed.save_revision().publish()
    return {
        "home": home_page,
        "ward": ward,
        "school": school,
        "meeting": meeting,
        "ada": member_with_account(ward, given_name="Ada"),
        "ben": member_with_account(ward, given_name="Ben"),
        "cleo": member_with_account(school, given_name="Cleo"),
    }


def test_members_of_the_same_units_share_the_parts_and_keep_their_own_greeting(union):
    dashboard(union["ada"])  # a first view makes the site's settings (a new site version)
    dashboard(union["ada"])

    with CaptureQueriesContext(connection) as queries:
        ben = dashboard(union["ben"])

    assert "Hello Ben." in ben and "Hello Ada." not in ben
    assert "North Ward shift bids" in ben and "North Ward AGM" in ben
    # The pages aimed at the units came with the parts, not from the database.
    assert not [q for q in queries.captured_queries if "home_contentpage" in q["sql"]]
    for parts in kept_parts():
        kept = "".join(parts.values())
        # The account links are kept all but their CSRF token.
        assert "Hello" not in kept and "csrf" not in kept


def test_the_countdowns_time_left_is_worked_out_on_each_load(union):
    dashboard(union["ada"])
    dashboard(union["ada"])

    ben = dashboard(union["ben"])

    row = ben[ben.index('<li class="meeting-row">') :]
    assert '<p class="countdown"' in row and "Opens in 2\xa0days" in row
    kept = "".join("".join(parts.values()) for parts in kept_parts())
    assert 'class="countdown"' in kept and "days" not in kept


def test_who_may_enter_is_each_members_own_beside_the_shared_enter_button(union):
    meeting = union["meeting"]
    meeting.starts_at = timezone.now() + datetime.timedelta(minutes=10)
    meeting.ends_at = meeting.starts_at + datetime.timedelta(hours=2)
    meeting.save_revision().publish()
    union["ben"].standing = Standing.SUSPENDED
    union["ben"].save()
    dashboard(union["ada"])
    ada = dashboard(union["ada"])

    ben = dashboard(union["ben"])

    assert "Enter meeting" in ada
    assert "Enter meeting" not in ben and "suspended" in ben.lower()
    assert "Enter meeting" in "".join("".join(parts.values()) for parts in kept_parts())


def test_a_member_of_other_units_never_gets_their_parts(union):
    dashboard(union["ada"])
    dashboard(union["ada"])

    cleo = dashboard(union["cleo"])

    assert "Hello Cleo." in cleo
    assert "North Ward shift bids" not in cleo and "North Ward AGM" not in cleo


def test_each_members_own_standing_is_said_beside_the_shared_meeting_title(union):
    dashboard(union["ada"])
    dashboard(union["ada"])
    union["ben"].standing = Standing.SUSPENDED
    union["ben"].save()

    ada, ben = dashboard(union["ada"]), dashboard(union["ben"])

    assert "North Ward AGM" in ben and "suspended" in ben.lower()
    assert "suspended" not in ada.lower()


def test_an_editors_change_shows_on_the_next_dashboard(union):
    dashboard(union["ada"])
    assert "North Ward AGM" in dashboard(union["ada"])

    meeting = union["meeting"]
    meeting.title = "North Ward AGM (moved online)"
    meeting.save_revision().publish()
    news = union["home"].add_child(instance=ContentPage(title="Ward bargaining news", body="[]"))
    news.aimed_at_chapters.set([union["ward"]])
    news.save_revision().publish()

    html = dashboard(union["ada"])
    assert "North Ward AGM (moved online)" in html and "Ward bargaining news" in html


def test_a_renamed_chapter_shows_at_once(union):
    dashboard(union["ada"])
    dashboard(union["ada"])

    union["ward"].name = "North Ward and Annex"
    union["ward"].save()

    html = dashboard(union["ada"])
    row = html[html.index('<li class="meeting-row">') :]
    # The meeting's audience, in the shared part (not only the member's own units).
    assert "North Ward and Annex" in row[: row.index("</li>")]


def test_a_dashboard_load_reads_the_cache_twice(union, monkeypatch):
    """The site version, then the site with the shared parts in one read (production
    reads the session from the cache too; tests keep it in the database)."""
    from tests.meetings.test_meeting_page_parts import CacheCalls

    client = Client()
    client.force_login(union["ada"].account)
    for _ in range(2):  # the first view settles the site version; the second keeps the parts
        client.get(reverse("members:dashboard"))

    with monkeypatch.context() as patch:
        calls = CacheCalls(patch)
        assert client.get(reverse("members:dashboard")).status_code == 200

    assert calls.count <= 2, calls.count
