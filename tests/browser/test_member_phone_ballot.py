"""The member's meeting page on a 390-pixel phone puts what the member must do now
first: once the chair opens an item, the ballot (or the "Voting is open: go to the
ballot" link under the title) is on the first screen, screen readers hear that
voting opened, and earlier results fold away below.
"""

import re

from tests.browser.browsing import (
    BROWSER_TEST,
    CHAIR_EMAIL,
    MEMBER_EMAIL,
    PHONE,
    PHONE_NO_JS,
    RIVERSIDE_AGM,
    expect,
    in_modes,
    riverside_has_quorum,
    sign_in,
)
from tests.browser.conftest import SCREENSHOTS

pytestmark = BROWSER_TEST

MOTION = "Motion 1: safe staffing on night shifts"


def on_first_screen(page, locator):
    """Whether the element is wholly inside the first screen of the page, unscrolled."""
    page.evaluate("window.scrollTo(0, 0)")
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    return box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def chair_opens(chair_page, title):
    row = chair_page.locator("li.agenda-item").filter(
        has=chair_page.get_by_role("heading", name=re.compile(re.escape(title)))
    )
    row.get_by_role("button", name="Open voting").click()
    expect(row).to_contain_text("(open for voting)")


@in_modes([PHONE, PHONE_NO_JS])
def test_on_a_phone_the_open_ballot_is_on_the_first_screen(demo, open_context, mode):
    riverside_has_quorum()
    chair_page = open_context(mode).new_page()
    sign_in(chair_page, CHAIR_EMAIL, next_path=RIVERSIDE_AGM + "chair/")
    member_page = open_context(mode).new_page()
    sign_in(member_page, MEMBER_EMAIL, next_path=RIVERSIDE_AGM)
    voting_now = member_page.get_by_role("link", name="Voting is open: go to the ballot")
    expect(voting_now).to_have_count(0)  # nothing is open yet

    chair_opens(chair_page, MOTION)

    if mode.javascript:
        # The page follows the chair on its own, and says so to screen readers.
        expect(member_page.locator("#meeting-announcer")).to_have_text(f"Voting is open: {MOTION}")
    else:
        member_page.reload()
    assert on_first_screen(member_page, voting_now)
    voting_now.click()
    open_item = member_page.locator(".ballot-item--open")
    expect(open_item.get_by_role("heading", name=MOTION)).to_be_in_viewport()

    # A fresh load puts the open ballot itself above the joining details.
    member_page.reload()
    ballot = member_page.get_by_role("region", name="Voting")
    room = member_page.get_by_role("region", name="Join the meeting")
    assert ballot.bounding_box()["y"] < room.bounding_box()["y"]
    assert on_first_screen(member_page, voting_now)
    SCREENSHOTS.mkdir(exist_ok=True)
    member_page.screenshot(path=SCREENSHOTS / f"member-phone-open-item-{mode}.png")
