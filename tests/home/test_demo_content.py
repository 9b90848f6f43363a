"""The demo content command and the printable PDF of a guide's instructions."""

import re
from html import unescape
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pypdf import PdfReader
from wagtail.documents import get_document_model
from wagtail.models import Page, Revision, Site

from home.models import HomePage, MemberResourceCentre
from meetings.guides.pdf import (
    guide_pdf_document,
    pdf_text,
    rich_text_paragraphs,
    write_guide_pdf,
)
from meetings.models import GuideIndexPage, GuidePage
from members.demo import DEMO_PASSWORD
from policies.models import PolicyPage
from tests.demo_fixtures import load_demo

pytestmark = pytest.mark.django_db


def squeeze(text):
    """Collapse runs of whitespace, so text wrapped onto two lines still matches."""
    return re.sub(r"\s+", " ", text).strip()


def pdf_plain_text(data):
    reader = PdfReader(BytesIO(data))
    return squeeze(" ".join(page.extract_text() for page in reader.pages))


def page_text(response):
    return squeeze(unescape(response.content.decode()))


def database_counts():
    return {
        "pages": Page.objects.count(),
        "documents": get_document_model().objects.count(),
        "users": get_user_model().objects.count(),
        "revisions": Revision.objects.count(),
        "sites": Site.objects.count(),
    }


def demo_guide():
    return GuidePage.objects.get(slug="virtual-agm")


# The demo content ----------------------------------------------------------------


def test_loading_the_demo_twice_changes_nothing_the_second_time():
    before = database_counts()
    load_demo()
    after_first = database_counts()
    second_output = load_demo()

    assert database_counts() == after_first
    # The first run really did create things, so the comparison above means something.
    for what in ("pages", "documents", "users", "revisions"):
        assert after_first[what] > before[what], what
    assert "created" not in second_output


def test_demo_home_page_replaces_wagtails_welcome_page_as_the_default_sites_root():
    load_demo()

    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("127.0.0.1", 8000)
    assert site.site_name == "Northwind Workers' Union"
    assert isinstance(site.root_page.specific, HomePage)
    assert site.root_page.live
    # Nothing is left at the top of the tree but the union's home page.
    assert [page.specific_class for page in Page.objects.filter(depth=2)] == [HomePage]


def test_demo_fills_the_contact_settings_the_pages_show():
    load_demo()

    centre = MemberResourceCentre.for_site(Site.objects.get(is_default_site=True))
    assert centre.local_phone and centre.toll_free_phone and centre.email
    assert centre.hours == "Monday to Friday, 8:30 a.m. to 4:30 p.m."


def test_home_page_renders_with_its_components(client):
    load_demo()
    home = HomePage.objects.get()

    response = client.get("/")

    assert response.status_code == 200
    text = page_text(response)
    assert f"<h1>{home.title}</h1>" in text
    callouts = [block.value["heading"] for block in home.body if block.block_type == "callout"]
    assert callouts
    for heading in callouts:
        assert heading in text
    assert MemberResourceCentre.for_site(home.get_site()).local_phone in text


def test_privacy_statement_renders_its_sections_and_the_privacy_officer(client):
    load_demo()
    statement = PolicyPage.objects.get(slug="privacy-statement")

    response = client.get("/privacy-statement/")

    assert response.status_code == 200
    text = page_text(response)
    assert "<h1>Privacy statement</h1>" in text
    headings = [section["heading"] for section in statement.contents()]
    assert "What counts as personal information" in headings
    assert "How we use our membership database" in headings
    for heading in headings:
        # Every section in the "On this page" list is a working in-page link.
        assert f'id="{section_anchor(statement, heading)}"' in text
    assert statement.privacy_officer["email"] in text


def section_anchor(page, heading):
    return next(s["anchor"] for s in page.contents() if s["heading"] == heading)


def list_headed(page, heading):
    """The one list component in the page's body with this heading."""
    [found] = [
        block.value
        for block in page.body
        if block.block_type == "list" and block.value["heading"] == heading
    ]
    return found


def test_privacy_statement_lists_nine_kinds_of_personal_information(client):
    load_demo()
    statement = PolicyPage.objects.get(slug="privacy-statement")

    kinds = list_headed(statement, "What counts as personal information")
    assert kinds["style"] == "bulleted"
    assert len(kinds["items"]) == 9

    html = client.get("/privacy-statement/").content.decode()
    section = html.split('id="what-counts-as-personal-information"')[1].split("</section>")[0]
    assert section.count("<li>") == 9


def test_privacy_statement_lists_six_uses_of_the_membership_database():
    load_demo()
    statement = PolicyPage.objects.get(slug="privacy-statement")

    uses = list_headed(statement, "How we use our membership database")
    assert uses["style"] == "numbered"
    assert len(uses["items"]) == 6


def test_guide_index_and_guide_render_with_steps_comparison_and_download(client):
    load_demo()
    guide = demo_guide()

    index = client.get("/guides/")
    assert index.status_code == 200
    assert guide.title in page_text(index)

    response = client.get("/guides/virtual-agm/")
    assert response.status_code == 200
    text = page_text(response)
    assert f"<h1>{guide.title}</h1>" in text
    for step in guide.steps:
        assert step.value["title"] in text
    assert "What each window is for" in text
    assert len(guide.tips) >= 5
    assert guide.instructions_document.url in text


def test_guide_says_the_meeting_page_moves_on_without_a_refresh():
    load_demo()
    guide = demo_guide()

    steps_text = " ".join(step.value["text"].source for step in guide.steps)
    assert "do not need to refresh" in steps_text
    assert "mail you a meeting notice" in guide.introduction
    assert "active email" in guide.introduction


def header_link_texts(html, href):
    """The text of the links to ``href`` at the top of every page (the account links)."""
    [header] = re.findall(r'<ul class="account-links">(.*?)</ul>', html, re.S)
    return [squeeze(text) for text in re.findall(rf'<a href="{href}">(.*?)</a>', header, re.S)]


def test_guide_names_the_links_heading_and_button_the_site_really_shows(client):
    load_demo()
    steps = " ".join(step.value["text"].source for step in demo_guide().steps)
    titles = [step.value["title"] for step in demo_guide().steps]

    home = client.get("/").content.decode()
    assert "Sign in" in header_link_texts(home, reverse("account_login"))
    assert "Choose <b>Sign in</b> at the top of any page" in steps

    client.post(
        reverse("account_login"),
        {"login": "maya.okonkwo.000011@members.northwind.example", "password": DEMO_PASSWORD},
    )
    [my_union] = header_link_texts(client.get("/").content.decode(), reverse("members:dashboard"))
    dashboard = client.get(reverse("members:dashboard")).content.decode()

    assert f"Choose <b>{my_union}</b> at the top of any page" in steps
    assert f"on {my_union}" in titles[2]
    assert '<h2 id="my-meetings">My meetings</h2>' in dashboard
    assert "Under <b>My meetings</b>" in steps  # a heading on that page, not a link
    assert "Enter meeting" in dashboard and "press <b>Enter meeting</b>" in steps
    assert "Open <b>My meetings</b>" not in steps


def test_guide_instructions_are_a_pdf_containing_every_step(client):
    load_demo()
    guide = demo_guide()
    document = guide.instructions_document

    assert document.title == f"{guide.title} (printable instructions)"
    assert document.file_extension == "pdf"
    with document.open_file() as f:
        data = f.read()
    assert data.startswith(b"%PDF-")
    assert document.file_size == len(data)

    text = pdf_plain_text(data)
    assert pdf_text(guide.title) in text
    for step in guide.steps:
        assert squeeze(pdf_text(step.value["title"])) in text
    centre = MemberResourceCentre.for_site(guide.get_site())
    assert centre.toll_free_phone in text

    download = client.get(document.url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"


# The PDF writer on any guide ----------------------------------------------------------


@pytest.fixture
def guide_index():
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2).delete()  # Wagtail's welcome page, and its site
    home = root.add_child(instance=HomePage(title="Home", slug="home"))
    site = Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="A union"
    )
    MemberResourceCentre.objects.create(
        site=site,
        local_phone="780-555-0177",
        toll_free_phone="1-888-555-0178",
        email="help@union.example",
        hours="Weekdays, 9 to 5",
    )
    return home.add_child(instance=GuideIndexPage(title="Guides", slug="guides"))


STEP_TITLES = [
    "Find your “ballot receipt”",
    "Check the chair’s notes – twice…",
    "Sign the Chapter’s attendance list — in person",
    "Read the Résumé of motions",
]


def new_guide(guide_index, step_titles=STEP_TITLES):
    guide = GuidePage(
        title="Voting by proxy at a Chapter meeting",
        slug="proxy-voting",
        introduction="<p>Who may carry a <b>proxy</b>, and how.</p>",
        steps=[
            {
                "type": "step",
                "value": {
                    "title": title,
                    "text": f"<p>What to do for step {number}:</p>"
                    "<ul><li>first thing</li><li>second thing</li></ul>",
                },
            }
            for number, title in enumerate(step_titles, start=1)
        ],
        comparison=[
            {
                "type": "comparison",
                "value": {
                    "heading": "Proxy or in person",
                    "left": {"title": "By proxy", "text": "<p>Someone votes for you.</p>"},
                    "right": {"title": "In person", "text": "<p>You vote yourself.</p>"},
                },
            }
        ],
        tips=[{"type": "tip", "value": "<p>Ask early: proxies close a week before.</p>"}],
    )
    guide_index.add_child(instance=guide)
    return guide


def test_write_guide_pdf_contains_every_step_heading_of_any_guide(guide_index):
    guide = new_guide(guide_index)

    data = write_guide_pdf(guide)

    assert data.startswith(b"%PDF-")
    text = pdf_plain_text(data)
    assert "Voting by proxy at a Chapter meeting" in text
    for title in STEP_TITLES:
        assert squeeze(pdf_text(title)) in text
    # The comparison columns, the tips and the contact details from settings.
    for expected in ("Proxy or in person", "By proxy", "You vote yourself.", "Ask early"):
        assert expected in text
    assert "1-888-555-0178" in text
    assert "help@union.example" in text


def test_guide_pdf_numbers_its_pages(guide_index):
    many_steps = [f"Step title number {n}" for n in range(1, 41)]
    guide = new_guide(guide_index, many_steps)

    reader = PdfReader(BytesIO(write_guide_pdf(guide)))

    assert len(reader.pages) > 1
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {len(reader.pages)}" in page.extract_text()


def test_typographic_punctuation_is_made_plain_for_the_core_font():
    assert pdf_text("“Enter meeting” – it’s here… — now") == '"Enter meeting" - it\'s here... - now'
    assert pdf_text("Résumé") == "Résumé"  # latin-1 letters stay as they are


def test_rich_text_lists_become_bullets_and_numbers():
    paragraphs = rich_text_paragraphs(
        "<p>Before<br/>the list:</p><ul><li>one</li><li>two</li></ul>"
        '<ol><li>first <a href="https://example.org/agm">details</a></li></ol>'
    )

    assert [(p.kind, p.text) for p in paragraphs] == [
        ("text", "Before\nthe list:"),
        ("bullet", "one"),
        ("bullet", "two"),
        ("numbered", "first details (https://example.org/agm)"),
    ]
    assert paragraphs[-1].number == 1


def test_guide_pdf_document_replaces_the_file_of_the_existing_document(guide_index):
    guide = new_guide(guide_index)
    document = guide_pdf_document(guide)
    guide.instructions_document = document
    guide.save()
    documents_before = get_document_model().objects.count()

    guide.steps = [{"type": "step", "value": {"title": "A brand new step", "text": "<p>x</p>"}}]
    regenerated = guide_pdf_document(guide)

    assert regenerated.pk == document.pk
    assert get_document_model().objects.count() == documents_before
    assert regenerated.filename == document.filename  # the download address stays the same
    with regenerated.open_file() as f:
        text = pdf_plain_text(f.read())
    assert "A brand new step" in text
    assert squeeze(pdf_text(STEP_TITLES[0])) not in text


def test_a_new_instructions_document_is_named_after_the_guide(guide_index):
    guide = new_guide(guide_index)

    document = guide_pdf_document(guide)

    assert document.title == "Voting by proxy at a Chapter meeting (printable instructions)"
    # The storage adds a suffix when an earlier test left a file of the same name.
    assert re.fullmatch(r"proxy-voting-instructions(_\w+)?\.pdf", document.filename)
    assert document.collection.is_root()


# The editor sign-in ----------------------------------------------------------------------


def test_demo_creates_an_editor_who_can_use_the_admin(client):
    output = load_demo()

    editor = get_user_model().objects.get(username="editor")
    assert editor.is_superuser
    assert editor.check_password("northwind-demo-editor")
    assert "http://127.0.0.1:8000/admin/" in output
    assert "northwind-demo-editor" in output
    assert client.login(username="editor", password="northwind-demo-editor")
    assert client.get("/admin/").status_code == 200


def test_demo_never_resets_a_changed_editor_password():
    load_demo()
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("a password the editor chose")
    editor.save()

    output = load_demo()

    editor.refresh_from_db()
    assert editor.check_password("a password the editor chose")
    assert "northwind-demo-editor" not in output
