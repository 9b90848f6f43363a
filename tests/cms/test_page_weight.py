"""Page weight: pages load nothing from other hosts and no JavaScript framework, every
script is one of the site's own static files, and the member's meeting page with its CSS
and JS gzips to 40 KB or less. (bench/page_weight.py measures the same over HTTP, as
served in production; this reads the files with the staticfiles finders.)"""

import gzip
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from bench.page_weight import (
    TARGET_BYTES,
    css_references,
    framework_in_script,
    is_third_party,
    page_references,
)
from cms.factories import DocumentFactory, one_of_each_component
from home.factories import ContentPageFactory, HomePageFactory
from meetings.factories import (
    GuideIndexPageFactory,
    GuidePageFactory,
    MeetingMaterialFactory,
    MeetingPageFactory,
)
from policies.factories import PolicyPageFactory
from tests.meeting_fixtures import meeting_under_way

pytestmark = pytest.mark.django_db

PAGE_URL = "http://testserver/"


@pytest.fixture
def site(home_page, member_resource_centre, privacy_officer):
    """One page of every type, each with every public component where it has a body,
    and a Chapter AGM under way with an open item, materials and an eligible member."""
    document = DocumentFactory(title="Annual report")
    ContentPageFactory(parent=home_page, slug="about", **one_of_each_component(document=document))
    PolicyPageFactory(parent=home_page, slug="privacy", **one_of_each_component(document=document))
    guides = GuideIndexPageFactory(parent=home_page)
    GuidePageFactory(parent=guides, slug="virtual-agm", instructions_document=document)
    home_page.body = HomePageFactory.build(**one_of_each_component(document=document)).body
    home_page.save_revision().publish()
    agm = meeting_under_way(home_page)
    MeetingMaterialFactory(meeting=agm["meeting"])
    MeetingPageFactory(parent=agm["meeting"].get_parent(), slug="later")
    return agm


# Each path and what it must answer: a page that disappeared fails the test.
PUBLIC_PATHS = {
    "/": 200,
    "/about/": 200,
    "/privacy/": 200,
    "/guides/": 200,
    "/guides/virtual-agm/": 200,
    "/meetings/": 200,
    "/meetings/later/": 200,
    "/search/?query=union": 200,
    "/account/login/": 200,
    "/account/sign-up/": 200,
    "/no-such-page/": 404,
}


def static_file(url):
    """The file behind one of the site's static URLs (None for anything else)."""
    path = urlsplit(urljoin(PAGE_URL, url)).path
    if not path.startswith(settings.STATIC_URL):
        return None
    return finders.find(path[len(settings.STATIC_URL) :])


def problems_of(html):
    """Third-party references, scripts that are not the site's own static files, and
    scripts that look like a JavaScript framework."""
    references, inline_scripts = page_references(html)
    problems = [f"{inline_scripts} inline script(s)"] if inline_scripts else []
    for ref in references:
        if is_third_party(ref.url, PAGE_URL):
            problems.append(f"third-party {ref.kind}: {ref.url}")
        elif ref.kind == "script":
            found = static_file(ref.url)
            if found is None:
                problems.append(f"script not among the static files: {ref.url}")
                continue
            with open(found, encoding="utf-8") as script:
                framework = framework_in_script(ref.url, script.read())
            if framework:
                problems.append(f"{ref.url} looks like a JavaScript framework ({framework})")
    return problems


def test_public_pages_load_nothing_from_other_hosts_and_no_framework(client, site):
    for path, status in PUBLIC_PATHS.items():
        response = client.get(path)
        assert response.status_code == status, path
        assert problems_of(response.content.decode()) == [], path


def test_member_pages_load_nothing_from_other_hosts_and_no_framework(client, site):
    client.force_login(site["voter"].account)
    meeting_path = site["meeting"].url

    for path in ["/", "/my-union/", "/my-union/my-information/", meeting_path]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert problems_of(response.content.decode()) == [], path
    assert "Cast my vote" in client.get(meeting_path).content.decode()


def test_the_members_meeting_page_with_its_css_and_js_gzips_to_40_kb_or_less(client, site):
    client.force_login(site["voter"].account)
    response = client.get(site["meeting"].url)
    html = response.content.decode()
    assert 'class="vote-form"' in html  # the member's own page, not the sign-in prompt

    # Each file gzipped on its own, as it travels; stylesheets' url()s followed.
    sizes = {"page": len(gzip.compress(response.content, compresslevel=9))}
    references, _inline = page_references(html)
    queue = [(ref, PAGE_URL) for ref in references]
    while queue:
        ref, where = queue.pop()
        url = urljoin(where, ref.url)
        if ref.kind not in ("stylesheet", "script", "image", "font") or url in sizes:
            continue
        found = static_file(url)
        assert found is not None, f"{url} is not one of the site's static files"
        with open(found, "rb") as file:
            content = file.read()
        sizes[url] = len(gzip.compress(content, compresslevel=9))
        if ref.kind == "stylesheet":
            queue += [(css_ref, url) for css_ref in css_references(content.decode())]

    loaded = {urlsplit(url).path for url in sizes if url != "page"}
    assert {"/static/css/site.css", "/static/js/meeting.js"} <= loaded
    assert sum(sizes.values()) <= TARGET_BYTES, sizes


def test_the_checks_see_third_party_references_and_frameworks():
    html = (
        '<link rel="stylesheet" href="//fonts.example.com/css?family=Inter">'
        '<script src="https://cdn.example.com/libs/jquery-3.7.1.min.js"></script>'
        '<img src="http://testserver/static/logo.png" srcset="https://img.example.net/a.png 2x">'
        '<iframe src="https://video.example.org/embed/1"></iframe><script>go()</script>'
    )

    assert problems_of(html) == [
        "1 inline script(s)",
        "third-party stylesheet: //fonts.example.com/css?family=Inter",
        "third-party script: https://cdn.example.com/libs/jquery-3.7.1.min.js",
        "third-party image: https://img.example.net/a.png",
        "third-party frame: https://video.example.org/embed/1",
    ]
    assert framework_in_script("/static/js/vendor/htmx.min.js") == "htmx"
    assert framework_in_script("/static/js/app.js", "/*! jQuery v3.7.1 | (c) OpenJS */")
    assert framework_in_script("/static/js/meeting.js", "fetch(url).then(render)") is None
    assert [
        ref.kind for ref in css_references("a{background:url(x.png)}@font-face{src:url('f.woff2')}")
    ] == ["image", "font"]
