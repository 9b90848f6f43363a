"""A CDN is told to forget a page when it leaves its public address without a publish:
made private, deleted, moved or given a new slug (cms/frontend_purge.py).

The CDN here is a real HTTP server on a free port that records the PURGE requests
Wagtail's HTTPBackend sends it, as Varnish or Fastly would receive them.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from wagtail.models import Page

from home.factories import ContentPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cdn(settings):
    purged = []

    class Handler(BaseHTTPRequestHandler):
        def do_PURGE(self):  # noqa: N802 - the HTTP method's name
            purged.append(f"http://{self.headers['Host']}{self.path}")
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WAGTAILFRONTENDCACHE = {
        "cdn": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_port}",
        }
    }
    yield purged
    server.shutdown()
    server.server_close()


@pytest.fixture
def section(home_page):
    """A section with a live child and a draft child (never public: nothing to purge)."""
    section = ContentPageFactory(parent=home_page, title="Bargaining", slug="bargaining")
    ContentPageFactory(parent=section, title="Pay tables", slug="pay-tables")
    ContentPageFactory(parent=section, title="Draft", slug="draft", live=False)
    return section


SECTION = {"http://localhost/bargaining/", "http://localhost/bargaining/pay-tables/"}


def test_making_a_section_private_purges_it_and_its_live_pages_after_the_commit(
    cdn, section, restrict_to_signed_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        restriction = restrict_to_signed_in(section)
        assert cdn == []  # not before the commit
    assert set(cdn) == SECTION and len(cdn) == 2

    cdn.clear()
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert set(cdn) == SECTION


def test_a_rolled_back_change_purges_nothing(
    cdn, section, restrict_to_signed_in, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        restrict_to_signed_in(section)
        raise RuntimeError("the editor's save failed")
    assert cdn == []


def test_deleting_a_section_purges_every_live_page_in_it(
    cdn, section, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=section.pk).delete()
    assert set(cdn) == SECTION


def test_moving_a_section_purges_its_old_and_new_addresses(
    cdn, home_page, section, django_capture_on_commit_callbacks
):
    archive = ContentPageFactory(parent=home_page, title="Archive", slug="archive")
    with django_capture_on_commit_callbacks(execute=True):
        section.move(archive, pos="last-child")
    assert set(cdn) == SECTION | {
        "http://localhost/archive/bargaining/",
        "http://localhost/archive/bargaining/pay-tables/",
    }


def test_a_new_slug_purges_the_old_addresses_below_it_too(
    cdn, section, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        section.slug = "collective-bargaining"
        section.save_revision().publish()
    assert set(cdn) >= SECTION | {
        "http://localhost/collective-bargaining/",
        "http://localhost/collective-bargaining/pay-tables/",
    }


def test_nothing_is_sent_without_a_frontend_cache(
    cdn, settings, section, restrict_to_signed_in, django_capture_on_commit_callbacks
):
    settings.WAGTAILFRONTENDCACHE = {}
    with django_capture_on_commit_callbacks(execute=True):
        restrict_to_signed_in(section)
        Page.objects.get(pk=section.pk).delete()
    assert cdn == []
