"""Members see pages personalised to their sector, Local and Chapter; nobody else does."""

import json

import pytest
from django.urls import reverse

from home.models import ContentPage
from tests.member_fixtures import (
    give_account,
    member_of,
    members_only,
    save_my_choices,
    two_chapters,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def union(home_page):
    chapter_a, chapter_b = two_chapters()
    ward = member_of(chapter_a, given_name="Ada")
    school = member_of(chapter_b, given_name="Bram")
    give_account(ward)
    give_account(school)
    return {"chapter_a": chapter_a, "chapter_b": chapter_b, "ward": ward, "school": school}


@pytest.fixture
def bargaining_page(home_page, union):
    a, b = union["chapter_a"], union["chapter_b"]
    body = [
        {
            "type": "text",
            "value": {"heading": "Bargaining update", "text": "<p>Talks resume in March.</p>"},
        },
        members_only("For every member", "Strike vote dates are set."),
        members_only("North Ward only", "North Ward caucus meets Tuesday.", chapters=[a]),
        members_only(
            "Education only", "School calendars bargaining notes.", sectors=[b.local.sector]
        ),
    ]
    page = home_page.add_child(
        instance=ContentPage(title="Bargaining 2027", slug="bargaining-2027", body=json.dumps(body))
    )
    page.save_revision().publish()
    return page


def test_members_of_different_chapters_see_different_members_only_sections(
    client, union, bargaining_page
):
    client.force_login(union["ward"].account)
    ward_html = client.get(bargaining_page.url).content.decode()
    client.force_login(union["school"].account)
    school_html = client.get(bargaining_page.url).content.decode()

    assert "Strike vote dates are set." in ward_html and "Strike vote dates are set." in school_html
    assert "North Ward caucus meets Tuesday." in ward_html
    assert "North Ward caucus meets Tuesday." not in school_html
    assert "School calendars bargaining notes." in school_html
    assert "School calendars bargaining notes." not in ward_html


def test_anonymous_visitor_sees_no_members_only_content_but_an_invitation(client, bargaining_page):
    html = client.get(bargaining_page.url).content.decode()

    assert "Talks resume in March." in html
    for secret in ("Strike vote dates", "North Ward caucus", "School calendars"):
        assert secret not in html
    assert reverse("account_login") in html


def test_unverified_account_sees_no_members_only_content(client, union, bargaining_page):
    ward = union["ward"]
    ward.account.emailaddress_set.update(verified=False)
    client.force_login(ward.account)

    assert "Strike vote dates" not in client.get(bargaining_page.url).content.decode()


def test_members_only_content_is_not_in_the_api_or_search(client, bargaining_page):
    api = client.get(f"/api/v2/pages/{bargaining_page.pk}/").json()
    blob = json.dumps(api)
    assert "Strike vote dates" not in blob and "North Ward caucus" not in blob
    assert [b["value"].get("members_only") for b in api["body"] if b["type"] == "members_only"] == [
        True
    ] * 3

    results = client.get(reverse("search"), {"query": "caucus"}).content.decode()
    assert bargaining_page.title not in results


def test_dashboards_differ_by_chapter_and_show_pages_aimed_at_the_member(client, home_page, union):
    a, b = union["chapter_a"], union["chapter_b"]
    for title, field, target in [
        ("North Ward shift bids", "aimed_at_chapters", a),
        ("Education sector survey", "aimed_at_sectors", b.local.sector),
    ]:
        page = home_page.add_child(instance=ContentPage(title=title, body="[]"))
        getattr(page, field).set([target])
        page.save_revision().publish()

    client.force_login(union["ward"].account)
    ward_dash = client.get(reverse("members:dashboard")).content.decode()
    client.force_login(union["school"].account)
    school_dash = client.get(reverse("members:dashboard")).content.decode()

    assert "North Ward" in ward_dash and "Local 012" in ward_dash
    assert "North Ward shift bids" in ward_dash and "Education sector survey" not in ward_dash
    assert "Lakeside School" in school_dash and "Local 034" in school_dash
    assert "Education sector survey" in school_dash and "North Ward shift bids" not in school_dash


def test_the_dashboard_reads_the_members_units_in_the_members_own_query(client, home_page, union):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(union["ward"].account)
    client.get(reverse("members:dashboard"))  # fills the caches a first view fills
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("members:dashboard")).content.decode()

    assert "North Ward" in page and "Local 012" in page
    unit_lookups = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().startswith('SELECT "members_local"')
        or query["sql"].lstrip().startswith('SELECT "members_chapter"')
    ]
    assert unit_lookups == []


def test_home_page_greets_a_signed_in_member_with_their_units(client, home_page, union):
    client.force_login(union["ward"].account)

    html = client.get(home_page.url).content.decode()

    assert "For you, Ada" in html and "North Ward" in html


def test_anonymous_visitor_is_sent_to_sign_in_from_the_dashboard(client, home_page):
    response = client.get(reverse("members:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_my_information_shows_the_roster_and_saves_choices(client, union):
    ward = union["ward"]
    client.force_login(ward.account)

    page = client.get(reverse("members:my_information")).content.decode()
    assert ward.member_id in page and ward.email in page

    response = save_my_choices(client, ward, "wants_meeting_notices", "refuses_contact_sharing")

    assert response.status_code == 302
    assert ward.wants_meeting_notices and ward.refuses_contact_sharing
    assert not ward.wants_newsletter and not ward.refuses_postal_mail


def test_my_information_refuses_a_forged_post_without_csrf(union):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(union["ward"].account)

    response = client.post(reverse("members:my_information"), {"refuses_email": "on"})

    assert response.status_code == 403
    union["ward"].refresh_from_db()
    assert not union["ward"].refuses_email
