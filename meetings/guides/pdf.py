"""The printable PDF copy of a how-to guide, and the Wagtail document that holds it.

A guide page's own content (title, introduction, steps, the comparison, tips)
and the Member Resource Centre's contact details from site settings are laid
out as a PDF with fpdf2, which is pure Python, so nothing beyond the Python
dependencies is needed to generate it. ``guide_pdf_document`` stores the result
as the guide's downloadable instructions, and ``refresh_guide_pdf`` regenerates
it each time the guide is published (see meetings/signals.py).

A generated document carries the tag ``GENERATED_TAG``. Only a tagged document
is ever rewritten: a file an editor uploaded and attached themselves is left
as it is. (Removing the tag from a generated document keeps it as it stands.)
"""

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO
from pathlib import PurePosixPath
from urllib.parse import urljoin

from django.conf import settings
from django.core.files.base import ContentFile
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from wagtail.documents import get_document_model
from wagtail.models import Collection, ReferenceIndex, Revision, Site
from wagtail.rich_text import expand_db_html
from wagtail.utils.file import hash_filelike

from home.models import MemberResourceCentre

# Colours from static/css/site.css, so paper and screen look like one union.
BRAND = (11, 58, 83)  # --brand
INK = (27, 31, 35)  # --ink
MUTED = (74, 85, 96)  # --muted
LINE = (201, 211, 218)  # --line

# The tag that marks a document as the site's own printable copy of a guide.
GENERATED_TAG = "generated-pdf"

FONT = "Helvetica"  # a PDF core font: nothing to embed, latin-1 only
BODY_SIZE = 11
LINE_HEIGHT = 5.6  # mm, for body text
MARGIN = 20  # mm
STEP_INDENT = 11  # mm, room for the step number disc
LIST_INDENT = 6  # mm per list level

# The typographic characters editors type (or paste from a word processor) that
# the core fonts cannot show, and the plain characters that stand in for them.
_PLAIN_EQUIVALENTS = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote, apostrophe
        "\u201a": "'",
        "\u2032": "'",
        "\u201c": '"',  # left double quote
        "\u201d": '"',  # right double quote
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": " - ",  # em dash
        "\u2015": " - ",
        "\u2212": "-",  # minus sign
        "\u2026": "...",  # ellipsis
        "\u2022": "-",  # bullet
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2009": " ",  # thin space
        "\u200b": "",  # zero-width space
        "\u00ad": "",  # soft hyphen
    }
)


def pdf_text(text):
    """Text the PDF core fonts can show: typographic quotes, dashes and ellipses made plain.

    Letters such as é stay (they are in latin-1); anything else that latin-1
    cannot hold becomes "?" rather than stopping the PDF from being written.
    """
    text = unicodedata.normalize("NFC", str(text)).translate(_PLAIN_EQUIVALENTS)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.encode("latin-1", errors="replace").decode("latin-1")


@dataclass(frozen=True)
class Paragraph:
    """One block of plain text taken from rich text.

    ``kind`` is "text" for a paragraph or heading, "bullet" or "numbered" for a
    list item, and "continuation" for a further paragraph inside a list item;
    ``level`` is how deeply a list item is nested (1 for a top-level item) and
    ``number`` is a numbered item's number.
    """

    text: str
    kind: str = "text"
    level: int = 0
    number: int = 0


class _RichTextReader(HTMLParser):
    """Turns rich text HTML into paragraphs and list items, dropping every tag."""

    BLOCK_TAGS = {"p", "div", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "li"}
    BREAK = "\x00"  # stands for <br> until whitespace has been collapsed

    def __init__(self, base_url=""):
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.paragraphs = []
        self._buffer = []
        self._lists = []  # one [kind, items so far] per open <ul>/<ol>
        self._item = None  # the marker for the list item being read, until used
        self._links = []  # the href of each open <a>, with the length of its text

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK_TAGS or tag in ("ul", "ol"):
            self._flush()
        if tag in ("ul", "ol"):
            self._lists.append(["numbered" if tag == "ol" else "bullet", 0])
        elif tag == "li" and self._lists:
            current = self._lists[-1]
            current[1] += 1
            self._item = Paragraph("", current[0], len(self._lists), current[1])
        elif tag == "br":
            self._buffer.append(self.BREAK)
        elif tag == "a":
            self._links.append((dict(attrs).get("href") or "", len("".join(self._buffer))))

    def handle_endtag(self, tag):
        if tag in self.BLOCK_TAGS:
            self._flush()
        elif tag in ("ul", "ol") and self._lists:
            self._flush()
            self._lists.pop()
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            link_text = "".join(self._buffer)[start:].strip()
            shown = self._printable_address(href)
            # On paper a link is only useful if its address is written out.
            if shown and shown not in link_text:
                self._buffer.append(f" ({shown})")

    def handle_data(self, data):
        self._buffer.append(data)

    def close(self):
        super().close()
        self._flush()

    def _printable_address(self, href):
        if href.startswith("mailto:"):
            return href.removeprefix("mailto:").split("?")[0]
        if href.startswith("tel:") or href.startswith("#") or not href:
            return ""
        if href.startswith("/") and self.base_url:
            return urljoin(self.base_url, href)
        if href.startswith(("http://", "https://")):
            return href
        return ""

    def _flush(self):
        raw = "".join(self._buffer)
        self._buffer = []
        text = re.sub(r"\s+", " ", raw).replace(self.BREAK, "\n")
        text = "\n".join(line.strip() for line in text.split("\n")).strip()
        if not text:
            return
        if self._item is not None:
            item = self._item
            self.paragraphs.append(Paragraph(text, item.kind, item.level, item.number))
            self._item = None
        elif self._lists:
            # More text inside the same list item: indent it under the item.
            self.paragraphs.append(Paragraph(text, "continuation", len(self._lists)))
        else:
            self.paragraphs.append(Paragraph(text))


def rich_text_paragraphs(value, base_url=""):
    """The plain-text paragraphs and list items of a rich text value.

    ``value`` is a rich text field's HTML or a ``RichText`` from a StreamField.
    Internal links are resolved the way the site shows them; a link's address
    is written after its text (relative ones made absolute with ``base_url``)
    so that a printed copy keeps it.
    """
    source = getattr(value, "source", value) or ""
    reader = _RichTextReader(base_url=base_url)
    reader.feed(expand_db_html(source))
    reader.close()
    return reader.paragraphs


class _GuideDocument(FPDF):
    """A letter-size page with the guide's title and "Page n of N" in the footer."""

    def __init__(self, footer_text):
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        self.footer_text = footer_text
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)

    def footer(self):
        self.set_y(-MARGIN + 6)
        self.set_draw_color(*LINE)
        self.line(self.l_margin, self.get_y() - 2, self.w - self.r_margin, self.get_y() - 2)
        self.set_font(FONT, "", 9)
        self.set_text_color(*MUTED)
        numbers_width = 30
        title_width = self.epw - numbers_width
        title = self.footer_text
        # A cell does not wrap: shorten a long title rather than run into the page number.
        while title and self.get_string_width(title + "...") > title_width:
            title = title[:-1]
        if title != self.footer_text:
            title = title.rstrip() + "..."
        self.cell(title_width, 5, title, align="L")
        self.cell(numbers_width, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    # Layout helpers -----------------------------------------------------

    def keep_space(self, height):
        """Start a new page unless ``height`` mm still fit, so headings stay with their text."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def heading(self, text, size=15, space_before=7):
        self.ln(space_before)
        self.keep_space(size * 0.5 + 3 * LINE_HEIGHT)
        self.set_font(FONT, "B", size)
        self.set_text_color(*BRAND)
        self.multi_cell(0, size * 0.45, pdf_text(text), align="L", **_NEXT_LINE)
        self.ln(2)

    def subheading(self, text, indent=0):
        self.ln(2)
        self.keep_space(3 * LINE_HEIGHT)
        self.set_x(self.l_margin + indent)
        self.set_font(FONT, "B", 12)
        self.set_text_color(*BRAND)
        self.multi_cell(self.epw - indent, 6, pdf_text(text), align="L", **_NEXT_LINE)
        self.ln(1)

    def text_block(self, text, indent=0, size=BODY_SIZE, colour=INK, style=""):
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, LINE_HEIGHT, pdf_text(text), align="L", **_NEXT_LINE)

    def paragraphs(self, paragraphs, indent=0):
        """Paragraphs and list items from rich text, with bullets and numbers."""
        for paragraph in paragraphs:
            if paragraph.kind == "text":
                self.text_block(paragraph.text, indent)
                self.ln(1.8)
                continue
            item_indent = indent + (paragraph.level - 1) * LIST_INDENT
            text_indent = item_indent + LIST_INDENT
            self.keep_space(LINE_HEIGHT)
            if paragraph.kind == "bullet":
                self.bullet(self.l_margin + item_indent + 2, self.get_y() + LINE_HEIGHT / 2)
            elif paragraph.kind == "numbered":
                self.set_font(FONT, "", BODY_SIZE)
                self.set_text_color(*INK)
                self.set_x(self.l_margin + item_indent)
                self.cell(LIST_INDENT, LINE_HEIGHT, f"{paragraph.number}.")
            self.text_block(paragraph.text, text_indent)
            self.ln(1.2)

    def bullet(self, x_centre, y_centre, radius=0.8):
        self.set_fill_color(*INK)
        # ellipse() takes the top-left corner, unlike circle(), whose meaning changed in 2.8.
        self.ellipse(x_centre - radius, y_centre - radius, 2 * radius, 2 * radius, style="F")

    def step_number(self, number, x, y):
        """The step's number in a filled disc, as on the web page."""
        diameter = 7
        self.set_fill_color(*BRAND)
        self.ellipse(x, y, diameter, diameter, style="F")
        self.set_xy(x, y)
        self.set_font(FONT, "B", 11)
        self.set_text_color(255, 255, 255)
        self.cell(diameter, diameter, str(number), align="C")

    def rule(self):
        self.set_draw_color(*LINE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())


_NEXT_LINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def _site_for(page):
    return page.get_site() or Site.objects.filter(is_default_site=True).first()


def write_guide_pdf(guide_page):
    """The guide's instructions as a printable PDF, returned as bytes.

    Lays out the guide's title, introduction, numbered steps, the comparison
    columns, the tips and, at the end, how to reach the Member Resource Centre
    (from the site's settings), with page numbers in the footer. Only the
    page's own content goes in, so the PDF always matches the page it came from.
    """
    site = _site_for(guide_page)
    site_name = (site.site_name if site else "") or getattr(settings, "WAGTAIL_SITE_NAME", "")
    base_url = site.root_url if site else ""
    page_url = guide_page.get_full_url() if site else None

    pdf = _GuideDocument(footer_text=pdf_text(guide_page.title))
    pdf.set_title(guide_page.title)
    pdf.set_subject("Printable instructions")
    if site_name:
        pdf.set_author(site_name)
        pdf.set_creator(site_name)
    pdf.set_lang("en-CA")
    pdf.add_page()

    # Title block.
    if site_name:
        pdf.text_block(site_name.upper(), size=9, colour=MUTED, style="B")
        pdf.ln(1)
    pdf.set_font(FONT, "B", 22)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(0, 9.5, pdf_text(guide_page.title), align="L", **_NEXT_LINE)
    pdf.ln(1)
    subtitle = "Printable instructions"
    if page_url:
        subtitle += f". The latest version is always online at {page_url}"
    pdf.text_block(subtitle, size=9.5, colour=MUTED)
    pdf.ln(3)
    pdf.rule()
    pdf.ln(5)

    pdf.paragraphs(rich_text_paragraphs(guide_page.introduction, base_url))

    # Steps, numbered as on the page.
    steps = [block.value for block in guide_page.steps]
    if steps:
        pdf.heading("Step by step")
        for number, step in enumerate(steps, start=1):
            pdf.ln(2)
            pdf.keep_space(4 * LINE_HEIGHT)
            top = pdf.get_y()
            pdf.step_number(number, pdf.l_margin, top - 0.5)
            pdf.set_xy(pdf.l_margin + STEP_INDENT, top)
            pdf.set_font(FONT, "B", 13)
            pdf.set_text_color(*BRAND)
            pdf.multi_cell(
                pdf.epw - STEP_INDENT, 6, pdf_text(step["title"]), align="L", **_NEXT_LINE
            )
            pdf.ln(1.5)
            pdf.paragraphs(rich_text_paragraphs(step["text"], base_url), indent=STEP_INDENT)

    # The comparison: one column after the other reads well on a narrow page.
    for block in guide_page.comparison:
        comparison = block.value
        if comparison["heading"]:
            pdf.heading(comparison["heading"])
        for column in (comparison["left"], comparison["right"]):
            pdf.subheading(column["title"])
            pdf.paragraphs(rich_text_paragraphs(column["text"], base_url))

    tips = [block.value for block in guide_page.tips]
    if tips:
        pdf.heading("Tips")
        for tip in tips:
            items = rich_text_paragraphs(tip, base_url)
            if not items:
                continue
            # Each tip is one bullet; any further paragraphs of it sit under that bullet.
            pdf.paragraphs(
                [Paragraph(items[0].text, "bullet", 1)]
                + [Paragraph(p.text, "continuation", 1) for p in items[1:]]
            )

    _write_contact(pdf, site)
    return bytes(pdf.output())


def _write_contact(pdf, site):
    """How to reach the Member Resource Centre, from the site's settings."""
    if site is None:
        return
    contact = MemberResourceCentre.for_site(site).as_contact()
    if not (contact["phone_numbers"] or contact["email"]):
        return
    # The heading and the whole card stay together on one page.
    pdf.ln(7)
    pdf.keep_space(9 * LINE_HEIGHT)
    pdf.heading("Need help?", space_before=0)
    pdf.subheading(contact["name"])
    for phone in contact["phone_numbers"]:
        pdf.text_block(f"{phone['label']}: {phone['number']}")
    if contact["email"]:
        pdf.text_block(f"Email: {contact['email']}")
    if contact["hours"]:
        pdf.text_block(contact["hours"], colour=MUTED)


def guide_pdf_document(guide_page, *, collection=None):
    """Store the guide's printable PDF as a Wagtail document and return the document.

    When the guide already has downloadable instructions, that document's file
    is replaced in place (same document, same download address); otherwise a
    new document is created in ``collection`` (the root collection by
    default). The caller attaches a new document to the guide and saves it.
    """
    pdf_bytes = write_guide_pdf(guide_page)
    filename = f"{guide_page.slug}-instructions.pdf"
    title = f"{guide_page.title} (printable instructions)"

    document = guide_page.instructions_document
    if document is None:
        document_model = get_document_model()
        document = document_model(collection=collection or Collection.get_first_root_node())
    else:
        if collection is not None:
            document.collection = collection
        if document.file:
            current_name = PurePosixPath(document.file.name).name
            if current_name.startswith(f"{guide_page.slug}-instructions"):
                # Keep the name the storage gave it (perhaps with a suffix): same address.
                filename = current_name
            # Remove the old file first so the new one can take the same name.
            document.file.storage.delete(document.file.name)
    document.title = title
    document.file.save(filename, ContentFile(pdf_bytes), save=False)
    document.file_size = len(pdf_bytes)
    document.file_hash = hash_filelike(BytesIO(pdf_bytes))
    document.save()
    document.tags.add(GENERATED_TAG)
    return document


def is_generated(document):
    """True when the site wrote this document itself (it carries ``GENERATED_TAG``)."""
    return document.tags.filter(name=GENERATED_TAG).exists()


def refresh_guide_pdf(guide_page):
    """Rewrite a published guide's printable PDF from the guide's own content.

    A generated document is rewritten in place (same document, same download
    address); a guide with no download gets a new generated one, attached to
    the live page and its revisions without publishing it again. A document an
    editor uploaded is never touched: returns None then, else the document.
    """
    current = guide_page.instructions_document
    if current is not None and not is_generated(current):
        return None
    document = guide_pdf_document(guide_page)
    if guide_page.instructions_document_id != document.pk:
        _attach(guide_page, document)
    return document


def _attach(guide_page, document):
    guide_page.instructions_document = document
    type(guide_page).objects.filter(pk=guide_page.pk).update(instructions_document=document)
    # The revision that went live and any newer draft: publishing either keeps the file.
    revisions = Revision.objects.filter(
        pk__in=[guide_page.live_revision_id, guide_page.latest_revision_id]
    )
    for revision in revisions:
        if revision.content.get("instructions_document") is None:
            revision.content["instructions_document"] = document.pk
            revision.save(update_fields=["content"])
    # The document's "Usage" list in the admin counts this guide.
    ReferenceIndex.create_or_update_for_object(guide_page)
