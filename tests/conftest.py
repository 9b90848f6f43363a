"""Shared fixtures: a site whose root is the union's home page, its settings,
uploads and page privacy, and a live server for the tests that talk HTTP to one.

Pages themselves come from the per-app factories (``home.factories``,
``policies.factories``, ``meetings.factories``) so each test builds what it
needs in one line.
"""

import os
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import (
    BaseViewRestriction,
    Collection,
    CollectionViewRestriction,
    PageViewRestriction,
)

from cms.factories import pdf_bytes
from home.factories import (
    MemberResourceCentreFactory,
    PrivacyOfficerFactory,
    build_site,
)
from meetings.factories import GuideIndexPageFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Wagtail caches site root paths; the database rolls back between tests,
    # the local-memory cache does not.
    cache.clear()
    yield
    cache.clear()


# How long a test's live server may take to finish the requests it was answering when
# the test ended, before the test is reported broken (a busy machine's slowest page
# takes a few seconds).
LIVE_SERVER_DRAIN_SECONDS = 60


class _RequestsInFlight:
    """The live server's WSGI application, counting the requests it is answering.

    A request counts from its arrival until Django has closed its response, which is
    when Django closes the request's database connection. Once the server is stopped,
    requests still arriving on open connections are turned away without touching the
    database.
    """

    def __init__(self, application):
        self.application = application
        self.stopped = False
        self._count = 0
        self._changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self._changed:
            if self.stopped:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"The test is over."]
            self._count += 1
        try:
            response = self.application(environ, start_response)
        except BaseException:
            self._finished()
            raise
        return _Answer(response, self._finished)

    def _finished(self):
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def stop_and_drain(self, timeout):
        """Turn new requests away, then wait for those under way. Returns how many are
        still under way after ``timeout`` seconds (0 when all have finished)."""
        with self._changed:
            self.stopped = True
            self._changed.wait_for(lambda: self._count == 0, timeout)
            return self._count


class _Answer:
    """A response body passed through, telling the counter when the server closes it."""

    def __init__(self, response, on_close):
        self._response = response
        self._on_close = on_close

    def __iter__(self):
        return iter(self._response)

    def close(self):
        try:
            if hasattr(self._response, "close"):
                self._response.close()  # Django's request_finished: connections closed
        finally:
            self._on_close()


class _LiveServer:
    """A live server for one test, on the test's own clean database.

    pytest-django's live server lives for the whole session, and on SQLite's in-memory
    test database it shares the test's one connection with every request thread. Here
    each test gets its own server, each request its own connection (the SQLite test
    database is a file: cms/settings/test.py), and the server is stopped, and every
    request it was answering finished, before the database is flushed for the next
    test: a request still under way, such as Wagtail's autosave or editing-session
    ping from a browser that was just closed, can neither write into the next test's
    database nor hold a lock its flush needs.
    """

    def __init__(self, address):
        from django.test.testcases import LiveServerThread
        from django.test.utils import modify_settings

        host, _, port = address.partition(":")
        self.in_flight = None

        def application(handler):
            self.in_flight = _RequestsInFlight(StaticFilesHandler(handler))
            return self.in_flight

        self.thread = LiveServerThread(host, static_handler=application, port=int(port or 0))
        self.thread.daemon = True
        # pytest-django's _live_server_helper turns this on for the test's duration.
        self._live_server_modified_settings = modify_settings(ALLOWED_HOSTS={"append": host})

    def start(self):
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            raise self.thread.error

    def stop(self):
        # Stop accepting connections first, then let what was accepted finish.
        self.thread.terminate()
        if self.in_flight is None:  # it never started
            return
        unfinished = self.in_flight.stop_and_drain(LIVE_SERVER_DRAIN_SECONDS)
        if unfinished:
            pytest.fail(
                f"the live server was still answering {unfinished} request(s) "
                f"{LIVE_SERVER_DRAIN_SECONDS} s after the test ended",
                pytrace=False,
            )

    @property
    def url(self):
        return f"http://{self.thread.host}:{self.thread.port}"

    def __str__(self):
        return self.url


@pytest.fixture
def live_server(request, transactional_db):
    """A live server of this test's own (replaces pytest-django's session-wide one).

    Its database is the test's transactional database, set up before it and flushed
    only after the server has stopped and finished every request (see _LiveServer).
    """
    address = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = _LiveServer(address)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def home_page(db):
    """The union's home page, root of the default site (Wagtail's welcome page removed)."""
    return build_site()


@pytest.fixture
def guide_index(home_page):
    return GuideIndexPageFactory(parent=home_page)


@pytest.fixture
def member_resource_centre(home_page):
    return MemberResourceCentreFactory()


@pytest.fixture
def privacy_officer(home_page):
    return PrivacyOfficerFactory()


@pytest.fixture
def site_user(db):
    """A user account of the public site: not staff, and no roster entry needed."""
    return get_user_model().objects.create_user(
        username="site-user", email="site-user@example.com", password="a long passphrase"
    )


@pytest.fixture
def restrict_to_signed_in():
    """Put a "signed-in users only" view restriction on a page."""

    def restrict(page):
        return PageViewRestriction.objects.create(
            page=page, restriction_type=BaseViewRestriction.LOGIN
        )

    return restrict


@pytest.fixture
def private_collection(db):
    """A collection whose documents only signed-in users may download."""
    collection = Collection.get_first_root_node().add_child(name="Members only")
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=BaseViewRestriction.LOGIN
    )
    return collection


@pytest.fixture
def pdf_upload():
    """A small, valid PDF as a browser would upload it."""
    return SimpleUploadedFile(
        "virtual-agm-instructions.pdf",
        pdf_bytes("Taking part in a virtual AGM", "1. Sign in", "2. Enter the meeting"),
        content_type="application/pdf",
    )
