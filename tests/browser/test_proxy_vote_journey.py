"""A member who holds another member's proxy votes twice on the Riverside AGM's motion:
for themselves and, on a ballot of its own labelled "Voting as proxy for ...", for the
giver. Each vote gets its own receipt; the giver's vote is recorded in the giver's
name. With JavaScript the forms answer in place; without it the plain forms do."""

from meetings.ballots.chairing import open_item
from meetings.ballots.models import BallotItem, VoterRecord
from tests.browser.browsing import (
    BROWSER_TEST,
    DESKTOP,
    DESKTOP_NO_JS,
    PROXY_HOLDER_EMAIL,
    RIVERSIDE_AGM,
    expect,
    in_modes,
    riverside_has_quorum,
    sign_in,
)

pytestmark = BROWSER_TEST

MOTION = "Motion 1: safe staffing on night shifts"
GIVER = "Daniel Tremblay"  # the chapter chair, who gave his proxy (meetings/demo.py)


@in_modes([DESKTOP, DESKTOP_NO_JS])
def test_a_member_votes_for_themselves_and_as_proxy(demo, open_context, mode):
    meeting = riverside_has_quorum()
    motion = BallotItem.objects.get(meeting=meeting, title=MOTION)
    open_item(motion, meeting.chairs.first())
    page = open_context(mode).new_page()
    sign_in(page, PROXY_HOLDER_EMAIL, next_path=RIVERSIDE_AGM)

    item = page.get_by_role("region", name="Voting").locator(".ballot-item--open")
    proxy = item.locator(".ballot-item__proxy")
    expect(proxy.get_by_role("heading", name=f"Voting as proxy for {GIVER}")).to_be_visible()
    expect(item.get_by_role("button", name="Cast my vote")).to_have_count(1)

    # Their own vote first: the proxy's ballot stays open.
    item.get_by_role("group", name="Choose one", exact=True).get_by_label("For", exact=True).check()
    item.get_by_role("button", name="Cast my vote").click()
    expect(item).to_contain_text("Your vote is recorded.")
    expect(proxy.get_by_role("button", name=f"Cast the vote for {GIVER}")).to_be_visible()

    # Then the giver's, on its own form.
    proxy.get_by_role("group", name=f"Choose one for {GIVER}").get_by_label(
        "Against", exact=True
    ).check()
    proxy.get_by_role("button", name=f"Cast the vote for {GIVER}").click()
    expect(proxy).to_contain_text(f"Your vote for {GIVER} is recorded.")
    receipt = proxy.locator(".receipt").inner_text().strip()
    assert len(receipt) == 10, receipt
    expect(item.locator("form.vote-form")).to_have_count(0)

    voters = set(
        VoterRecord.objects.filter(item=motion).values_list("member__member_id", flat=True)
    )
    assert voters == {"000015", "000012"}  # the holder's own, and the giver's in his name
