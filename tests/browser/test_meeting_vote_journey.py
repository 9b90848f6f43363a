"""The Riverside AGM votes: the chair opens the motion on their page (short of quorum,
with a reason), the member's
meeting page shows it on its own, the member votes and gets a receipt, the
scrutineer unlocks the sealed ballots on the chair's page with their passphrase,
the chair closes the vote and both see the result.

With JavaScript the member's page follows the chair without navigating (a marker
set on the page survives); without it the member refreshes, and the plain forms
do the same work.
"""

import re

from staff.demo import BALLOT_PASSPHRASE, STAFF_PASSWORD
from staff.demo import SCRUTINEER_USERNAME as SCRUTINEER
from tests.browser.browsing import (
    ALL_MODES,
    BROWSER_TEST,
    CHAIR_EMAIL,
    MEMBER_EMAIL,
    RIVERSIDE_AGM,
    expect,
    in_modes,
    sign_in,
)

pytestmark = BROWSER_TEST

MOTION = "Motion 1: safe staffing on night shifts"
# The brief: the member's page shows the chair's action within 3 seconds.
FOLLOWS_WITHIN_MS = 3_000


def chair_row(chair_page, title):
    return chair_page.locator("li.agenda-item").filter(
        has=chair_page.get_by_role("heading", name=re.compile(re.escape(title)))
    )


def scrutineer_unlocks(open_context, mode):
    """The demo scrutineer signs in to the admin, opens the chair's page and unlocks the
    sealed ballots with their passphrase."""
    page = open_context(mode).new_page()
    page.goto(f"/admin/login/?next={RIVERSIDE_AGM}chair/")
    page.get_by_label("Username").fill(SCRUTINEER)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sealed ballots")).to_be_visible()
    page.get_by_label("Your ballot passphrase").fill(BALLOT_PASSPHRASE)
    page.get_by_role("button", name="Unlock the ballots").click()
    expect(page.get_by_text("The ballots are unlocked")).to_be_visible()
    # A scrutineer does not run the vote: the chair's buttons are not theirs.
    expect(page.get_by_role("button", name="Close voting")).to_have_count(0)


def follow_the_chair(member_page, mode):
    """What the member does to see the chair's latest action: nothing, or refresh."""
    if mode.javascript:
        return FOLLOWS_WITHIN_MS
    member_page.reload()
    return None


def assert_page_never_reloaded(member_page, mode):
    if mode.javascript:
        assert member_page.evaluate("window.__noReload") is True, "the meeting page reloaded"


@in_modes(ALL_MODES)
def test_chair_opens_the_motion_member_votes_without_reloading_and_both_see_the_result(
    demo, open_context, mode
):
    member_page = open_context(mode).new_page()
    sign_in(member_page, MEMBER_EMAIL, next_path=RIVERSIDE_AGM)
    expect(member_page).to_have_url(re.compile(re.escape(RIVERSIDE_AGM) + "$"))
    ballot = member_page.get_by_role("region", name="Voting")
    expect(ballot.get_by_role("listitem").filter(has_text=MOTION)).to_be_visible()
    expect(ballot.get_by_role("button", name="Cast my vote")).to_have_count(0)
    if mode.javascript:
        member_page.evaluate("window.__noReload = true")

    chair_page = open_context(mode).new_page()
    sign_in(chair_page, CHAIR_EMAIL, next_path=RIVERSIDE_AGM + "chair/")
    expect(chair_page.get_by_role("heading", level=1)).to_contain_text("Riverside")
    # One member is in the room, short of the demo's quorum: the chair opens the vote
    # anyway, confirming it with a reason on a page of its own.
    chair_row(chair_page, MOTION).get_by_role(
        "link", name=re.compile("Open without quorum")
    ).click()
    chair_page.get_by_label("Open this vote without quorum").check()
    chair_page.get_by_label("Reason").fill("The meeting agreed to go ahead")
    chair_page.get_by_role("button", name="Open voting without quorum").click()
    expect(chair_row(chair_page, MOTION)).to_contain_text("(open for voting)")

    # The member's page moves to the open motion.
    wait_ms = follow_the_chair(member_page, mode)
    open_item = member_page.locator(".ballot-item--open")
    expect(open_item.get_by_role("heading", name=MOTION)).to_be_visible(timeout=wait_ms)
    assert_page_never_reloaded(member_page, mode)
    if mode.javascript:
        # Screen reader users hear it too.
        expect(member_page.locator("#meeting-announcer")).to_have_text(f"Voting is open: {MOTION}")

    open_item.get_by_label("For", exact=True).check()
    open_item.get_by_role("button", name="Cast my vote").click()
    expect(member_page.get_by_text("Your vote is recorded.")).to_be_visible()
    receipt = member_page.locator(".receipt").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]{6,}", receipt), receipt
    assert_page_never_reloaded(member_page, mode)
    # The chair's turnout counts the vote: their page refreshes itself every few seconds
    # with JavaScript; without it, the chair reloads.
    if not mode.javascript:
        chair_page.reload()
    expect(chair_row(chair_page, MOTION)).to_contain_text("Turnout: 1 of", timeout=6_000)

    scrutineer_unlocks(open_context, mode)
    chair_row(chair_page, MOTION).get_by_role("button", name="Close voting").click()
    # It asks first: in a dialog with JavaScript, on a page of its own without.
    chair_page.get_by_role("button", name="Yes, close voting").click()
    chair_result = chair_row(chair_page, MOTION)
    expect(chair_result).to_contain_text("(closed)")
    expect(chair_result.get_by_role("table")).to_contain_text("For")
    expect(chair_result).to_contain_text("Carried.")
    expect(chair_result).to_contain_text("1 ballot cast")

    wait_ms = follow_the_chair(member_page, mode)
    closed_item = member_page.locator(".ballot-item--closed")
    expect(closed_item.get_by_role("heading", name=MOTION)).to_be_visible(timeout=wait_ms)
    expect(closed_item).to_contain_text("Carried.")
    expect(closed_item.get_by_role("table")).to_be_visible()
    # The member can check their ballot was counted.
    expect(closed_item.locator(".receipts__list")).to_contain_text(receipt, use_inner_text=False)
    assert_page_never_reloaded(member_page, mode)
    # …and with the item's own form, which answers on a page of its own.
    closed_item.get_by_label("Check your receipt").fill(receipt.lower())
    closed_item.get_by_role("button", name="Check").click()
    expect(member_page.get_by_role("status")).to_contain_text(f"Receipt {receipt} is among")
