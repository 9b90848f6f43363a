"""A member of another Chapter tries to attend the Riverside AGM: a clear refusal,
no joining details, and the meeting's materials stay closed to them."""

import re

from meetings.models import MeetingPage
from tests.browser.browsing import (
    ALL_MODES,
    BROWSER_TEST,
    OTHER_CHAPTER_EMAIL,
    RIVERSIDE_AGM,
    expect,
    in_modes,
    sign_in,
)

pytestmark = BROWSER_TEST


@in_modes(ALL_MODES)
def test_member_of_another_chapter_is_refused_the_meeting_and_its_materials(
    demo, open_context, mode
):
    meeting = MeetingPage.objects.get(slug="riverside-chapter-agm")
    material_url = meeting.materials.first().document.url
    page = open_context(mode).new_page()
    sign_in(page, OTHER_CHAPTER_EMAIL)
    expect(page.get_by_role("heading", level=1, name="My union")).to_be_visible()
    # Sam's own meetings are listed; the Riverside Chapter's AGM is not among them.
    expect(page.get_by_role("main")).not_to_contain_text(meeting.title)

    response = page.goto(RIVERSIDE_AGM)
    assert response.status == 200  # a clear page, not an error
    expect(page.get_by_role("heading", level=1, name=meeting.title)).to_be_visible()
    refusal = page.get_by_role("complementary", name="You cannot attend this meeting")
    expect(refusal).to_contain_text(re.compile(r"This meeting is for .+ only\."))
    main = page.get_by_role("main")
    for secret in (meeting.video_meeting_id, meeting.video_passcode, meeting.dial_in_number):
        expect(main).not_to_contain_text(secret)
    expect(page.get_by_role("link", name="Open the video call")).to_have_count(0)
    expect(page.get_by_role("heading", name="Meeting materials")).to_have_count(0)
    expect(page.get_by_role("button", name="Cast my vote")).to_have_count(0)

    response = page.goto(RIVERSIDE_AGM + "chair/")
    assert response.status == 403

    response = page.goto(material_url)
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This document is for meeting participants"
    )
