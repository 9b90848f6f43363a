"""When the chair opens another item, a member's page takes the section every member
shares (one copy for the whole meeting, not a render per member) and makes it the
member's own again: the vote already cast stays shown with its receipt, and the new
item's form votes with the member's own CSRF token."""

from meetings.ballots.chairing import open_item
from meetings.ballots.models import BallotItem, VoterRecord
from members.models import Member
from tests.browser.browsing import (
    BROWSER_TEST,
    JS_MODES,
    MEMBER_EMAIL,
    RIVERSIDE_AGM,
    expect,
    in_modes,
    riverside_has_quorum,
    sign_in,
)

pytestmark = BROWSER_TEST

MOTION = "Motion 1: safe staffing on night shifts"
BUDGET = "Budget 2027"
FOLLOWS_WITHIN_MS = 3_000  # the brief: pages show the chair's action within 3 seconds


def item_on(page, title):
    return page.locator(".ballot-item--open").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


@in_modes(JS_MODES)
def test_a_new_item_arrives_as_the_shared_section_and_the_earlier_vote_stays_shown(
    demo, open_context, mode
):
    meeting = riverside_has_quorum()
    chair = meeting.chairs.first()
    open_item(BallotItem.objects.get(meeting=meeting, title=MOTION), chair)
    page = open_context(mode).new_page()
    sections = []
    page.on(
        "response",
        lambda response: "/meeting-section/" in response.url and sections.append(response),
    )
    sign_in(page, MEMBER_EMAIL, next_path=RIVERSIDE_AGM)
    item_on(page, MOTION).get_by_label("For", exact=True).check()
    item_on(page, MOTION).get_by_role("button", name="Cast my vote").click()
    expect(item_on(page, MOTION)).to_contain_text("Your receipt code")
    receipt = item_on(page, MOTION).locator(".receipt").inner_text()
    page.evaluate("window.__noReload = true")

    open_item(BallotItem.objects.get(meeting=meeting, title=BUDGET), chair)

    budget = item_on(page, BUDGET)
    expect(budget.get_by_role("button", name="Cast my vote")).to_be_visible(
        timeout=FOLLOWS_WITHIN_MS
    )
    assert [response.status for response in sections] == [200]
    # The motion keeps what this page showed: the vote recorded, and its receipt.
    expect(item_on(page, MOTION)).to_contain_text(receipt)
    expect(item_on(page, MOTION).get_by_role("button", name="Cast my vote")).to_have_count(0)

    budget.get_by_label("For", exact=True).check()
    budget.get_by_role("button", name="Cast my vote").click()
    expect(budget).to_contain_text("Your receipt code")
    assert page.evaluate("window.__noReload") is True
    member = Member.objects.get(member_id="000011")
    assert VoterRecord.objects.filter(item__meeting=meeting, member=member).count() == 2
