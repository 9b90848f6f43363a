"""The public site's security headers: a Content-Security-Policy with no inline script or
style (and pages that need none), no framing, no sniffing, a same-origin referrer; the
Wagtail admin is left to its own headers and emailed HTML keeps its inline styles."""

from html.parser import HTMLParser

import pytest
from django.core import mail

from home.factories import ContentPageFactory
from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import AudienceKind
from tests.meeting_fixtures import meeting_under_way
from tests.member_fixtures import give_account, member_of, two_chapters

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def policy_of(response):
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


class InlineCode(HTMLParser):
    """Collects whatever a strict policy would block: inline scripts, styles, handlers."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        script_type = (attributes.get("type") or "text/javascript").lower()
        # JSON data blocks (Wagtail's userbar has one) are never run, so no policy blocks them.
        if tag == "script" and not attributes.get("src") and "json" not in script_type:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= handler on <{tag}>")
            if name == "style":
                self.found.append(f"style= attribute on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: URL on <{tag}>")


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def site(home_page):
    """A content page, and an AGM under way with an open item and an eligible member."""
    ContentPageFactory(parent=home_page, title="About the union", slug="about")
    agm = meeting_under_way(home_page)
    return {"meeting": agm["meeting"], "member": agm["voter"], "chair": agm["chair"]}


# Each address and what it must answer: a page that disappeared fails the test.
PUBLIC_URLS = {
    "/": 200,
    "/about/": 200,
    "/search/?query=union": 200,
    "/account/login/": 200,
    "/account/sign-up/": 200,
    "/account/password/reset/": 200,
    "/api/member/v1/docs/": 200,
    "/no-such-page/": 404,
}


def test_public_pages_send_the_policy_and_need_no_inline_code(client, site):
    for url, status in PUBLIC_URLS.items():
        response = client.get(url)
        assert response.status_code == status, url
        assert policy_of(response) == POLICY, url
        assert inline_code(response.content.decode()) == [], url


def test_member_pages_need_no_inline_code(client, site):
    client.force_login(site["member"].account)
    meeting_url = site["meeting"].url

    for url in ["/", "/my-union/", "/my-union/my-information/", meeting_url]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert policy_of(response) == POLICY, url
        assert inline_code(response.content.decode()) == [], url
    ballot = client.get(meeting_url + "ballot/", headers={"X-Requested-With": "fetch"})
    assert inline_code(ballot.content.decode()) == []


def test_the_chairs_page_needs_no_inline_code(client, site):
    client.force_login(site["chair"])

    response = client.get(site["meeting"].url + "chair/")

    assert response.status_code == 200
    assert policy_of(response) == POLICY
    assert inline_code(response.content.decode()) == []


def test_the_editors_userbar_on_public_pages_needs_no_inline_code(admin_client, site):
    response = admin_client.get("/about/")

    assert "wagtail-userbar" in response.content.decode()
    assert policy_of(response) == POLICY
    assert inline_code(response.content.decode()) == []


def test_pages_refuse_framing_and_sniffing_and_keep_the_referrer_on_the_site(client, site):
    response = client.get("/")

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_wagtail_admin_is_left_to_its_own_allowances(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
    # The admin still refuses to be framed by other sites.
    assert response.headers["X-Frame-Options"] in ("DENY", "SAMEORIGIN")


def test_the_json_apis_carry_the_policy_too(client, site):
    for url in ["/api/v2/pages/", "/api/member/v1/me/"]:
        response = client.get(url)
        assert policy_of(response) == POLICY, url


def test_emailed_html_keeps_its_inline_styles(
    home_page, member_resource_centre, django_capture_on_commit_callbacks
):
    # Email is not an HTTP response: the policy never reaches it, and mail clients need
    # inline styles, so the notice keeps them.
    chapter, _other = two_chapters()
    member = member_of(chapter)
    give_account(member)
    meeting = MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter,
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting.save_revision().publish()

    [message] = [m for m in mail.outbox if m.to == [member.email]]
    [(html, _type)] = message.alternatives
    assert 'style="' in html
    assert "Content-Security-Policy" not in message.message().as_string()
