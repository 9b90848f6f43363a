"""The Privacy Officer approves a communications editor's change to the privacy
statement from the page editor (More actions -> Approve and Publish), lands on the dashboard
with Wagtail's confirmation rather than a permission error, and finds the change
live, reviewed today. JavaScript only: the editor's workflow buttons need it."""

import re

from django.test import Client
from django.utils import timezone

from policies.models import PolicyPage
from tests.browser.browsing import BROWSER_TEST, JS_MODES, expect, in_modes
from tests.staff_fixtures import edit_url, policy_form

pytestmark = BROWSER_TEST

# The demo's staff sign-ins (load_demo).
COMMUNICATIONS = ("communications", "northwind-demo-staff")
PRIVACY_OFFICER = ("privacy-officer", "northwind-demo-staff")
CHANGE = "We keep your details for two years after your membership ends."
NO_PERMISSION = "Sorry, you do not have permission to access this area."


def submit_a_change_to_the_privacy_statement():
    """The communications editor saves a change and submits it, through the editor."""
    statement = PolicyPage.objects.get(slug="privacy-statement")
    editor = Client()
    assert editor.login(username=COMMUNICATIONS[0], password=COMMUNICATIONS[1])
    response = editor.post(edit_url(statement), policy_form(statement, CHANGE, "action-submit"))
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.current_workflow_task.name == "Privacy Officer's approval"
    return statement


@in_modes(JS_MODES)
def test_the_privacy_officer_approves_a_change_and_lands_on_the_dashboard(demo, open_context, mode):
    statement = submit_a_change_to_the_privacy_statement()
    page = open_context(mode).new_page()
    page.goto("/admin/")
    page.get_by_label("Username").fill(PRIVACY_OFFICER[0])
    page.get_by_label("Password").fill(PRIVACY_OFFICER[1])
    page.get_by_role("button", name="Sign in").click()
    # The dashboard lists what waits for the Privacy Officer; the title opens the editor.
    page.get_by_role("link", name="Privacy statement").first.click()
    expect(page).to_have_url(re.compile(rf"/admin/pages/{statement.pk}/edit/"))

    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Approve and Publish", exact=True).click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_text("Page 'Privacy statement' has been updated.")).to_be_visible()
    expect(page.get_by_text(NO_PERMISSION)).to_have_count(0)

    page.goto("/privacy-statement/")
    main = page.get_by_role("main")
    expect(main).to_contain_text(CHANGE)
    today = timezone.localdate()
    expect(main.locator(f"time[datetime='{today:%Y-%m-%d}']").first).to_contain_text(
        f"{today:%B} {today.day}, {today.year}"
    )
