"""Publishing a guide rewrites its printable PDF from the guide itself, and never
overwrites a file an editor uploaded."""

import re
from io import BytesIO

import pytest
from pypdf import PdfReader
from wagtail.documents import get_document_model

from cms.factories import DocumentFactory
from meetings.factories import GuidePageFactory
from meetings.guides.pdf import GENERATED_TAG, guide_pdf_document, is_generated
from meetings.models import GuidePage
from tests.staff_fixtures import edit_url, guide_form, staff_client

pytestmark = pytest.mark.django_db

Document = get_document_model()


def pdf_text(document):
    document.refresh_from_db()
    with document.open_file() as f:
        reader = PdfReader(BytesIO(f.read()))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def live_guide(guide):
    return GuidePage.objects.select_related("instructions_document").get(pk=guide.pk)


def test_publishing_a_guide_without_a_download_attaches_a_generated_pdf(guide_index):
    guide = GuidePageFactory(
        parent=guide_index,
        slug="virtual-agm",
        **{"steps__0__step__title": "Sign in early", "steps__1__step__title": "Open the page"},
    )

    guide.save_revision().publish()

    guide = live_guide(guide)
    document = guide.instructions_document
    assert document is not None and is_generated(document)
    text = pdf_text(document)
    assert "Sign in early" in text and "Open the page" in text
    # The revisions hold it too, so the next edit and publish keep the same document.
    assert guide.get_latest_revision_as_object().instructions_document_id == document.pk


def test_a_moderator_publishing_new_steps_rewrites_the_same_pdf_in_place(guide_index):
    guide = GuidePageFactory(parent=guide_index, slug="virtual-agm")
    guide.save_revision().publish()
    document = live_guide(guide).instructions_document
    address = document.url
    documents_before = Document.objects.count()

    response = staff_client("moderator").post(
        edit_url(guide),
        guide_form(live_guide(guide), ["Find your member ID", "Vote on each motion"]),
    )

    assert response.status_code == 302
    guide = live_guide(guide)
    assert guide.instructions_document_id == document.pk
    assert Document.objects.count() == documents_before
    assert guide.instructions_document.url == address
    text = pdf_text(guide.instructions_document)
    assert "Find your member ID" in text and "Vote on each motion" in text
    assert "Sign in" not in text  # the factory's old first step is gone


def test_a_draft_does_not_touch_the_published_pdf(guide_index):
    guide = GuidePageFactory(parent=guide_index, slug="virtual-agm")
    guide.save_revision().publish()
    document = live_guide(guide).instructions_document

    staff_client("editor").post(
        edit_url(guide), guide_form(live_guide(guide), ["A draft step"], action="action-submit")
    )

    assert "A draft step" not in pdf_text(document)


def test_an_editors_own_uploaded_file_is_never_replaced(guide_index):
    uploaded = DocumentFactory(title="Our own printed guide")
    original = uploaded.file.read()
    guide = GuidePageFactory(parent=guide_index, instructions_document=uploaded)

    guide.save_revision().publish()

    guide = live_guide(guide)
    assert guide.instructions_document_id == uploaded.pk
    uploaded.refresh_from_db()
    with uploaded.open_file() as f:
        assert f.read() == original
    assert not is_generated(uploaded)
    assert GENERATED_TAG not in [tag.name for tag in uploaded.tags.all()]


def test_documents_the_site_generates_are_tagged(guide_index):
    guide = GuidePageFactory(parent=guide_index)

    document = guide_pdf_document(guide)

    assert is_generated(document)
