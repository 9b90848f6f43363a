"""Pages served with the route, the site and the page's row from the shared cache
(cms/page_routing.py): a cached route never outlives the change that ends it
(unpublished, renamed, moved, made private, published again, saved in code), a draft
saved meanwhile never shows, a request that may save the page reads it fresh, and
nothing of one visitor reaches another."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms import read_ahead
from cms.page_routing import route, route_key, site_key
from cms.site_version import VERSION_KEY, serving
from home.factories import ContentPageFactory
from meetings.ballots.casting import cast_vote
from meetings.models import MeetingPage
from tests.meeting_fixtures import meeting_under_way

pytestmark = pytest.mark.django_db

# A cookie keeps the page cache (cms/caching.py) out of the way: these requests are
# routed every time, as a signed-in member's are.
COOKIE = {"HTTP_COOKIE": "seen=1"}


def get(client, url):
    return client.get(url, **COOKIE)


def test_a_cached_route_serves_the_page_with_no_query_for_the_page_tree(client, home_page):
    page = ContentPageFactory(parent=home_page, title="Member benefits")
    # The first view creates the site's contact settings, which moves the site version.
    get(client, page.url)
    assert get(client, page.url).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        response = get(client, page.url)

    assert response.status_code == 200 and "Member benefits" in response.content.decode()
    tree = [q["sql"] for q in queries.captured_queries if "wagtailcore_" in q["sql"][:80]]
    assert tree == []


def test_an_unpublished_page_is_gone_although_its_route_was_cached(client, home_page):
    page = ContentPageFactory(parent=home_page)
    assert get(client, page.url).status_code == 200

    page.unpublish()

    assert get(client, page.url).status_code == 404


def test_a_renamed_page_moves_to_its_new_address(client, home_page):
    page = ContentPageFactory(parent=home_page, slug="benefits")
    old_url = page.url
    assert get(client, old_url).status_code == 200

    page.slug = "member-benefits"
    page.save_revision().publish()

    assert get(client, old_url).status_code == 404
    assert get(client, "/member-benefits/").status_code == 200


def test_a_moved_page_leaves_its_old_address(client, home_page):
    section = ContentPageFactory(parent=home_page, slug="section")
    page = ContentPageFactory(parent=home_page, slug="benefits")
    assert get(client, "/benefits/").status_code == 200

    page.move(section, pos="last-child")

    old = get(client, "/benefits/")
    # Not the page from its cached route: gone, or Wagtail's redirect to the new address.
    assert old.status_code == 404 or old["Location"] == "/section/benefits/"
    assert get(client, "/section/benefits/").status_code == 200


def test_a_page_made_private_after_its_route_was_cached_asks_visitors_to_sign_in(
    client, home_page, restrict_to_signed_in
):
    page = ContentPageFactory(parent=home_page, title="Bargaining update")
    assert get(client, page.url).status_code == 200

    restrict_to_signed_in(page)

    response = get(client, page.url)
    assert response.status_code == 302 and "Bargaining update" not in response.content.decode()


def test_a_page_under_a_private_section_stays_private_when_served_from_its_cached_route(
    client, home_page, restrict_to_signed_in, site_user
):
    section = ContentPageFactory(parent=home_page)
    restrict_to_signed_in(section)
    page = ContentPageFactory(parent=section, title="Strike pay")
    client.force_login(site_user)
    assert client.get(page.url).status_code == 200  # the route is cached now
    client.logout()

    response = get(client, page.url)

    assert response.status_code == 302 and "Strike pay" not in response.content.decode()


def test_each_member_gets_their_own_meeting_page_from_the_shared_route(client, home_page):
    agm = meeting_under_way(home_page, voters=2)
    first, second = agm["voters"]
    item = agm["item"]
    url = agm["meeting"].url
    cast_vote(first, item, [item.choices.first().pk])

    client.force_login(first.account)
    first_html = client.get(url).content.decode()
    client.force_login(second.account)
    second_html = client.get(url).content.decode()
    client.force_login(agm["outsider"].account)
    outsider_html = client.get(url).content.decode()

    assert 'class="vote-form"' not in first_html
    assert 'class="vote-form"' in second_html
    assert 'class="vote-form"' not in outsider_html and "This meeting is for" in outsider_html


def test_a_meeting_sub_route_is_answered_from_its_own_cached_route(client, home_page):
    agm = meeting_under_way(home_page)
    client.force_login(agm["voter"].account)
    ballot_url = agm["meeting"].url + "ballot/"

    first = client.get(ballot_url)
    second = client.get(ballot_url)

    assert first.status_code == second.status_code == 200
    assert 'class="vote-form"' in second.content.decode()


def test_a_changed_contact_setting_shows_on_the_next_dashboard(
    client, home_page, member_resource_centre
):
    agm = meeting_under_way(home_page)
    client.force_login(agm["voter"].account)
    url = reverse("members:dashboard")
    client.get(url)

    member_resource_centre.local_phone = "780-555-0199"
    member_resource_centre.save()

    assert "780-555-0199" in client.get(url).content.decode()


def test_a_votes_redirect_follows_a_meeting_page_renamed_after_the_first_vote(client, home_page):
    agm = meeting_under_way(home_page, voters=2)
    first, second = agm["voters"]
    meeting, item = agm["meeting"], agm["item"]
    url = reverse("meetings:vote", args=[meeting.pk, item.pk])
    choice = item.choices.first().pk
    client.force_login(first.account)
    # The first vote keeps the item, with the meeting's address, in the shared cache.
    assert client.post(url, {"choice": choice})["Location"].startswith(meeting.url)

    meeting.slug = "agm-renamed"
    meeting.save_revision().publish()
    client.force_login(second.account)
    response = client.post(url, {"choice": choice})

    meeting.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith(meeting.url) and "/agm-renamed/" in meeting.url


def test_a_meeting_page_reads_neither_its_row_nor_its_unit_once_its_route_is_kept(
    client, home_page
):
    """The audience unit (a Chapter and its Local) and the page's own row come with the
    cached route, read once per site version: showing the page reads neither."""
    agm = meeting_under_way(home_page)
    client.force_login(agm["outsider"].account)  # the audience's name is in the refusal
    url = agm["meeting"].url
    client.get(url)
    client.get(url)

    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()

    assert f"This meeting is for members of {agm['chapter']}" in html.replace("&#x27;", "'")
    assert not [q for q in queries.captured_queries if "meetings_meetingpage" in q["sql"]]
    assert not [q for q in queries.captured_queries if 'FROM "members_chapter"' in q["sql"]]


def test_a_renamed_unit_shows_on_the_meeting_page_at_once(client, home_page):
    agm = meeting_under_way(home_page)
    client.force_login(agm["outsider"].account)
    url = agm["meeting"].url
    client.get(url)

    chapter = agm["chapter"]
    chapter.name = "Night Shift"
    chapter.save()  # moves the site version: the route and its unit are read again

    assert "Night Shift" in client.get(url).content.decode()


def routed(method, url):
    """The page `route` finds for a request of this method, as `serve` runs it (with the
    path as Wagtail's URL pattern gives it)."""
    request = getattr(RequestFactory(), method)(url)
    path = url.lstrip("/")
    first_reads = read_ahead.request_reads(request, [site_key(request), route_key(request, path)])
    with first_reads, serving(request):
        return route(request, path)[0]


def test_only_a_request_that_shows_the_page_takes_its_row_from_the_cache(client, home_page):
    """A GET shows the page and never saves it; any other request (a vote, a chair's
    action) reads the row fresh, so what it saves is never a kept copy, and a kept unit
    serves it only while the fresh row still names that unit."""
    agm = meeting_under_way(home_page)
    meeting, other = agm["meeting"], agm["outsider"].chapter
    client.force_login(agm["voter"].account)
    client.get(meeting.url)
    client.get(meeting.url)  # kept: the route, the page's row and its unit
    # Changed by no save the product makes (a queryset update sends no signal), so the
    # site version and the kept route stay.
    MeetingPage.objects.filter(pk=meeting.pk).update(title="Renamed", audience_chapter=other)

    shown = routed("get", meeting.url)
    posted = routed("post", meeting.url)

    assert shown.title == meeting.title and shown.audience_chapter == agm["chapter"]
    assert posted.title == "Renamed" and posted.audience_chapter_id == other.pk
    with CaptureQueriesContext(connection) as queries:
        assert posted.audience_chapter.name == other.name  # read, not the kept unit
    assert len(queries) == 1


def test_a_draft_saved_after_the_route_was_kept_never_shows_and_its_publish_shows_at_once(
    client, home_page
):
    page = ContentPageFactory(parent=home_page, title="Strike fund")
    get(client, page.url)
    assert "<h1>Strike fund</h1>" in get(client, page.url).content.decode()
    version = cache.get(VERSION_KEY)

    page.title = "Strike fund, new rules"
    revision = page.save_revision()  # writes the draft's bookkeeping to the page's row

    assert cache.get(VERSION_KEY) == version  # the kept route and row stay in use
    html = get(client, page.url).content.decode()
    assert "<h1>Strike fund</h1>" in html and "new rules" not in html

    revision.publish()

    assert "<h1>Strike fund, new rules</h1>" in get(client, page.url).content.decode()


def test_a_page_saved_in_code_without_publishing_shows_at_once(client, home_page):
    page = ContentPageFactory(parent=home_page, title="Hardship fund")
    get(client, page.url)
    assert "<h1>Hardship fund</h1>" in get(client, page.url).content.decode()

    page.title = "Hardship and strike fund"
    page.save()

    assert "<h1>Hardship and strike fund</h1>" in get(client, page.url).content.decode()


def test_the_kept_row_is_the_pages_own_fields_and_nothing_a_request_put_on_it(client, home_page):
    agm = meeting_under_way(home_page)
    meeting = agm["meeting"]
    client.force_login(agm["voter"].account)
    assert "Cast my vote" in client.get(meeting.url).content.decode()
    assert "Cast my vote" in client.get(meeting.url).content.decode()

    key = route_key(RequestFactory().get(meeting.url), meeting.url.lstrip("/"))
    row = cache.get(key)[1][5]

    fields = {field.attname for field in MeetingPage._meta.concrete_fields}
    # (and the Django version every pickled model instance carries)
    assert set(row.__dict__) == fields | {"_state", "_django_version"}
    assert row._state.fields_cache == {} and not row._state.adding
    assert row.title == meeting.title and row.audience_chapter_id == agm["chapter"].pk
