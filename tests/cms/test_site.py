"""The public site around the pages: search, sitemap, robots.txt, error pages,
navigation, the footer's contact details, and page and document privacy."""

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from cms.factories import DocumentFactory
from home.factories import ContentPageFactory
from home.models import HomePage
from home.views import MAX_QUERY_LENGTH, RESULTS_PER_PAGE
from meetings.factories import GuidePageFactory
from policies.factories import PolicyPageFactory

pytestmark = pytest.mark.django_db


def soup_of(response):
    return BeautifulSoup(response.content, "html.parser")


def search_titles(client, query, **params):
    response = client.get(reverse("search"), {"query": query, **params})
    assert response.status_code == 200
    return [result.title for result in response.context["search_results"]]


def frontend_login_url():
    return getattr(settings, "WAGTAIL_FRONTEND_LOGIN_URL", None) or reverse("wagtailcore_login")


# Search


def test_search_finds_a_public_page_by_a_word_in_its_body(client, home_page):
    ContentPageFactory(
        parent=home_page,
        title="Meeting rules",
        introduction="How our meetings run.",
        body__0__text__text="<p>A meeting needs quorum before any vote.</p>",
    )
    ContentPageFactory(parent=home_page, title="Member benefits")

    assert search_titles(client, "quorum") == ["Meeting rules"]
    assert "Meeting rules" in client.get(reverse("search"), {"query": "quorum"}).content.decode()


def test_search_finds_words_inside_nested_components(client, home_page, guide_index):
    GuidePageFactory(parent=guide_index, steps__1__step__text="<p>Press the green button.</p>")

    assert search_titles(client, "green") == ["Taking part in a virtual AGM"]


def test_search_leaves_out_restricted_and_draft_pages(client, home_page, restrict_to_signed_in):
    text = "<p>The strike fund pays out weekly.</p>"
    ContentPageFactory(parent=home_page, title="Strike fund", body__0__text__text=text)
    restricted = ContentPageFactory(
        parent=home_page, title="Strike fund balance", body__0__text__text=text
    )
    restrict_to_signed_in(restricted)
    ContentPageFactory(parent=restricted, title="Strike fund payments", body__0__text__text=text)
    ContentPageFactory(
        parent=home_page, title="Strike fund draft", body__0__text__text=text, live=False
    )

    assert search_titles(client, "weekly") == ["Strike fund"]


def test_search_query_is_capped(client, home_page):
    response = client.get(reverse("search"), {"query": "quorum " * 100})

    assert response.status_code == 200
    assert len(response.context["search_query"]) == MAX_QUERY_LENGTH


def test_empty_search_shows_the_form_without_results(client, home_page):
    response = client.get(reverse("search"), {"query": "   "})

    assert response.status_code == 200
    assert response.context["result_count"] == 0
    assert soup_of(response).find("ol", class_="search-results") is None


def test_search_results_are_paged_and_a_bad_page_number_does_not_break(client, home_page):
    for number in range(RESULTS_PER_PAGE + 2):
        ContentPageFactory(
            parent=home_page,
            title=f"Local {number} bulletin",
            body__0__text__text="<p>Bulletin news.</p>",
        )

    assert len(search_titles(client, "bulletin")) == RESULTS_PER_PAGE
    assert len(search_titles(client, "bulletin", page=2)) == 2
    assert len(search_titles(client, "bulletin", page=99)) == 2  # the last page
    assert len(search_titles(client, "bulletin", page="two")) == RESULTS_PER_PAGE


# Sitemap and robots.txt


def sitemap_locations(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return {urlsplit(loc.get_text()).path for loc in soup_of(response).find_all("loc")}


def test_sitemap_lists_public_pages_only(client, home_page, guide_index, restrict_to_signed_in):
    content = ContentPageFactory(parent=home_page, title="About the union")
    policy = PolicyPageFactory(parent=home_page)
    guide = GuidePageFactory(parent=guide_index)
    restricted = ContentPageFactory(parent=home_page, title="Bargaining strategy")
    restrict_to_signed_in(restricted)
    hidden_child = ContentPageFactory(parent=restricted, title="Wage proposals")
    draft = ContentPageFactory(parent=home_page, title="Draft", live=False)

    locations = sitemap_locations(client)

    expected = {home_page.url, content.url, policy.url, guide_index.url, guide.url}
    assert expected <= locations
    assert not {restricted.url, hidden_child.url, draft.url} & locations


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin(client, home_page):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert client.get(urlsplit("http://testserver/sitemap.xml").path).status_code == 200


# Error pages


def test_pages_name_the_sites_own_icon_so_browsers_do_not_ask_for_favicon_ico(client, home_page):
    from django.contrib.staticfiles import finders

    html = BeautifulSoup(client.get("/").content, "html.parser")
    icon = html.find("link", rel="icon")

    assert icon is not None and icon["href"].startswith(settings.STATIC_URL)
    assert finders.find(icon["href"].removeprefix(settings.STATIC_URL))


def test_unknown_address_gives_the_sites_own_404_page(client, home_page):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    page = soup_of(response)
    assert page.h1.get_text() == "We can't find that page"
    assert page.find("a", href=reverse("search")) is not None
    assert page.find("footer") is not None


def test_500_page_renders_on_its_own():
    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
    assert "receipt code" in html
    assert 'href="/"' in html


def test_a_crashing_page_shows_the_500_page(client, home_page, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(HomePage, "get_context", broken)
    client.raise_request_exception = False

    response = client.get(home_page.url)

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


# Navigation and footer


def test_main_menu_lists_pages_marked_for_menus_and_marks_the_current_one(client, home_page):
    about = ContentPageFactory(parent=home_page, title="About us", show_in_menus=True)
    ContentPageFactory(parent=home_page, title="Hidden from menus", show_in_menus=False)
    history = ContentPageFactory(parent=about, title="Our history", show_in_menus=True)

    menu = soup_of(client.get(about.url)).find("nav", attrs={"aria-label": "Main"})
    links = [(a.get_text(), a["href"]) for a in menu.find_all("a")]
    assert links == [("Home", home_page.url), ("About us", about.url)]
    assert menu.find("a", href=about.url)["aria-current"] == "page"

    menu = soup_of(client.get(history.url)).find("nav", attrs={"aria-label": "Main"})
    assert menu.find("a", href=about.url)["aria-current"] == "true"


def test_breadcrumbs_lead_from_home_to_the_current_page(client, home_page, guide_index):
    guide = GuidePageFactory(parent=guide_index)

    trail = soup_of(client.get(guide.url)).find("nav", attrs={"aria-label": "Breadcrumb"})

    assert [(a.get_text(), a["href"]) for a in trail.find_all("a")] == [
        ("Home", home_page.url),
        ("Guides", guide_index.url),
    ]
    assert trail.find(attrs={"aria-current": "page"}).get_text() == guide.title


def test_footer_shows_member_resource_centre_details_from_settings(
    client, home_page, member_resource_centre
):
    footer = soup_of(client.get(home_page.url)).find("footer")

    assert footer.find("h2", string=member_resource_centre.name) is not None
    assert footer.find("a", string=member_resource_centre.local_phone)["href"] == "tel:7805550100"
    assert footer.find("a", string=member_resource_centre.toll_free_phone) is not None
    assert member_resource_centre.hours in footer.get_text()


def test_footer_follows_the_settings_when_they_change(client, home_page, member_resource_centre):
    member_resource_centre.local_phone = "780-555-0999"
    member_resource_centre.hours = "Closed for the holidays"
    member_resource_centre.save()

    footer = soup_of(client.get(home_page.url)).find("footer")

    assert footer.find("a", string="780-555-0999") is not None
    assert "Closed for the holidays" in footer.get_text()


def test_footer_links_the_privacy_statement_and_no_hidden_policies(
    client, home_page, privacy_officer, restrict_to_signed_in
):
    statement = PolicyPageFactory(parent=home_page, title="Privacy statement")
    restricted = PolicyPageFactory(parent=home_page, title="Staff conduct policy")
    restrict_to_signed_in(restricted)
    PolicyPageFactory(parent=home_page, title="Draft policy", live=False)

    footer = soup_of(client.get(home_page.url)).find("footer")

    assert footer.find("a", string="Privacy statement")["href"] == statement.url
    assert footer.find("a", string="Staff conduct policy") is None
    assert footer.find("a", string="Draft policy") is None
    assert footer.find("a", href=f"mailto:{privacy_officer.email}") is not None


# Page and document privacy


def test_restricted_page_sends_visitors_to_sign_in(client, home_page, restrict_to_signed_in):
    page = ContentPageFactory(parent=home_page, title="Bargaining strategy")
    restrict_to_signed_in(page)

    response = client.get(page.url)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == frontend_login_url()
    assert parse_qs(location.query)["next"] == [page.url]
    assert client.get(response["Location"]).status_code == 200


def test_restricted_page_opens_for_a_signed_in_user(
    client, site_user, home_page, restrict_to_signed_in
):
    page = ContentPageFactory(parent=home_page, title="Bargaining strategy")
    restrict_to_signed_in(page)
    client.force_login(site_user)

    response = client.get(page.url)

    assert response.status_code == 200
    assert "Bargaining strategy" in response.content.decode()


def test_public_document_downloads_for_anyone(client, home_page):
    document = DocumentFactory(title="AGM agenda")

    response = client.get(document.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_document_in_private_collection_is_refused_to_anonymous_visitors(
    client, home_page, private_collection
):
    document = DocumentFactory(title="Bargaining strategy", collection=private_collection)

    response = client.get(document.url)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == frontend_login_url()


def test_document_in_private_collection_downloads_for_a_signed_in_user(
    client, site_user, home_page, private_collection
):
    document = DocumentFactory(title="Bargaining strategy", collection=private_collection)
    client.force_login(site_user)

    response = client.get(document.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
