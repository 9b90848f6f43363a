"""axe-core on every kind of public and member page: no serious or critical violations.

One run per device visits every page type with the demo content loaded, the
Riverside AGM mid-vote (a closed budget with its result, an open motion, an
election still to come), and reports every page's violations together.
"""

import pytest
from django.contrib.auth import get_user_model

from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import BallotItem
from meetings.ballots.sealing import unlock_meeting
from members.models import Member
from staff.demo import BALLOT_PASSPHRASE, SCRUTINEER_USERNAME
from tests.browser.browsing import (
    BROWSER_TEST,
    CHAIR_EMAIL,
    DESKTOP,
    MEMBER_EMAIL,
    PHONE,
    RIVERSIDE_AGM,
    describe_violations,
    in_modes,
    sign_in,
)

pytestmark = BROWSER_TEST

PUBLIC_PAGES = {
    "home": "/",
    "content page": "/about/",
    "privacy policy page": "/privacy-statement/",
    "guide index": "/guides/",
    "guide": "/guides/virtual-agm/",
    "meetings index": "/meetings/",
    "sign-in": "/account/login/",
    "sign-up": "/account/sign-up/",
}
MEMBER_PAGES = {
    "dashboard": "/my-union/",
    "my information": "/my-union/my-information/",
    "meeting page (eligible member, open item)": RIVERSIDE_AGM,
}
CHAIR_PAGES = {"chair page": RIVERSIDE_AGM + "chair/"}


@pytest.fixture
def agm_mid_vote(demo):
    """The budget voted on and closed, the motion open, the election still to come."""
    chair = Member.objects.get(member_id="000012")
    items = {
        item.kind: item for item in BallotItem.objects.filter(meeting__slug="riverside-chapter-agm")
    }
    # Short of the demo's quorum: the chair confirms opening with a reason.
    reason = "The meeting agreed to go ahead"
    budget = open_item(items[BallotItem.Kind.BUDGET], chair.account, without_quorum=reason)
    cast_vote(chair, budget, [budget.choices.get(label="For").pk])
    scrutineer = get_user_model().objects.get(username=SCRUTINEER_USERNAME)
    unlock_meeting(budget.meeting, scrutineer, BALLOT_PASSPHRASE)
    close_item(budget, chair.account)
    open_item(items[BallotItem.Kind.MOTION], chair.account, without_quorum=reason)


@in_modes([DESKTOP, PHONE])
def test_public_and_member_pages_have_no_serious_accessibility_violations(
    axe, agm_mid_vote, open_context, mode
):
    found = {}

    def check(page, name, path):
        response = page.goto(path)
        assert response.ok, f"{name} ({path}) answered {response.status}"
        violations = axe(page)
        if violations:
            found[f"{name} ({path})"] = violations

    visitor = open_context(mode, bypass_csp=True).new_page()
    for name, path in PUBLIC_PAGES.items():
        check(visitor, name, path)

    member = open_context(mode, bypass_csp=True).new_page()
    sign_in(member, MEMBER_EMAIL)
    for name, path in MEMBER_PAGES.items():
        check(member, name, path)
    assert member.locator(".ballot-item--open .vote-form").count() == 1

    chair = open_context(mode, bypass_csp=True).new_page()
    sign_in(chair, CHAIR_EMAIL)
    for name, path in CHAIR_PAGES.items():
        check(chair, name, path)

    report = "\n\n".join(
        f"== {page}\n{describe_violations(violations)}" for page, violations in found.items()
    )
    assert not found, f"serious or critical accessibility violations:\n\n{report}"
