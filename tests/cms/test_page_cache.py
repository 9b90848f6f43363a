"""Cache headers decided in one place (cms/caching.py), and the shared page cache:
anonymous visitors' public pages are kept and served without a database query, every
publish empties it at once, and nobody signed in, no form and no preview is ever
served from it."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms.caching import may_be_stored
from cms.factories import DocumentFactory
from cms.site_version import bump_site_version, site_version
from cms.wsgi import application
from home.factories import ContentPageFactory
from home.models import ContentPage
from tests.cms.test_security_headers import POLICY, policy_of
from tests.dev_settings import dev_setting
from tests.member_fixtures import give_account, member_of, two_chapters
from tests.redis_fixtures import redis_is_running

pytestmark = pytest.mark.django_db


def directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def varies_on_cookie(response):
    return "cookie" in {part.strip().lower() for part in response.get("Vary", "").split(",")}


def queries_made(client, url, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    return response, len(queries)


@pytest.fixture(autouse=True)
def site_settings(home_page, member_resource_centre, privacy_officer):
    """Made before any page is cached: creating them on first use would empty the cache."""


@pytest.fixture
def about(home_page):
    return ContentPageFactory(parent=home_page, title="About the union", slug="about")


@pytest.fixture
def member(home_page):
    chapter, _other = two_chapters()
    member = member_of(chapter, given_name="Ada")
    give_account(member)
    return member


# Cache headers -------------------------------------------------------------------------


def test_a_public_page_may_be_kept_briefly_by_browsers_and_longer_by_shared_caches(client, about):
    response = client.get(about.url)

    assert response.status_code == 200
    assert directives(response) == {
        "public",
        f"max-age={settings.PUBLIC_PAGE_MAX_AGE}",
        f"s-maxage={settings.PUBLIC_PAGE_SHARED_MAX_AGE}",
    }
    assert settings.PUBLIC_PAGE_MAX_AGE < settings.PUBLIC_PAGE_SHARED_MAX_AGE
    assert varies_on_cookie(response)


def test_a_signed_in_member_gets_private_pages(client, about, member):
    client.force_login(member.account)

    for url in ["/", about.url]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-cache"} <= directives(response), url
        assert "public" not in directives(response), url
        assert varies_on_cookie(response), url


def test_a_page_with_a_csrf_form_is_private_and_never_stored(client, home_page):
    # allauth's sign-in page says never_cache itself; the password reset form is left to us.
    url = reverse("account_reset_password")

    first = client.get(url)
    client.cookies.clear()  # as a new visitor, who would get the stored copy if there were one
    second, queries = queries_made(client, url)

    for response in (first, second):
        assert 'name="csrfmiddlewaretoken"' in response.content.decode()
        assert {"private", "no-cache"} <= directives(response)
        assert settings.CSRF_COOKIE_NAME in response.cookies
    assert queries > 0


def test_a_view_restricted_page_is_private_to_everyone(
    client, about, member, restrict_to_signed_in
):
    restrict_to_signed_in(about)

    refused = client.get(about.url)
    client.force_login(member.account)
    shown = client.get(about.url)

    assert refused.status_code == 302 and "private" in directives(refused)
    assert shown.status_code == 200 and {"private", "no-cache"} <= directives(shown)


def test_documents_are_never_kept_by_shared_caches(client, home_page):
    document = DocumentFactory()

    response = client.get(document.url)

    assert response.status_code == 200
    assert "private" in directives(response) and "public" not in directives(response)


def test_views_that_decide_their_own_caching_keep_it(client, home_page):
    # The member API says no-store (members/api/access.py); it must not be loosened.
    response = client.get("/api/member/v1/me/")

    assert "no-store" in directives(response)
    assert "public" not in directives(response)


# The page cache --------------------------------------------------------------------------


def test_a_second_anonymous_visit_is_served_from_the_cache_without_a_query(
    client, about, django_assert_num_queries
):
    first = client.get(about.url)

    with django_assert_num_queries(0):
        second = client.get(about.url)

    assert second.status_code == 200
    assert second.content == first.content


def test_a_cached_page_still_carries_the_security_headers(client, about, django_assert_num_queries):
    client.get(about.url)

    with django_assert_num_queries(0):
        hit = client.get(about.url)

    assert policy_of(hit) == POLICY
    assert hit.headers["X-Frame-Options"] == "DENY"
    assert hit.headers["X-Content-Type-Options"] == "nosniff"
    assert hit.headers["Referrer-Policy"] == "same-origin"
    assert "public" in directives(hit) and varies_on_cookie(hit)
    assert not hit.cookies


def test_publishing_any_page_shows_every_change_at_once(client, home_page, about):
    assert "About the union" in client.get(about.url).content.decode()
    # A change that is not a publish is not seen: the page comes from the cache.
    ContentPage.objects.filter(pk=about.pk).update(title="About Northwind")
    assert "About the union" in client.get(about.url).content.decode()

    other = ContentPageFactory(parent=home_page, title="Strike pay", live=False)
    other.save_revision().publish()

    html = client.get(about.url).content.decode()
    assert "About Northwind" in html and "About the union" not in html


def test_making_a_page_private_takes_its_cached_copy_away(client, about, restrict_to_signed_in):
    assert client.get(about.url).status_code == 200

    restrict_to_signed_in(about)

    response = client.get(about.url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_page_rendered_while_an_editor_publishes_is_not_kept(client, about, monkeypatch):
    get_context = ContentPage.get_context

    def publish_meanwhile(page, request, *args, **kwargs):
        context = get_context(page, request, *args, **kwargs)  # the old title, read
        monkeypatch.setattr(ContentPage, "get_context", get_context)
        ContentPage.objects.filter(pk=page.pk).update(title="About Northwind")
        bump_site_version()  # as publishing does
        return context

    monkeypatch.setattr(ContentPage, "get_context", publish_meanwhile)

    assert "About the union" in client.get(about.url).content.decode()
    assert "About Northwind" in client.get(about.url).content.decode()


def test_the_version_moves_again_when_a_publish_is_committed(
    about, django_capture_on_commit_callbacks
):
    # A page rendered between the publish and its commit shows the old content; it was
    # stored under the version set at publish, which the commit leaves behind.
    with django_capture_on_commit_callbacks(execute=True):
        about.save_revision().publish()
        during = site_version()

    assert site_version() != during


def test_a_signed_in_member_never_gets_the_cached_anonymous_home_page(client, home_page, member):
    anonymous = client.get("/").content.decode()
    assert "For you" not in anonymous

    client.force_login(member.account)
    response = client.get("/")

    assert "For you, Ada" in response.content.decode()
    assert "private" in directives(response)


def test_a_member_costs_no_page_cache_lookup(client, about, member, monkeypatch):
    client.get(about.url)  # cached for anonymous visitors
    client.force_login(member.account)
    default_cache = caches["default"]
    keys_read = []
    get, get_many = default_cache.get, default_cache.get_many
    monkeypatch.setattr(
        default_cache, "get", lambda key, *a, **kw: keys_read.append(key) or get(key, *a, **kw)
    )
    monkeypatch.setattr(
        default_cache,
        "get_many",
        lambda keys, *a, **kw: keys_read.extend(keys) or get_many(keys, *a, **kw),
    )

    assert client.get(about.url).status_code == 200

    assert keys_read and not [key for key in keys_read if key.startswith("page:")]


def test_after_signing_out_the_member_sees_the_message_not_a_cached_page(client, home_page, member):
    client.get("/")  # the anonymous home page, cached
    client.force_login(member.account)

    response = client.post(reverse("account_logout"), follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "You have signed out." in response.content.decode()


def test_editors_get_the_userbar_not_the_cached_page(client, admin_client, about):
    client.get(about.url)  # cached for anonymous visitors

    response = admin_client.get(about.url)

    assert "wagtail-userbar" in response.content.decode()
    assert "private" in directives(response)


def test_a_preview_is_never_answered_from_the_cache(client, about, rf):
    # Wagtail previews send a made-up request for the page's own address, with the cookies
    # of the request they were made from: here none, as the cached copy was stored with.
    client.get(about.url, HTTP_HOST="localhost")

    about.title = "About the union (draft)"
    response = about.make_preview_request(original_request=rf.get("/", HTTP_HOST="localhost"))

    assert "About the union (draft)" in response.content.decode()
    assert "private" in directives(response)


def test_pages_with_a_query_string_are_rendered_every_time(client, about):
    client.get("/search/?query=union")

    response, queries = queries_made(client, "/search/?query=union")

    assert response.status_code == 200
    assert queries > 0


def test_the_page_cache_can_be_switched_off(client, about, settings):
    settings.PAGE_CACHE = False
    client.get(about.url)

    response = client.get(about.url)

    assert "public" in directives(response)  # the headers are still decided
    # Rendered again, not answered from the cache (a render of a public page may make no
    # query at all: its route, row and fragments are cached on their own).
    assert [template.name for template in response.templates][:1] == ["home/content_page.html"]


def test_only_a_response_the_same_for_every_visitor_is_stored(rf):
    def public(**headers):
        response = HttpResponse("page")
        response["Cache-Control"] = "public, max-age=60, s-maxage=600"
        for name, value in headers.items():
            response[name] = value
        return response

    request = rf.get("/about/")
    assert may_be_stored(request, public(Vary="Cookie"))
    assert not may_be_stored(request, public(Vary="Cookie, Accept-Encoding"))
    assert not may_be_stored(rf.head("/about/"), public())
    private = public()
    private["Cache-Control"] = "private, no-cache"
    assert not may_be_stored(request, private)
    with_cookie = public()
    with_cookie.set_cookie("seen", "1")
    assert not may_be_stored(request, with_cookie)
    request._csp_nonce = "a-nonce-for-this-response-only"
    assert not may_be_stored(request, public())


# The WSGI application gunicorn runs ------------------------------------------------------


def served(environ):
    """Status, headers and body of one request through cms.wsgi.application, as gunicorn
    calls it."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers

    # As Django's test client does: the test's transaction is not a connection to close.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = application(environ, start_response)
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], dict(answer["headers"]), content


@pytest.fixture
def reached_django():
    """The requests that reached Django's handler (it sends request_started for each)."""
    started = []

    def count(environ, **kwargs):
        started.append(environ["PATH_INFO"])

    request_started.connect(count)
    yield started
    request_started.disconnect(count)


def test_gunicorn_gets_a_hit_before_djangos_handler_runs(
    rf, about, reached_django, django_assert_num_queries
):
    miss = served(rf.get(about.url).environ)
    assert reached_django == [about.url]

    with django_assert_num_queries(0):
        hit = served(rf.get(about.url).environ)

    assert reached_django == [about.url]
    assert hit == miss
    status, headers, content = hit
    assert status == "200 OK" and b"About the union" in content
    assert policy_of(SimpleNamespace(headers=headers)) == POLICY
    assert headers["X-Frame-Options"] == "DENY"
    assert int(headers["Content-Length"]) == len(content)
    assert "public" in {part.strip() for part in headers["Cache-Control"].split(",")}
    assert "Set-Cookie" not in headers


def test_gunicorn_sends_anyone_the_cache_may_not_answer_to_django(
    rf, about, member, reached_django
):
    served(rf.get(about.url).environ)  # cached
    reached_django.clear()

    signed_in = rf.get(about.url, HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc").environ
    with_token = rf.get(about.url, HTTP_AUTHORIZATION="Bearer abc").environ
    searching = rf.get(about.url, {"page": "2"}).environ
    for environ in (signed_in, with_token, searching, rf.post(about.url).environ):
        served(environ)

    assert reached_django == [about.url] * 4


def test_gunicorn_leaves_a_forged_host_to_django(rf, about, reached_django):
    served(rf.get(about.url).environ)  # cached for testserver

    status, _headers, _content = served(rf.get(about.url, HTTP_HOST="evil.example").environ)

    assert status.startswith("400")
    assert reached_django == [about.url, about.url]


def test_gunicorn_shows_a_publish_at_once(rf, home_page, about, reached_django):
    served(rf.get(about.url).environ)
    ContentPage.objects.filter(pk=about.pk).update(title="About Northwind")

    other = ContentPageFactory(parent=home_page, title="Strike pay", live=False)
    other.save_revision().publish()
    _status, _headers, content = served(rf.get(about.url).environ)

    assert b"About Northwind" in content
    assert reached_django == [about.url, about.url]


def test_a_miss_reads_the_page_cache_once(rf, about, monkeypatch):
    default_cache = caches["default"]
    get_many = default_cache.get_many
    page_reads = []

    def counted(keys, *args, **kwargs):
        page_reads.extend(key for key in keys if key.startswith("page:"))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(default_cache, "get_many", counted)

    served(rf.get(about.url).environ)

    assert len(page_reads) == 1


# Image renditions ------------------------------------------------------------------------


def test_image_renditions_have_their_own_cache_without_redis():
    backend = dev_setting("settings.CACHES['renditions']['BACKEND']", REDIS_URL="")
    assert backend == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_image_renditions_are_cached_in_redis_apart_from_pages():
    renditions, default = dev_setting(
        "[settings.CACHES[name] for name in ('renditions', 'default')]",
        REDIS_URL="redis://127.0.0.1:6379/1",
    )
    assert renditions["BACKEND"] == "django_redis.cache.RedisCache"
    assert renditions["LOCATION"] == default["LOCATION"]
    assert renditions["KEY_PREFIX"] != default["KEY_PREFIX"]
