"""A member with the meeting page open in two tabs votes in one: the other tab shows
the recorded state ("You voted on this item"), never the choices and "Cast my vote"
again, whether the member tries to vote there or just comes back to it."""

from meetings.ballots.chairing import open_item
from meetings.ballots.models import BallotItem
from tests.browser.browsing import (
    BROWSER_TEST,
    DESKTOP,
    MEMBER_EMAIL,
    RIVERSIDE_AGM,
    expect,
    in_modes,
    riverside_has_quorum,
    sign_in,
)

pytestmark = BROWSER_TEST

MOTION = "Motion 1: safe staffing on night shifts"


def ballot_of(page):
    return page.get_by_role("region", name="Voting").locator(".ballot-item--open")


@in_modes([DESKTOP])
def test_a_second_tab_shows_the_vote_recorded_in_the_first(demo, open_context, mode):
    meeting = riverside_has_quorum()
    open_item(BallotItem.objects.get(meeting=meeting, title=MOTION), meeting.chairs.first())
    member = open_context(mode)
    first, stale, idle = member.new_page(), member.new_page(), member.new_page()
    sign_in(first, MEMBER_EMAIL, next_path=RIVERSIDE_AGM)
    for tab in (stale, idle):
        tab.goto(RIVERSIDE_AGM)
        expect(ballot_of(tab).get_by_role("button", name="Cast my vote")).to_be_visible()

    ballot_of(first).get_by_label("For", exact=True).check()
    ballot_of(first).get_by_role("button", name="Cast my vote").click()
    expect(ballot_of(first)).to_contain_text("Your receipt code")

    # The tab still showing the form: voting there shows the vote already recorded.
    ballot_of(stale).get_by_label("Against", exact=True).check()
    ballot_of(stale).get_by_role("button", name="Cast my vote").click()
    expect(ballot_of(stale)).to_contain_text("You voted on this item already")
    expect(ballot_of(stale)).to_contain_text("check it here")
    expect(ballot_of(stale).get_by_role("button", name="Cast my vote")).to_have_count(0)
    expect(ballot_of(stale).get_by_role("radio")).to_have_count(0)

    # The tab the member comes back to (the browser says it is visible again) catches up.
    idle.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(ballot_of(idle)).to_contain_text("You voted on this item.")
    expect(ballot_of(idle).get_by_role("button", name="Cast my vote")).to_have_count(0)
    expect(ballot_of(idle).get_by_role("radio")).to_have_count(0)
