"""No member's personal information appears on any public page or in the public API."""

import io
import re

import pytest
from django.core.management import call_command
from wagtail.models import Page

from members.models import Member

pytestmark = pytest.mark.django_db


def personal_markers(members):
    """Every string that would identify a member if it appeared in public."""
    markers = set()
    for member in members:
        markers.add(re.compile(rf"\b{member.member_id}\b"))
        for value in (member.email, member.phone, member.address_line_1, member.postal_code):
            if value:
                markers.add(re.compile(re.escape(value), re.IGNORECASE))
        markers.add(re.compile(re.escape(f"{member.given_name} {member.family_name}")))
    return markers


# A time the API prints ("2026-12-06T17:05:40.201332+00:00") is no one's member ID, even
# when its microseconds happen to be six digits that are (one CI run printed 201332).
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?")


def public_urls(client):
    urls = ["/", "/sitemap.xml", "/robots.txt", "/search/?query=member", "/search/?query=Local"]
    urls += [page.url for page in Page.objects.live().public().specific() if page.url]
    urls += ["/api/v2/pages/?fields=*&limit=100", "/api/v2/documents/", "/api/v2/images/"]
    for page in client.get("/api/v2/pages/?limit=100").json()["items"]:
        urls.append(f"/api/v2/pages/{page['id']}/")
    for document in client.get("/api/v2/documents/").json()["items"]:
        urls.append(f"/api/v2/documents/{document['id']}/")
    return urls


def test_no_personal_information_on_public_pages_or_in_the_api(client):
    call_command("load_demo", stdout=io.StringIO())
    members = list(Member.objects.all())
    assert len(members) > 300
    markers = personal_markers(members)

    scanned = 0
    for url in public_urls(client):
        response = client.get(url)
        assert response.status_code == 200, url
        text = TIMESTAMP.sub("<time>", response.content.decode())
        leaks = [marker.pattern for marker in markers if marker.search(text)]
        assert not leaks, f"{url} shows personal information: {leaks[:5]}"
        scanned += 1
    assert scanned > 15


def test_reading_public_pages_sets_no_cookies_and_signing_in_only_the_sites_own(client):
    # The statement: only the cookies needed to keep you signed in and protect forms;
    # no advertising or tracking cookies (nor any other site's script: see the CSP tests).
    from home.factories import build_site
    from members.factories import MemberFactory
    from tests.member_fixtures import give_account

    build_site()
    member = MemberFactory(email="ada.okafor@example.org")
    give_account(member, password="plum orchard ladder 42")

    for url in ["/", "/search/?query=agm", "/sitemap.xml", "/api/v2/pages/"]:
        assert client.get(url).cookies == {}, url
    client.get("/account/login/")  # a form: the CSRF cookie protects it
    client.post("/account/login/", {"login": member.email, "password": "plum orchard ladder 42"})
    client.get("/my-union/")

    assert set(client.cookies) <= {"csrftoken", "sessionid", "messages"}
    assert "sessionid" in client.cookies
    assert client.cookies["sessionid"]["httponly"]
