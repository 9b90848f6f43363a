"""The demo names the address the site is served on, never Wagtail's http://localhost/.

`make run HOST=... PORT=...` passes the address to `load_demo --host --port`, which
puts it on the default Site (where notice emails, the sitemap, guides' PDFs and the
API's html_url get their full addresses), and to the dev settings as
WAGTAILADMIN_BASE_URL (the admin's links, the API's detail_url).
"""

import re
import shutil
import subprocess
from io import BytesIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError
from pypdf import PdfReader
from wagtail.models import Page, Site

from home.models import HomePage
from meetings.models import GuidePage
from tests.demo_fixtures import load_demo
from tests.dev_settings import dev_setting

pytestmark = pytest.mark.django_db

SERVED = "http://192.0.2.10:8123"  # an address from the documentation range: never localhost
URL = re.compile(r"https?://[^\s\"'<>]+")


def load_demo_served_at_192_0_2_10(django_capture_on_commit_callbacks):
    # The notices are sent once the publish commits: run those callbacks here.
    with django_capture_on_commit_callbacks(execute=True):
        return load_demo("--host", "192.0.2.10", "--port", "8123")


def pdf_text(document):
    with document.open_file() as file:
        reader = PdfReader(BytesIO(file.read()))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_default_site_gets_the_address_the_site_is_served_on(
    django_capture_on_commit_callbacks,
):
    load_demo_served_at_192_0_2_10(django_capture_on_commit_callbacks)

    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_url) == ("192.0.2.10", 8123, SERVED)
    # Run again at the same address, nothing changes.
    assert "updated" not in load_demo("--host", "192.0.2.10", "--port", "8123")


def test_without_an_address_the_demo_site_is_where_make_run_serves_by_default():
    load_demo()

    assert Site.objects.get(is_default_site=True).root_url == "http://127.0.0.1:8000"


def test_notice_emails_link_to_the_served_address(django_capture_on_commit_callbacks):
    load_demo_served_at_192_0_2_10(django_capture_on_commit_callbacks)

    notices = [m for m in mail.outbox if "Notice of meeting" in m.subject]
    assert len(notices) == 9  # the two meetings ahead, to each demo person in their audience
    for message in notices:
        html = message.alternatives[0].content
        urls = URL.findall(message.body) + URL.findall(html)
        assert f"{SERVED}/account/login/" in urls
        assert f"{SERVED}/guides/virtual-agm/" in urls
        assert all(url.startswith(f"{SERVED}/") for url in urls), urls
        assert "localhost" not in message.body + html


def test_sitemap_gives_the_served_address(client, django_capture_on_commit_callbacks):
    load_demo_served_at_192_0_2_10(django_capture_on_commit_callbacks)

    locations = re.findall(r"<loc>(.*?)</loc>", client.get("/sitemap.xml").content.decode())

    assert f"{SERVED}/guides/virtual-agm/" in locations
    assert f"{SERVED}/privacy-statement/" in locations
    assert all(location.startswith(f"{SERVED}/") for location in locations), locations


def test_guide_pdf_prints_the_served_address(django_capture_on_commit_callbacks):
    load_demo_served_at_192_0_2_10(django_capture_on_commit_callbacks)

    text = pdf_text(GuidePage.objects.get(slug="virtual-agm").instructions_document)

    assert f"always online at {SERVED}/guides/virtual-agm/" in text
    assert "localhost" not in text


def test_api_html_url_is_the_served_address(client, django_capture_on_commit_callbacks):
    load_demo_served_at_192_0_2_10(django_capture_on_commit_callbacks)

    pages = client.get("/api/v2/pages/", {"type": "meetings.GuidePage"}).json()["items"]

    assert [page["meta"]["html_url"] for page in pages] == [f"{SERVED}/guides/virtual-agm/"]


def test_serving_on_another_port_moves_the_site_and_rewrites_the_guide_pdf_in_place():
    load_demo("--port", "8123")
    document = GuidePage.objects.get(slug="virtual-agm").instructions_document
    assert "http://127.0.0.1:8123/guides/virtual-agm/" in pdf_text(document)

    output = load_demo("--port", "9000", "--verbosity", "2")

    assert Site.objects.get(is_default_site=True).root_url == "http://127.0.0.1:9000"
    moved = GuidePage.objects.get(slug="virtual-agm").instructions_document
    assert moved.pk == document.pk and moved.url == document.url  # same download address
    assert "http://127.0.0.1:9000/guides/virtual-agm/" in pdf_text(moved)
    assert "rewritten" in output


@pytest.mark.parametrize(
    ("host", "served"),
    [
        ("LOCALHOST", "http://localhost:8123"),
        ("0.0.0.0", "http://localhost:8123"),  # noqa: S104 - every interface, opened as localhost
        ("::1", "http://[::1]:8123"),
        ("[::1]", "http://[::1]:8123"),
    ],
)
def test_wildcard_and_ipv6_hosts_become_addresses_a_browser_opens(host, served):
    load_demo("--host", host, "--port", "8123")

    assert Site.objects.get(is_default_site=True).root_url == served


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "http://127.0.0.1"], "is not a host name or IP address"),
        (["--host", "my host"], "is not a host name or IP address"),
        (["--host", ""], "is not a host name or IP address"),
        (["--port", "0"], "is not a port number"),
        (["--port", "70000"], "is not a port number"),
    ],
)
def test_a_bad_address_is_refused_and_changes_nothing(args, message):
    pages_before = Page.objects.count()

    with pytest.raises(CommandError, match=message):
        load_demo(*args)

    assert Page.objects.count() == pages_before
    assert not HomePage.objects.exists()


# The development settings and the Makefile -----------------------------------------------


def dev_settings(**env):
    """The dev settings' base URLs and allowed hosts, in a fresh process with this environment."""
    return dev_setting(
        "[settings.WAGTAILADMIN_BASE_URL, settings.WAGTAILAPI_BASE_URL, settings.ALLOWED_HOSTS]",
        unset=("WAGTAILADMIN_BASE_URL", "WAGTAILAPI_BASE_URL"),
        **env,
    )


def test_dev_settings_take_the_base_urls_and_host_from_the_environment():
    admin, api, allowed_hosts = dev_settings(WAGTAILADMIN_BASE_URL=SERVED)

    assert admin == api == SERVED
    assert "192.0.2.10" in allowed_hosts


def test_dev_settings_default_to_where_make_run_serves():
    admin, api, _ = dev_settings()
    assert admin == api == "http://127.0.0.1:8000"

    admin, _, allowed_hosts = dev_settings(WAGTAILADMIN_BASE_URL="http://[::1]:8123")
    assert "[::1]" in allowed_hosts


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("host", "served"),
    [("192.0.2.10", SERVED), ("0.0.0.0", "http://localhost:8123")],  # noqa: S104
)
def test_make_run_passes_its_host_and_port_to_the_demo_and_the_settings(host, served):
    dry_run = subprocess.run(  # noqa: S603 - make with fixed arguments
        ["make", "--dry-run", "--always-make", "run", f"HOST={host}", "PORT=8123"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    ).stdout.splitlines()

    assert any(line.endswith(f"load_demo --host {host} --port 8123") for line in dry_run)
    [serve] = [line for line in dry_run if "runserver" in line]
    assert serve.startswith(f"WAGTAILADMIN_BASE_URL={served} ")
    assert serve.endswith(f"runserver {host}:8123")
