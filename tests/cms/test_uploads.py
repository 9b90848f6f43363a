"""Uploads through the admin: files over the size limit, forbidden file types and files
whose contents do not match their names are refused with a clear message, and nothing
is saved."""

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import override_settings
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

from cms.factories import pdf_bytes

Document = get_document_model()
Image = get_image_model()

SMALL_LIMIT = 2 * 1024  # bytes: keeps the oversized test files tiny


def root_collection_id():
    return Collection.get_first_root_node().pk


def post_document(client, title, upload):
    return client.post(
        reverse("wagtaildocs:add"),
        {"title": title, "file": upload, "collection": root_collection_id()},
    )


def png_bytes(size=48):
    """A PNG of random pixels (random so it does not compress below the test limit)."""
    image = PILImage.frombytes("RGB", (size, size), os.urandom(size * size * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def files_named(stem):
    return list(Path(settings.MEDIA_ROOT).rglob(f"{stem}*"))


def test_upload_forms_state_the_sites_size_limits(admin_client):
    # The limits themselves are tested below with small values; this proves the
    # site's own settings are in force.
    document_form = admin_client.get(reverse("wagtaildocs:add")).context["form"]
    image_form = admin_client.get(reverse("wagtailimages:add")).context["form"]

    document_limit = filesizeformat(settings.WAGTAILDOCS_MAX_UPLOAD_SIZE)
    image_limit = filesizeformat(settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE)
    assert document_form.fields["file"].help_text == f"Maximum filesize: {document_limit}."
    assert f"Maximum filesize: {image_limit}." in image_form.fields["file"].help_text


@override_settings(WAGTAILDOCS_MAX_UPLOAD_SIZE=SMALL_LIMIT)
def test_document_over_the_size_limit_is_refused_and_not_saved(admin_client):
    too_big = b"%PDF-1.4\n" + b"0" * (2 * SMALL_LIMIT)
    upload = SimpleUploadedFile("oversized-report.pdf", too_big, content_type="application/pdf")

    response = post_document(admin_client, "Oversized report", upload)

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors[0] == "This file is too big (4.0\xa0KB). Maximum filesize 2.0\xa0KB."
    assert "This file is too big" in response.content.decode()
    assert not Document.objects.exists()
    assert files_named("oversized-report") == []


@override_settings(WAGTAILDOCS_MAX_UPLOAD_SIZE=SMALL_LIMIT)
def test_document_within_the_size_limit_is_saved(admin_client):
    content = pdf_bytes("Agenda")
    assert len(content) <= SMALL_LIMIT
    upload = SimpleUploadedFile("agenda.pdf", content, content_type="application/pdf")

    response = post_document(admin_client, "Agenda", upload)

    assert response.status_code == 302
    assert Document.objects.get().title == "Agenda"


@override_settings(WAGTAILIMAGES_MAX_UPLOAD_SIZE=SMALL_LIMIT)
def test_image_over_the_size_limit_is_refused_and_not_saved(admin_client):
    content = png_bytes()
    assert len(content) > SMALL_LIMIT
    upload = SimpleUploadedFile("oversized-photo.png", content, content_type="image/png")

    response = admin_client.post(
        reverse("wagtailimages:add"),
        {"title": "AGM photo", "file": upload, "collection": root_collection_id()},
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert "This file is too big" in error
    assert not Image.objects.exists()
    assert files_named("oversized-photo") == []


def test_image_within_the_size_limit_is_saved(admin_client):
    upload = SimpleUploadedFile("agm-photo.png", png_bytes(), content_type="image/png")

    response = admin_client.post(
        reverse("wagtailimages:add"),
        {"title": "AGM photo", "file": upload, "collection": root_collection_id()},
    )

    assert response.status_code == 302
    assert Image.objects.get().title == "AGM photo"


FORBIDDEN_DOCUMENTS = [
    pytest.param(
        "meeting-notice.html", b"<html><script>alert(1)</script></html>", "text/html", id="html"
    ),
    pytest.param(
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
        id="svg",
    ),
    pytest.param("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream", id="exe"),
]


@pytest.mark.parametrize(("filename", "content", "content_type"), FORBIDDEN_DOCUMENTS)
def test_forbidden_document_type_is_refused_and_not_saved(
    admin_client, filename, content, content_type
):
    upload = SimpleUploadedFile(filename, content, content_type=content_type)

    response = post_document(admin_client, "Not allowed", upload)

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    extension = filename.rsplit(".", 1)[1]
    assert f"File extension “{extension}” is not allowed" in error
    assert "pdf" in error  # names what is allowed
    assert not Document.objects.exists()
    assert files_named(filename.rsplit(".", 1)[0]) == []


@pytest.mark.parametrize(("filename", "content", "content_type"), FORBIDDEN_DOCUMENTS)
def test_forbidden_document_type_is_refused_by_the_multiple_upload_view(
    admin_client, filename, content, content_type
):
    # The admin's "Add a document" button uses this view (drag and drop, several files).
    upload = SimpleUploadedFile(filename, content, content_type=content_type)

    response = admin_client.post(
        reverse("wagtaildocs:add_multiple"),
        {"files[]": upload, "collection": root_collection_id()},
    )

    assert response.status_code == 200
    result = json.loads(response.content)
    assert result["success"] is False
    assert "is not allowed" in result["error_message"]
    assert not Document.objects.exists()


# What is inside a document must match its extension ----------------------------------


def zip_bytes(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
ODT = zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})
WEB_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"

MISMATCHED_DOCUMENTS = [
    pytest.param("mislabelled-minutes.pdf", WEB_PAGE, "a PDF document", id="html-as-pdf"),
    pytest.param("mislabelled-budget.xlsx", WEB_PAGE, "an Excel workbook", id="html-as-xlsx"),
    pytest.param(
        "mislabelled-zip.xlsx",
        zip_bytes({"evil.html": WEB_PAGE}),
        "an Excel workbook",
        id="bare-zip-as-xlsx",
    ),
    pytest.param("mislabelled-motion.odt", DOCX, "an OpenDocument text", id="docx-as-odt"),
    pytest.param("mislabelled-motion.ods", ODT, "an OpenDocument spreadsheet", id="odt-as-ods"),
    pytest.param(
        "mislabelled-agenda.rtf",
        b"Agenda\n1. Call to order",
        "a Rich Text document",
        id="text-as-rtf",
    ),
    pytest.param(
        "mislabelled-notes.txt", b"MZ\x90\x00\x03\x00\x00\x00", "a text file", id="exe-as-txt"
    ),
    pytest.param(
        "mislabelled-delegates.csv",
        "name\nRené Côté\n".encode("latin-1"),
        "a CSV file",
        id="latin1-csv",
    ),
]


@pytest.mark.parametrize(("filename", "content", "kind"), MISMATCHED_DOCUMENTS)
def test_a_document_whose_contents_do_not_match_its_name_is_refused(
    admin_client, filename, content, kind
):
    upload = SimpleUploadedFile(filename, content, content_type="application/octet-stream")

    response = post_document(admin_client, "Mislabelled", upload)

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    extension = filename.rsplit(".", 1)[1]
    assert f"name ends in “.{extension}”, but its contents are not {kind}" in error
    assert "Nothing was saved" in error
    assert not Document.objects.exists()
    assert files_named(filename.rsplit(".", 1)[0]) == []


MATCHING_DOCUMENTS = [
    pytest.param("agenda.pdf", pdf_bytes("Agenda"), id="pdf"),
    pytest.param("motion.docx", DOCX, id="docx"),
    pytest.param("motion.odt", ODT, id="odt"),
    pytest.param("agenda.rtf", b"{\\rtf1\\ansi Agenda}", id="rtf"),
    pytest.param("delegates.csv", "\ufeffname\nRené Côté\n".encode(), id="utf8-csv"),
    pytest.param("notes.txt", b"Bring your membership card.\n", id="txt"),
]


@pytest.mark.parametrize(("filename", "content"), MATCHING_DOCUMENTS)
def test_a_document_whose_contents_match_its_name_is_saved(admin_client, filename, content):
    upload = SimpleUploadedFile(filename, content, content_type="application/octet-stream")

    response = post_document(admin_client, "Matching", upload)

    assert response.status_code == 302
    document = Document.objects.get()
    with document.file.open("rb") as stored:
        assert stored.read() == content


def test_the_multiple_upload_view_refuses_a_mislabelled_document(admin_client):
    upload = SimpleUploadedFile("minutes.pdf", WEB_PAGE, content_type="application/pdf")

    response = admin_client.post(
        reverse("wagtaildocs:add_multiple"),
        {"files[]": upload, "collection": root_collection_id()},
    )

    result = json.loads(response.content)
    assert result["success"] is False
    assert "its contents are not a PDF document" in result["error_message"]
    assert not Document.objects.exists()


def test_replacing_a_documents_file_checks_the_new_contents(admin_client):
    document = Document.objects.create(
        title="Agenda",
        file=SimpleUploadedFile("agenda.pdf", pdf_bytes("Agenda")),
        collection_id=root_collection_id(),
    )

    response = admin_client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {
            "title": "Agenda",
            "file": SimpleUploadedFile("agenda-v2.pdf", WEB_PAGE),
            "collection": root_collection_id(),
        },
    )

    assert response.status_code == 200
    assert "its contents are not a PDF document" in response.context["form"].errors["file"][0]
    original_name = document.file.name
    document.refresh_from_db()
    assert document.file.name == original_name
    assert files_named("agenda-v2") == []


# Images: Wagtail reads every upload with Willow; SVG is not an allowed type ------------


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        pytest.param(
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "Not a supported image format",
            id="svg",
        ),
        pytest.param("photo.png", WEB_PAGE, "Not a valid .png image", id="html-as-png"),
    ],
)
def test_svg_and_disguised_images_are_refused_and_not_saved(
    admin_client, filename, content, message
):
    upload = SimpleUploadedFile(filename, content, content_type="image/png")

    response = admin_client.post(
        reverse("wagtailimages:add"),
        {"title": "Logo", "file": upload, "collection": root_collection_id()},
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert message in error
    assert not Image.objects.exists()
    assert files_named(filename.rsplit(".", 1)[0]) == []
