"""Previews: editors see a page as the public, or as a member of one sector, would, with
members-only sections shown or hidden (and labelled) accordingly."""

import json

import pytest
from django.urls import reverse

from home.models import ContentPage, HomePage
from meetings.factories import GuidePageFactory
from members.factories import ChapterFactory, LocalFactory, SectorFactory
from policies.factories import PolicyPageFactory
from tests.member_fixtures import members_only
from tests.staff_fixtures import signed_in, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def union(db):
    health = SectorFactory(name="Health care", slug="health-care")
    education = SectorFactory(name="Education", slug="education")
    ward = ChapterFactory(local=LocalFactory(number=12, sector=health), number=1, name="Ward")
    school_local = LocalFactory(number=34, sector=education)
    return {"health": health, "education": education, "ward": ward, "school": school_local}


@pytest.fixture
def bargaining_page(home_page, union):
    body = [
        {"type": "text", "value": {"heading": "", "text": "<p>Talks resume in March.</p>"}},
        members_only("Every member"),
        members_only("Health care members", sectors=[union["health"]]),
        members_only("Local 034 members", locals_=[union["school"]]),
        members_only("Ward chapter members", chapters=[union["ward"]]),
    ]
    page = home_page.add_child(
        instance=ContentPage(title="Bargaining 2027", slug="bargaining-2027", body=json.dumps(body))
    )
    page.save_revision().publish()
    return page


SECTIONS = ["Every member", "Health care members", "Local 034 members", "Ward chapter members"]


def preview(client, page, mode):
    """The admin's preview of the page's latest revision, in the given preview mode."""
    url = reverse("wagtailadmin_pages:revisions_view", args=(page.pk, page.latest_revision_id))
    response = client.get(url, {"mode": mode})
    assert response.status_code == 200
    return response.content.decode()


def shown(html):
    return {heading for heading in SECTIONS if f"<p>{heading}.</p>" in html}


@pytest.fixture
def editor_client(db):
    return signed_in(staff_member("editor"))


def test_content_pages_offer_a_preview_mode_per_sector(bargaining_page, union):
    modes = dict(bargaining_page.preview_modes)
    assert modes[""] == "Every section (editor's view)"
    assert modes["public"] == "Public view (not signed in)"
    assert modes["sector-health-care"] == "Member of Health care"
    assert modes["sector-education"] == "Member of Education"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("", set(SECTIONS)),
        ("public", set()),
        ("sector-health-care", {"Every member", "Health care members", "Ward chapter members"}),
        ("sector-education", {"Every member", "Local 034 members"}),
    ],
)
def test_each_preview_mode_shows_the_sections_its_audience_would_see(
    mode, expected, bargaining_page, editor_client
):
    html = preview(editor_client, bargaining_page, mode)

    assert "Talks resume in March." in html
    assert shown(html) == expected


def test_a_sector_preview_labels_what_it_shows_and_what_it_hides(bargaining_page, editor_client):
    html = preview(editor_client, bargaining_page, "sector-education")

    assert "(preview as a member of Education)" in html
    assert "“Health care members” hidden: not shown to a member of Education" in html


def test_the_public_preview_shows_the_invitation_to_sign_in(bargaining_page, editor_client):
    html = preview(editor_client, bargaining_page, "public")

    assert "members see more here" in html.lower()
    assert reverse("account_login") in html


def test_the_live_page_is_untouched_by_preview_modes(bargaining_page, client):
    html = client.get(bargaining_page.url).content.decode()
    assert shown(html) == set()


def test_the_home_page_previewed_as_a_sector_lists_pages_aimed_at_it(home_page, union):
    aimed = home_page.add_child(instance=ContentPage(title="Health care survey", body="[]"))
    aimed.aimed_at_sectors.set([union["health"]])
    aimed.save_revision().publish()

    health = home_page.make_preview_request(preview_mode="sector-health-care").content.decode()
    education = home_page.make_preview_request(preview_mode="sector-education").content.decode()

    assert "Preview as a member of Health care" in health
    assert "Health care survey" in health
    assert "Health care survey" not in education


@pytest.mark.parametrize("mode", ["", "public", "sector-health-care"])
def test_every_page_type_with_members_only_sections_previews_in_every_mode(
    mode, home_page, guide_index, union
):
    body = json.dumps([members_only("Health care members", sectors=[union["health"]])])
    pages = [
        home_page,
        home_page.add_child(instance=ContentPage(title="News", body=body)),
        PolicyPageFactory(parent=home_page, body=body),
        GuidePageFactory(parent=guide_index, body=body),
    ]
    for page in pages:
        assert mode in dict(page.preview_modes)
        response = page.make_preview_request(preview_mode=mode)
        assert response.status_code == 200, type(page).__name__
        html = response.content.decode()
        if isinstance(page, HomePage):
            continue
        assert ("<p>Health care members.</p>" in html) is (mode != "public")
