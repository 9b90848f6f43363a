"""A meeting organiser names a meeting's two chairs in the Wagtail admin: on the meeting
page they open the chair chooser, find one person by family name and another by member
ID (people listed by name, member ID and Chapter, only those who may chair), tick them,
publish, and those two chair the meeting. JavaScript only: the chooser is the admin's."""

import re

from meetings.models import MeetingPage
from tests.browser.browsing import BROWSER_TEST, DESKTOP, expect
from tests.browser.conftest import SCREENSHOTS

pytestmark = BROWSER_TEST

ORGANISER = ("organiser", "northwind-demo-staff")  # the demo's meeting organiser
SEARCH_LABEL = "Search by name, member ID or Chapter"


def choose_a_chair(page, search, name):
    """Open the chair chooser, search, tick the one person found, confirm."""
    page.get_by_role("button", name="Add chair").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_label(SEARCH_LABEL).fill(search)
    found = chooser.locator("tbody tr")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(name)
    return chooser, found


def test_an_organiser_finds_two_chairs_by_name_and_member_id_and_publishes(demo, open_context):
    meeting = MeetingPage.objects.get(slug="local-041-agm")
    assert not meeting.chairs.exists()
    page = open_context(DESKTOP).new_page()
    page.goto("/admin/")
    page.get_by_label("Username").fill(ORGANISER[0])
    page.get_by_label("Password").fill(ORGANISER[1])
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/admin/pages/{meeting.pk}/edit/")
    chairs = page.locator("#id_chair_appointments-FORMS")

    # By family name: Maya Okonkwo, listed with her member ID and Chapter.
    chooser, found = choose_a_chair(page, "Okonkwo", "Okonkwo, Maya")
    expect(found).to_contain_text("000011")
    expect(found).to_contain_text("Chapter 041/001")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-chair-picker-search.png")
    chooser.get_by_label("Okonkwo, Maya").check()
    chooser.get_by_role("button", name="Confirm selection").click()
    expect(chooser).to_have_count(0)
    expect(chairs).to_contain_text("Okonkwo, Maya (member 000011), Chapter 041/001")

    # By member ID: Priya Sandhu, the Local's chair.
    chooser, _ = choose_a_chair(page, "000013", "Sandhu, Priya")
    chooser.get_by_label("Sandhu, Priya").check()
    chooser.get_by_role("button", name="Confirm selection").click()
    expect(chooser).to_have_count(0)
    expect(chairs).to_contain_text("Sandhu, Priya (member 000013)")

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text(re.compile(r"has been (published|updated)"))).to_be_visible()

    meeting = MeetingPage.objects.get(pk=meeting.pk)
    assert [row.person.member.member_id for row in meeting.chair_appointments.all()] == [
        "000011",
        "000013",
    ]
    assert meeting.live and not meeting.has_unpublished_changes
    # Back in the editor, the two are named as chosen (the journey's screenshot).
    page.goto(f"/admin/pages/{meeting.pk}/edit/")
    expect(chairs).to_contain_text("Okonkwo, Maya (member 000011)")
    expect(chairs).to_contain_text("Sandhu, Priya (member 000013)")
    chairs.scroll_into_view_if_needed()
