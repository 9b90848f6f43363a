"""The Riverside AGM's ranked election of three stewards: the chair opens it, a member
ranks candidates with the "1st choice, 2nd choice, ..." menus (a mistaken ranking is
refused first and nothing is recorded), the scrutineer unlocks the ballots, the chair
closes the vote, and both see the count stage by stage under the rule it names.

With and without JavaScript, on a desktop and a phone: the menus are plain labelled
select elements, chosen here by their labels as a screen reader or keyboard user would.
"""

import re

from meetings.demo import RANKED_CANDIDATES
from tests.browser import browsing
from tests.browser.browsing import expect
from tests.browser.test_meeting_vote_journey import chair_row, scrutineer_unlocks

pytestmark = browsing.BROWSER_TEST
AGM = browsing.RIVERSIDE_AGM

ELECTION = "Election: three Chapter stewards (ranked)"
GRACE, OWEN, PRIYA = (name for name, _ in RANKED_CANDIDATES[:3])


@browsing.in_modes(browsing.ALL_MODES)
def test_chair_runs_a_ranked_election_and_a_member_ranks_the_candidates(demo, open_context, mode):
    browsing.riverside_has_quorum()
    chair_page = open_context(mode).new_page()
    browsing.sign_in(chair_page, browsing.CHAIR_EMAIL, next_path=AGM + "chair/")
    chair_row(chair_page, ELECTION).get_by_role("button", name="Open voting").click()
    expect(chair_row(chair_page, ELECTION)).to_contain_text("(open for voting)")

    member_page = open_context(mode).new_page()
    browsing.sign_in(member_page, browsing.MEMBER_EMAIL, next_path=AGM)
    election = member_page.locator(".ballot-item--open").filter(
        has=member_page.get_by_role("heading", name=ELECTION)
    )
    expect(election).to_contain_text("Scottish STV rules 2007")

    # A gap in the ranks is refused, plainly, and nothing is recorded.
    election.get_by_label("1st choice").select_option(label=GRACE)
    election.get_by_label("3rd choice").select_option(label=OWEN)
    election.get_by_role("button", name="Cast my vote").click()
    expect(member_page.get_by_text(re.compile("Your 2nd choice is empty"))).to_be_visible()

    election = member_page.locator(".ballot-item--open").filter(
        has=member_page.get_by_role("heading", name=ELECTION)
    )
    election.get_by_label("1st choice").select_option(label=GRACE)
    election.get_by_label("2nd choice").select_option(label=PRIYA)
    election.get_by_label("3rd choice").select_option(label=OWEN)
    election.get_by_role("button", name="Cast my vote").click()
    expect(member_page.get_by_text("Your vote is recorded.")).to_be_visible()

    scrutineer_unlocks(open_context, mode)
    chair_page.reload()
    chair_row(chair_page, ELECTION).get_by_role("button", name="Close voting").click()
    # It asks first: in a dialog with JavaScript, on a page of its own without.
    chair_page.get_by_role("button", name="Yes, close voting").click()
    result = chair_row(chair_page, ELECTION)
    expect(result).to_contain_text("(closed)")
    expect(result).to_contain_text("Counted by Single transferable vote (Scottish STV rules 2007)")
    rounds = result.get_by_role("table", name=re.compile("stage by stage"))
    expect(rounds).to_contain_text("First preferences")
    # One ballot, three seats: quota 1; Grace is elected on first preferences.
    expect(result).to_contain_text("quota 1 votes")
    expect(result).to_contain_text(f"Elected: {GRACE}")

    member_page.reload()
    closed = member_page.locator(".ballot-item--closed").filter(
        has=member_page.get_by_role("heading", name=ELECTION)
    )
    expect(closed.get_by_role("table", name=re.compile("stage by stage"))).to_be_visible()
