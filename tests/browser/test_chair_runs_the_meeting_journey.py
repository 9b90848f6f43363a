"""The Riverside AGM run from the chair's page: the chair checks quorum, adds a motion
from the floor with a mover and a seconder present, amends it, opens the amendment and
then, in one action, closes it and opens the motion as amended, while a member's page
follows (on its own with JavaScript; by refreshing without it).
"""

import re

from django.contrib.auth import get_user_model

from meetings.attendance.register import arrive
from meetings.ballots.sealing import unlock_meeting
from meetings.models import MeetingPage
from staff.demo import BALLOT_PASSPHRASE
from staff.demo import SCRUTINEER_USERNAME as SCRUTINEER
from tests.browser.browsing import (
    BROWSER_TEST,
    CHAIR_EMAIL,
    DESKTOP,
    MEMBER_EMAIL,
    PHONE_NO_JS,
    RIVERSIDE_AGM,
    expect,
    in_modes,
    members_arrive,
    sign_in,
)

pytestmark = BROWSER_TEST

MOTION = "Motion from the floor: a hardship fund"
AMENDED = "That the Chapter sets up a hardship fund for members on strike or locked out."
FOLLOWS_WITHIN_MS = 3_000  # the brief: members' pages follow the chair within 3 seconds


def agenda_row(page, title):
    return page.locator("li.agenda-item").filter(
        has=page.get_by_role("heading", name=re.compile(re.escape(title)))
    )


def follow(member_page, mode):
    """Nothing to do with JavaScript (the page follows); a refresh without it."""
    if mode.javascript:
        return FOLLOWS_WITHIN_MS
    member_page.reload()
    return None


@in_modes([DESKTOP, PHONE_NO_JS])
def test_chair_adds_and_amends_a_motion_and_the_member_votes_on_it_as_amended(
    demo, open_context, mode
):
    meeting = MeetingPage.objects.get(url_path__endswith="riverside-chapter-agm/")
    members_arrive(meeting, meeting.quorum - 2)

    member_page = open_context(mode).new_page()
    sign_in(member_page, MEMBER_EMAIL, next_path=RIVERSIDE_AGM)
    expect(member_page.get_by_text("You are in the attendance register")).to_be_visible()

    chair_page = open_context(mode).new_page()
    sign_in(chair_page, CHAIR_EMAIL, next_path=RIVERSIDE_AGM)  # the chair is in the room too
    chair_page.goto(RIVERSIDE_AGM + "chair/")
    present = chair_page.get_by_role("definition").filter(has_text="needed for quorum")
    expect(present).to_contain_text(f"{meeting.quorum} of {meeting.quorum} needed for quorum")
    expect(present).to_contain_text("quorum met")

    # A motion from the floor, moved by the member and seconded by the chair.
    chair_page.get_by_role("link", name="Business from the floor").click()
    motion_form = chair_page.get_by_role("region", name="Add a motion")
    motion_form.get_by_label("Title").fill(MOTION)
    motion_form.get_by_label("The motion").fill("That the Chapter sets up a hardship fund.")
    motion_form.get_by_label("Moved by").select_option(label="Maya Okonkwo (000011)")
    motion_form.get_by_label("Seconded by").select_option(label="Daniel Tremblay (000012)")
    motion_form.get_by_role("button", name="Add the motion").click()
    expect(chair_page.get_by_text(f"Added “{MOTION}”")).to_be_visible()
    expect(agenda_row(chair_page, MOTION)).to_contain_text("Moved by Maya Okonkwo")

    wait_ms = follow(member_page, mode)
    later = member_page.locator(".ballot__later-list")
    expect(later).to_contain_text(MOTION, timeout=wait_ms)

    # The chair amends it: the amendment goes before the motion.
    chair_page.get_by_role("link", name="Business from the floor").click()
    amend_form = chair_page.get_by_role("region", name="Add an amendment to a motion")
    amend_form.get_by_label("Motion to amend").select_option(label=MOTION)
    amend_form.get_by_label("The amendment", exact=True).fill("Add “or locked out”.")
    amend_form.get_by_label("The motion as amended").fill(AMENDED)
    amend_form.get_by_label("Moved by").select_option(label="Daniel Tremblay (000012)")
    amend_form.get_by_label("Seconded by").select_option(label="Maya Okonkwo (000011)")
    amend_form.get_by_role("button", name="Add the amendment").click()
    amendment = f"Amendment 1 to {MOTION}"
    expect(chair_page.get_by_text(f"Added “{amendment}”")).to_be_visible()

    agenda_row(chair_page, amendment).get_by_role("button", name="Open voting").click()
    expect(agenda_row(chair_page, amendment)).to_contain_text("(open for voting)")

    wait_ms = follow(member_page, mode)
    open_item = member_page.locator(".ballot-item--open")
    expect(open_item.get_by_role("heading", name=amendment)).to_be_visible(timeout=wait_ms)
    open_item.get_by_label("For", exact=True).check()
    open_item.get_by_role("button", name="Cast my vote").click()
    expect(member_page.get_by_text("Your vote is recorded.")).to_be_visible()

    # The scrutineer unlocks the ballots (as on the chair's page), so closing counts them.
    unlock_meeting(meeting, get_user_model().objects.get(username=SCRUTINEER), BALLOT_PASSPHRASE)
    if not mode.javascript:
        chair_page.reload()
    agenda_row(chair_page, amendment).get_by_role(
        "button", name=re.compile("Close this and open the next")
    ).click()
    # It asks first: in a dialog with JavaScript, on a page of its own without.
    chair_page.get_by_role("button", name="Yes, close it and open the next").click()
    as_amended = f"{MOTION} (as amended)"
    expect(agenda_row(chair_page, as_amended)).to_contain_text("(open for voting)")
    expect(agenda_row(chair_page, amendment)).to_contain_text("Carried.")

    wait_ms = follow(member_page, mode)
    open_item = member_page.locator(".ballot-item--open")
    expect(open_item.get_by_role("heading", name=as_amended)).to_be_visible(timeout=wait_ms)
    expect(open_item).to_contain_text(AMENDED)


def a_motion_voted_on(meeting):
    """The Riverside AGM after a motion from the floor was moved, voted on and closed."""
    from meetings.ballots.casting import cast_vote
    from meetings.ballots.chairing import close_item, open_item
    from meetings.floor.business import add_motion
    from members.models import Member

    maya, daniel = (Member.objects.get(member_id=n) for n in ("000011", "000012"))
    members_arrive(meeting, meeting.quorum - 2)
    arrive(meeting, maya)
    arrive(meeting, daniel)
    chair = daniel.account
    motion = add_motion(
        meeting,
        chair,
        title=MOTION,
        text="That the Chapter sets up a hardship fund.",
        mover=maya,
        seconder=daniel,
    )
    motion = open_item(motion, chair)
    unlock_meeting(meeting, get_user_model().objects.get(username=SCRUTINEER), BALLOT_PASSPHRASE)
    cast_vote(maya, motion, [motion.choices.get(label="For").pk])
    close_item(motion, chair)


@in_modes([DESKTOP])
def test_chair_publishes_the_minutes_and_the_member_reads_them(demo, open_context, mode):
    meeting = MeetingPage.objects.get(url_path__endswith="riverside-chapter-agm/")
    a_motion_voted_on(meeting)

    chair_page = open_context(mode).new_page()
    sign_in(chair_page, CHAIR_EMAIL, next_path=RIVERSIDE_AGM + "chair/")
    chair_page.get_by_role("link", name="Minutes", exact=True).click()
    chair_page.get_by_role("button", name="Draft the minutes").click()
    expect(chair_page.get_by_text("A draft, not yet published.")).to_be_visible()
    motion_notes = chair_page.get_by_role("group", name=re.compile(re.escape(MOTION)))
    expect(motion_notes).to_contain_text("Moved by Maya Okonkwo, seconded by Daniel Tremblay")
    motion_notes.get_by_label("Note on this item").fill("Carried after a short debate.")
    chair_page.get_by_role("button", name="Save and publish the minutes").click()
    expect(chair_page.get_by_text("The minutes are published")).to_be_visible()

    member_page = open_context(mode).new_page()
    sign_in(member_page, MEMBER_EMAIL, next_path=RIVERSIDE_AGM)
    member_page.get_by_role("link", name="Read the minutes of this meeting").click()
    expect(member_page.get_by_role("heading", level=1)).to_contain_text("Minutes")
    expect(member_page.get_by_role("heading", name=MOTION)).to_be_visible()
    expect(member_page.get_by_text("Carried after a short debate.")).to_be_visible()
    pdf_link = member_page.get_by_role("link", name="Download the minutes (PDF)")
    pdf = member_page.request.get(pdf_link.get_attribute("href"))
    assert pdf.ok and pdf.body()[:5] == b"%PDF-"
