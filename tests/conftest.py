"""Shared fixtures: a site whose root is the union's home page, its settings,
uploads and page privacy, and a live server for the tests that talk HTTP to one.

Pages themselves come from the per-app factories (``home.factories``,
``policies.factories``, ``meetings.factories``) so each test builds what it
needs in one line.
"""

import os

import pytest
from django.contrib.auth import get_user_model
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
from tests.live_server import LiveServer
from tests.meeting_fixtures import chair_account


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Wagtail caches site root paths; the database rolls back between tests,
    # the local-memory cache does not.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def live_server(request, transactional_db):
    """A live server of this test's own (replaces pytest-django's session-wide one).

    Its database is the test's transactional database, set up before it and flushed
    only after the server has stopped and finished every request (tests/live_server.py).
    """
    address = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(address)
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
def chair(db):
    """A site user to chair meetings (add them to a meeting's chairs where it matters)."""
    return chair_account()


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
