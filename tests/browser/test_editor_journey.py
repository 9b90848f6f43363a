"""An editor signs in to the Wagtail admin, writes a guide with steps and an uploaded
PDF, publishes it, and finds it on the site. JavaScript only: the admin needs it."""

import re

from cms.factories import pdf_bytes
from meetings.models import GuideIndexPage
from tests.browser.browsing import BROWSER_TEST, EDITOR, JS_MODES, expect, in_modes

pytestmark = BROWSER_TEST

TITLE = "Voting from your phone"
INTRODUCTION = "For members who take part in their AGM on a phone."
STEPS = [
    ("Open the meeting page", "Sign in and press Enter meeting."),
    ("Wait for the chair", "The vote appears on its own when the chair opens it."),
]


def type_rich_text(field, text):
    """Type into a Draftail rich text editor, as an editor would."""
    editor = field.locator("[contenteditable=true]").first
    editor.click()
    editor.press_sequentially(text)


@in_modes(JS_MODES)
def test_editor_publishes_a_guide_with_steps_and_a_pdf_and_sees_it_on_the_site(
    demo, open_context, mode
):
    guides = GuideIndexPage.objects.get()
    page = open_context(mode).new_page()
    page.goto("/admin/")
    page.get_by_label("Username").fill(EDITOR[0])
    page.get_by_label("Password").fill(EDITOR[1])
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/admin/pages/{guides.pk}/")
    page.get_by_role("link", name=re.compile("Add child page")).first.click()
    # Guides hold only guide pages, so the admin goes straight to the form.
    expect(page.get_by_role("heading", name="New: Guide page")).to_have_count(1)

    page.get_by_placeholder("Page title*").fill(TITLE)
    type_rich_text(page.locator("[data-contentpath=introduction]"), INTRODUCTION)
    steps = page.locator("[data-contentpath=steps]")
    for number, (title, text) in enumerate(STEPS):
        # Steps hold one kind of block, so "Insert a block" adds a step at once.
        steps.get_by_title("Insert a block").last.click()
        step = (
            steps.locator("[data-contentpath]")
            .filter(has=page.locator("[data-contentpath=title]"))
            .nth(number)
        )
        step.locator("[data-contentpath=title] input").fill(title)
        type_rich_text(step.locator("[data-contentpath=text]"), text)

    page.get_by_role("button", name="Choose a document").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_role("tab", name="Upload").click()
    chooser.get_by_label("File").set_input_files(
        {
            "name": "voting-from-your-phone.pdf",
            "mimeType": "application/pdf",
            "buffer": pdf_bytes(TITLE, *(title for title, _ in STEPS)),
        }
    )
    chooser.get_by_label("Title").fill("Voting from your phone (PDF)")
    chooser.get_by_role("button", name="Upload").click()
    expect(chooser).to_have_count(0)
    download_panel = page.locator("[data-contentpath=instructions_document]")
    expect(download_panel).to_contain_text("Voting from your phone (PDF)")

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    # Wagtail 8 autosaves a new page as a draft (WAGTAIL_AUTOSAVE_INTERVAL): if that has
    # happened before the click, publishing it is an edit and says so in its own words.
    published = re.compile(f"'{TITLE}' (created and published|has been published)")
    expect(page.get_by_text(published)).to_be_visible()

    # On the site: listed among the guides, with its steps and its PDF.
    page.goto("/guides/")
    page.get_by_role("main").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    main = page.get_by_role("main")
    expect(main).to_contain_text(INTRODUCTION)
    steps = main.locator("ol.steps > li")
    expect(steps).to_have_count(len(STEPS))
    for step, (title, text) in zip(steps.all(), STEPS, strict=True):
        expect(step).to_contain_text(title)
        expect(step).to_contain_text(text)
    with page.expect_download() as download_info:
        main.get_by_role("link", name=re.compile("Download these instructions")).click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
