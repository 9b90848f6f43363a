"""Search in members' words: "Zoom" finds the guide that says "video call"."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from home.factories import ContentPageFactory
from home.search import MAX_VERSIONS, query_versions
from meetings.factories import GuidePageFactory
from meetings.models import GuidePage

pytestmark = pytest.mark.django_db


def search(client, query):
    response = client.get(reverse("search"), {"query": query})
    assert response.status_code == 200
    return response


def titles(response):
    return [result.title for result in response.context["search_results"]]


@pytest.fixture
def agm_guide(guide_index):
    return GuidePageFactory(
        parent=guide_index,
        steps__0__step__title="Join the video call beside the meeting page",
        steps__0__step__text=(
            "<p>Use the video call link on the meeting page. On a slow connection, "
            "call the dial-in number instead.</p>"
        ),
        steps__1__step__title="Vote on the meeting page",
        steps__1__step__text="<p>Each item opens when the chair calls it.</p>",
    )


@pytest.fixture
def unrelated(home_page):
    return ContentPageFactory(
        parent=home_page,
        title="Member benefits",
        body__0__text__text="<p>Discounts on insurance for members and their families.</p>",
    )


@pytest.mark.parametrize("query", ["zoom", "Zoom", "ZOOM link", "Teams", "Microsoft Teams"])
def test_video_call_apps_find_the_agm_guide(client, agm_guide, unrelated, query):
    response = search(client, query)

    assert titles(response) == ["Taking part in a virtual AGM"]
    assert "We also looked for “video call”, the word our pages use." in response.content.decode()


@pytest.mark.parametrize("query", ["phone in", "phone-in", "call in"])
def test_phoning_in_finds_the_dial_in_number(client, agm_guide, unrelated, query):
    assert titles(search(client, query)) == ["Taking part in a virtual AGM"]


def test_ballot_finds_pages_about_voting(client, agm_guide, unrelated):
    found = titles(search(client, "ballot"))

    assert found[0] == "Taking part in a virtual AGM" and "Member benefits" not in found


def test_a_query_without_synonyms_searches_as_typed_and_says_nothing_more(
    client, agm_guide, unrelated
):
    response = search(client, "insurance")

    assert titles(response) == ["Member benefits"]
    assert "We also looked for" not in response.content.decode()
    assert titles(search(client, "zoom insurance")) == []


def test_synonyms_never_find_restricted_pages(client, home_page, restrict_to_signed_in):
    hidden = ContentPageFactory(
        parent=home_page,
        title="Members' video call etiquette",
        body__0__text__text="<p>Mute the video call when you are not speaking.</p>",
    )
    restrict_to_signed_in(hidden)

    assert titles(search(client, "zoom")) == []


def test_a_synonym_is_swapped_whole_and_versions_are_capped():
    versions, site_words = query_versions("Microsoft Teams link")

    assert versions[0] == "microsoft teams link"
    assert "video call link" in versions
    assert not any("microsoft video call" in version for version in versions)
    assert site_words == ["video call"]
    many, _ = query_versions("zoom phone in ballot proxy agm speak")
    assert len(many) == MAX_VERSIONS + 1


def test_searching_zoom_finds_the_demo_agm_guide(client):
    call_command("load_demo", stdout=io.StringIO())
    guide = GuidePage.objects.get(slug="virtual-agm")

    found = list(search(client, "zoom").context["search_results"])

    assert found and found[0].pk == guide.pk, [page.title for page in found]
