"""The chair's irreversible actions ask first: with JavaScript, Close voting opens a
dialog with the question; Cancel changes nothing, "Yes, close voting" closes the item
without leaving the chair's page. (Without JavaScript the server asks on a page of its
own: tests/meetings/ballots/test_chair_confirmation.py, and the vote journey.)"""

import re

from tests.browser.browsing import (
    BROWSER_TEST,
    CHAIR_EMAIL,
    DESKTOP,
    RIVERSIDE_AGM,
    expect,
    in_modes,
    riverside_has_quorum,
    sign_in,
)
from tests.browser.conftest import SCREENSHOTS

pytestmark = BROWSER_TEST

MOTION = "Motion 1: safe staffing on night shifts"


@in_modes([DESKTOP])
def test_the_chair_confirms_close_voting_in_a_dialog(demo, open_context, mode):
    riverside_has_quorum()
    page = open_context(mode).new_page()
    sign_in(page, CHAIR_EMAIL, next_path=RIVERSIDE_AGM + "chair/")
    row = page.locator("li.agenda-item").filter(
        has=page.get_by_role("heading", name=re.compile("^" + re.escape(MOTION)))
    )
    row.get_by_role("button", name="Open voting").click()
    expect(row).to_contain_text("(open for voting)")
    page.evaluate("window.__noReload = true")

    row.get_by_role("button", name="Close voting").click()
    dialog = page.get_by_role("dialog", name=f"Close voting on “{MOTION}”?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("a closed item never reopens")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "chair-confirms-close-voting.png")

    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("(open for voting)")

    row.get_by_role("button", name="Close voting").click()
    page.get_by_role("button", name="Yes, close voting").click()
    expect(row).to_contain_text("(closed)")
    assert page.evaluate("window.__noReload") is True, "the chair's page reloaded"
