"""An editor signs in to the Wagtail admin, writes a guide with steps and an uploaded
PDF, publishes it, and finds it on the site. JavaScript only: the admin needs it.

Wagtail 8 autosaves the new page as a draft while the editor types
(WAGTAIL_AUTOSAVE_INTERVAL): those requests run beside the editor's own, and Publish
must publish that draft whenever it is pressed (cms/new_page_forms.py).
"""

import re

from cms.factories import pdf_bytes
from meetings.models import GuideIndexPage, GuidePage
from tests.browser.browsing import (
    BROWSER_TEST,
    DESKTOP,
    EDITOR,
    JS_MODES,
    expect,
    in_modes,
)
from tests.browser.conftest import TIMEOUT_MS

pytestmark = BROWSER_TEST

TITLE = "Voting from your phone"
INTRODUCTION = "For members who take part in their AGM on a phone."
STEPS = [
    ("Open the meeting page", "Sign in and press Enter meeting."),
    ("Wait for the chair", "The vote appears on its own when the chair opens it."),
]
# Publishing a new page says "created and published"; publishing the draft that an
# autosave made of it first says "has been published". Either is the editor's success.
PUBLISHED = re.compile(f"'{TITLE}' (created and published|has been published)")


def type_rich_text(field, text):
    """Type into a Draftail rich text editor, as an editor would."""
    editor = field.locator("[contenteditable=true]").first
    editor.click()
    editor.press_sequentially(text)


# Wagtail's unsaved-changes watcher (w-unsaved) takes the form's starting state 2 s
# after the form appears and only then compares: what is typed before that counts as
# the starting state, so it starts no autosave and no "unsaved edits" warning. Playwright
# can write the whole guide within those 2 s (CI did, and no autosave was ever sent); a
# person cannot. This records the moment the watcher starts, from before the admin's
# own scripts run, so no start is missed.
RECORD_WATCHING = """document.addEventListener(
    "w-unsaved:watch-edits", () => { window.watchingEdits = true; });"""


def open_a_new_guide(page):
    """Sign in to the admin and open the form for a new guide, once Wagtail watches it
    for edits."""
    guides = GuideIndexPage.objects.get()
    page.add_init_script(RECORD_WATCHING)
    page.goto("/admin/")
    page.get_by_label("Username").fill(EDITOR[0])
    page.get_by_label("Password").fill(EDITOR[1])
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/admin/pages/{guides.pk}/")
    page.get_by_role("link", name=re.compile("Add child page")).first.click()
    # Guides hold only guide pages, so the admin goes straight to the form.
    expect(page.get_by_role("heading", name="New: Guide page")).to_have_count(1)
    page.wait_for_function("window.watchingEdits === true", timeout=TIMEOUT_MS)


def write_the_guide(page):
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


def upload_the_pdf(page):
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


def publish(page):
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text(PUBLISHED)).to_be_visible()


def assert_published_once():
    """One guide of that title, live, with nothing left unpublished: the autosaved draft
    was published, not copied or left behind."""
    guides = GuidePage.objects.filter(title=TITLE)
    assert guides.count() == 1, f"{guides.count()} guides titled {TITLE!r}"
    guide = guides.get()
    assert guide.live and not guide.has_unpublished_changes
    assert [step.value["title"] for step in guide.steps] == [title for title, _ in STEPS]


@in_modes(JS_MODES)
def test_editor_publishes_a_guide_with_steps_and_a_pdf_and_sees_it_on_the_site(
    demo, open_context, mode
):
    page = open_context(mode).new_page()
    open_a_new_guide(page)
    write_the_guide(page)
    upload_the_pdf(page)
    publish(page)
    assert_published_once()

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


def test_editor_publishes_while_autosave_answers_are_lost_and_gets_one_guide(demo, open_context):
    """Each autosave reaches the server, which saves the new guide as a draft, but its
    answer never reaches the browser (a connection that keeps dropping), so the form
    still posts to the address that creates pages. Once an autosave has failed so (the
    editor sees "Autosave is paused") the editor presses Publish: that draft is
    published, once."""
    page = open_context(DESKTOP).new_page()
    open_a_new_guide(page)
    lost_answers = []

    def is_autosave(request):
        return request.method == "POST" and request.headers.get("accept") == "application/json"

    def lose_autosave_answers(route):
        if not is_autosave(route.request):
            route.fallback()
            return
        try:
            # The server saves the draft; its answer goes nowhere. However long the
            # server takes: a fetch under the context's 10 s default (a person's wait)
            # raised on a busy machine, where an autosave can wait its turn for
            # SQLite's write lock, and left the request hanging, neither answered nor
            # failed, so no autosave ever failed.
            route.fetch(timeout=0)
        finally:
            lost_answers.append(route.request.url)
            route.abort("connectionreset")

    page.route(re.compile(r"/admin/pages/add/"), lose_autosave_answers)
    # Wait for the failure itself, not the paused message (it comes and goes as further
    # autosaves start and fail). The wait starts before the typing, so an autosave that
    # failed while the editor typed counts.
    with page.expect_event("requestfailed", predicate=is_autosave, timeout=6 * TIMEOUT_MS):
        write_the_guide(page)
    # The rich text editor puts what was typed in the form a moment later (it saves every
    # 250 ms), and a Publish before that would rightly be refused for an empty step: the
    # editor presses Publish once the form holds the last words typed, as they would once
    # they see them on the screen. Which autosave is then under way, failing or waiting
    # to retry, is up to the machine's pace, as it is for an editor.
    page.wait_for_function(
        """text => [...new FormData(document.querySelector("form[data-w-autosave-interval-value]"))
            .values()].some(value => typeof value === "string" && value.includes(text))""",
        arg=STEPS[-1][1],
        timeout=TIMEOUT_MS,
    )

    publish(page)

    assert lost_answers, "no autosave was sent"
    assert_published_once()
