"""A member's page reads its site version, session, site and route from Redis in one
round trip (cms/read_ahead.py `request_reads`, cms/sessions.py, cms/page_routing.py),
with Redis and sessions as production runs them. What is read so must behave as if
each had been read on its own: a session gone from Redis still signs its member in from
the database, a session ended elsewhere or made up signs nobody in, and a route or site
kept for another site version is never used."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench._redis_commands import redis_commands
from cms import read_ahead
from cms.site_version import VERSION_KEY, bump_site_version
from home.factories import ContentPageFactory
from members.chairs import chairs_a_unit_key
from tests.meeting_fixtures import meeting_under_way
from tests.redis_fixtures import redis_cache_and_sessions, redis_is_running

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379"),
]

DASHBOARD = "/my-union/"


@pytest.fixture(autouse=True)
def redis_sessions(settings):
    yield from redis_cache_and_sessions(settings, "first-reads")


@pytest.fixture
def agm(home_page):
    return meeting_under_way(home_page)


def signed_in(member):
    client = Client()
    client.force_login(member.account)
    return client


def sent_by(client, url):
    """The page (asserted to be a 200), the Redis commands its request sent and its SQL
    statements, once the shared entries it reads are filled (two loads before)."""
    client.get(url)
    client.get(url)
    with redis_commands() as sent, CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode(), sent, [q["sql"] for q in queries.captured_queries]


def test_a_members_meeting_page_reads_redis_twice(agm):
    """The first read (version, session, site, route), then the page's own (its state,
    chairs, shared parts and the member's attendance, proxies and vote weight)."""
    html, sent, _ = sent_by(signed_in(agm["voter"]), agm["meeting"].url)

    assert "Cast my vote" in html
    assert [command.split()[0] for command in sent] == ["MGET", "MGET"], sent


def test_a_members_dashboard_reads_redis_twice_and_the_database_twice(agm):
    """The first read (version, session, site), then the member's shared parts with
    whether they chair a unit; in the database only the user with their member and
    their meetings."""
    html, sent, statements = sent_by(signed_in(agm["voter"]), DASHBOARD)

    assert f"Hello {agm['voter'].given_name}." in html
    assert [command.split()[0] for command in sent] == ["MGET", "MGET"], sent
    assert len(statements) == 2, statements
    assert "auth_user" in statements[0] and "meetings_meetingpage" in statements[1]


@pytest.mark.parametrize("url", ["meeting", DASHBOARD])
def test_a_session_missing_from_redis_is_read_from_the_database(agm, url):
    client = signed_in(agm["voter"])
    url = agm["meeting"].url if url == "meeting" else url
    client.get(url)
    session_key = client.cookies["sessionid"].value
    cache.delete(f"django.contrib.sessions.cached_db{session_key}")

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Cast my vote" in html if url == agm["meeting"].url else "Hello" in html
    assert cache.get(f"django.contrib.sessions.cached_db{session_key}")[SESSION_KEY] == str(
        agm["voter"].account.pk
    )


def test_a_session_ended_elsewhere_signs_nobody_in(agm):
    """Signed out in another window: the session is gone from Redis and the database."""
    client = signed_in(agm["voter"])
    assert client.get(DASHBOARD).status_code == 200
    other_window = Client()
    other_window.cookies = client.cookies
    other_window.post(reverse("account_logout"))

    response = client.get(DASHBOARD)

    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert "Cast my vote" not in client.get(agm["meeting"].url).content.decode()


def test_a_made_up_session_signs_nobody_in(agm):
    client = Client()
    client.cookies["sessionid"] = "x" * 32  # a well-formed key no one was given

    assert client.get(DASHBOARD).status_code == 302
    html = client.get(agm["meeting"].url).content.decode()
    assert "Cast my vote" not in html
    assert not Session.objects.filter(session_key="x" * 32).exists()


def test_a_route_kept_for_another_site_version_is_never_used(home_page):
    """Kept without the version in its key, a route carries its version in its value: one
    that names another page, kept under an earlier version, is passed over."""
    benefits = ContentPageFactory(parent=home_page, title="Member benefits", slug="benefits")
    dues = ContentPageFactory(parent=home_page, title="Dues", slug="dues")
    client = Client(HTTP_COOKIE="seen=1")  # routed on every request, as a member's page is
    client.get(dues.url)  # a first view makes the site's settings: the version moves
    assert "Dues" in client.get(dues.url).content.decode()
    assert "Member benefits" in client.get(benefits.url).content.decode()

    kept = {cache.get(key)[1][0]: key for key in cache.keys("route-5:*")}
    dues_route = cache.get(kept[dues.pk])
    assert dues_route[0] == cache.get(VERSION_KEY)
    benefits_key = kept[benefits.pk]
    cache.set(benefits_key, dues_route)
    # The kept route is used while its version is the current one ...
    assert "<h1>Dues" in client.get(benefits.url).content.decode()

    bump_site_version()

    # ... and passed over once the version has moved on.
    html = client.get(benefits.url).content.decode()
    assert "Member benefits" in html and "<h1>Dues" not in html
    assert cache.get(benefits_key)[0] == cache.get(VERSION_KEY)


def test_whether_a_member_chairs_a_unit_follows_a_new_chair(agm):
    """Kept under the site version, which saving the Chapter moves on."""
    member = agm["voter"]
    client = signed_in(member)
    link = "Chair tools"
    client.get(DASHBOARD)  # a first view makes the site's settings: the version moves
    assert link not in client.get(DASHBOARD).content.decode()
    assert cache.get(chairs_a_unit_key(member)) is False

    chapter = member.chapter
    chapter.chair = member
    chapter.save()

    assert link in client.get(DASHBOARD).content.decode()


# The read-ahead itself ---------------------------------------------------------------


def test_a_read_inside_another_answers_the_keys_of_both_in_one_round_trip_each():
    cache.set_many({"outer": 1, "inner": 2, "elsewhere": 3})
    with redis_commands() as sent:
        with read_ahead.reading(["outer"]):
            with read_ahead.reading(["inner"]):
                seen = (read_ahead.get("outer"), read_ahead.get("inner"))
                read_ahead.put("outer", 10, 60)  # kept where it was read
                after_put = read_ahead.get("outer")
            outside_inner = read_ahead.get("outer")
        seen_after = read_ahead.get("elsewhere")

    assert seen == (1, 2) and after_put == 10 and outside_inner == 10 and seen_after == 3
    assert [command.split()[0] for command in sent] == ["MGET", "MGET", "SET", "GET"], sent


def test_an_add_that_loses_to_another_writer_asks_the_cache_next_time_at_every_level():
    with read_ahead.reading(["key"]), read_ahead.reading(["key", "other"]):
        cache.set("key", "someone else's")  # written after the reads
        assert read_ahead.get("key") is None  # this request's view: read before
        assert read_ahead.add("key", "mine", 60) is False

        assert read_ahead.get("key") == "someone else's"
