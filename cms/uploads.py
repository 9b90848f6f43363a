"""Uploaded documents must be what their names say they are.

Wagtail checks a document's extension against WAGTAILDOCS_EXTENSIONS and its
size against WAGTAILDOCS_MAX_UPLOAD_SIZE; it does not look inside. A web page
saved as "minutes.pdf" would pass both. `DocumentForm` (the admin's document
form, through WAGTAILDOCS_DOCUMENT_FORM_BASE) reads the file's first bytes and
refuses it, with nothing saved, when they do not match the extension.
"""

import codecs
import zipfile

from django import forms
from wagtail.documents.forms import BaseDocumentForm

# What each allowed extension's file looks like, in words for the refusal message.
KINDS = {
    "pdf": "a PDF document",
    "docx": "a Word document",
    "xlsx": "an Excel workbook",
    "pptx": "a PowerPoint presentation",
    "odt": "an OpenDocument text",
    "ods": "an OpenDocument spreadsheet",
    "odp": "an OpenDocument presentation",
    "csv": "a CSV file saved as UTF-8",
    "txt": "a text file saved as UTF-8",
    "rtf": "a Rich Text document",
}
OFFICE_OPEN_XML = {"docx", "xlsx", "pptx"}
OPEN_DOCUMENT = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
PLAIN_TEXT = {"csv", "txt"}
ZIP_MAGIC = b"PK\x03\x04"
CONTENT_MISMATCH = "content_mismatch"


def _zip_has_member(file, name):
    try:
        with zipfile.ZipFile(file) as archive:
            return name in archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False


def _open_document_type(file):
    """The media type an OpenDocument file declares in its first entry, "mimetype"."""
    try:
        with zipfile.ZipFile(file) as archive, archive.open("mimetype") as entry:
            return entry.read(100).decode("ascii", errors="replace").strip()
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError):
        return ""


def _is_utf8_text(file):
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(lambda: file.read(64 * 1024), b""):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def content_matches_extension(file, extension):
    """Whether the file's bytes are a file of the kind its extension names.

    Extensions this module does not know are left to Wagtail's own extension
    check. The file is read from the start and left rewound.
    """
    extension = extension.lower()
    if extension not in KINDS:
        return True
    file.seek(0)
    try:
        head = file.read(8)
        file.seek(0)
        if extension == "pdf":
            return head.startswith(b"%PDF-")
        if extension == "rtf":
            return head.startswith(b"{\\rtf")
        if extension in OFFICE_OPEN_XML:
            return head.startswith(ZIP_MAGIC) and _zip_has_member(file, "[Content_Types].xml")
        if extension in OPEN_DOCUMENT:
            return head.startswith(ZIP_MAGIC) and (
                _open_document_type(file) == OPEN_DOCUMENT[extension]
            )
        return _is_utf8_text(file)
    finally:
        file.seek(0)


class DocumentForm(BaseDocumentForm):
    """Wagtail's document form, refusing files whose contents do not match their names."""

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if not file or "file" not in self.changed_data:
            return file
        name = getattr(file, "name", "") or ""
        extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
        if not content_matches_extension(file, extension):
            message = (
                f"This file’s name ends in “.{extension}”, but its contents are not "
                f"{KINDS[extension]}. Nothing was saved: save the file in that format "
                "again (or rename it to match what it is) and upload it again."
            )
            if extension in PLAIN_TEXT:
                message += " Text must be UTF-8 and may not hold binary data."
            raise forms.ValidationError(message, code=CONTENT_MISMATCH)
        return file

    def _post_clean(self):
        super()._post_clean()
        # Wagtail's model check then finds no file (the refused one was dropped) and adds
        # "File extension “” is not allowed": one clear reason is enough.
        errors = self._errors.get("file") if self._errors else None
        if errors and any(error.code == CONTENT_MISMATCH for error in errors.as_data()):
            errors.data = [error for error in errors.as_data() if error.code == CONTENT_MISMATCH]
