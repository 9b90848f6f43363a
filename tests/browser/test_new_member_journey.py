"""A member who has never signed in creates their account from the roster, follows
the emailed activation link, chooses a password and enters their Chapter's AGM."""

import re

from django.core import mail

from members.models import Member
from tests.browser.browsing import ALL_MODES, BROWSER_TEST, expect, in_modes

pytestmark = BROWSER_TEST


def riverside_member_without_an_account():
    return (
        Member.objects.filter(
            account=None, chapter__local__number=41, chapter__number=1, standing="active"
        )
        .exclude(email="")
        .order_by("member_id")
        .first()
    )


@in_modes(ALL_MODES)
def test_member_signs_up_activates_their_account_and_enters_their_meeting(demo, open_context, mode):
    member = riverside_member_without_an_account()
    assert member is not None, "the demo roster should have a Riverside member with no account"
    page = open_context(mode).new_page()
    page.goto("/")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your member account")
    page.get_by_label("Member ID").fill(member.member_id)
    page.get_by_label("Family name").fill(member.family_name)
    page.get_by_label("Personal email").fill(member.email)
    page.get_by_role("button", name="Send me the link").click()
    expect(page).to_have_url(re.compile(r"/account/sign-up/sent/$"))

    # The live server runs in this process: its mail is in the test outbox.
    (link,) = [
        match.group(0)
        for message in mail.outbox
        if message.to == [member.email]
        for match in [re.search(r"https?://\S+/account/activate/\S+/", message.body)]
        if match
    ]
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    page.get_by_label(re.compile(r"^New password:?$")).fill("a long and private passphrase")
    page.get_by_label(re.compile(r"^New password confirmation")).fill(
        "a long and private passphrase"
    )
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My union")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Your account is ready")
    expect(main).to_contain_text(f"Hello {member.given_name}")
    meetings = page.get_by_role("region", name="My meetings")
    meetings.get_by_role("link", name=re.compile("^Enter meeting")).first.click()

    expect(page).to_have_url(re.compile(r"/meetings/riverside-chapter-agm/$"))
    room = page.get_by_role("region", name="Join the meeting")
    expect(room.get_by_role("link", name=re.compile("Open the video call"))).to_be_visible()
    expect(room).to_contain_text("410 1202 6")  # the meeting ID: eligible members only
    expect(page.get_by_role("heading", name="Meeting materials")).to_be_visible()
