"""The admin dashboard's "Coming up" panel: upcoming meetings and pages waiting for approval."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from home.factories import ContentPageFactory
from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
from policies.factories import PolicyPageFactory
from tests.staff_fixtures import staff_client, staff_member

pytestmark = pytest.mark.django_db


def coming_up(client):
    response = client.get("/admin/")
    assert response.status_code == 200
    panel = BeautifulSoup(response.content, "html.parser").find(id="coming-up-section")
    return None if panel is None else " ".join(panel.get_text(" ").split())


@pytest.fixture
def meetings(home_page):
    index = MeetingIndexPageFactory(parent=home_page)
    soon = timezone.now() + datetime.timedelta(days=3)
    MeetingPageFactory(parent=index, title="Local 012 AGM", starts_at=soon, live=False)
    MeetingPageFactory(
        parent=index,
        title="Last year's AGM",
        starts_at=timezone.now() - datetime.timedelta(days=300),
    )
    return index


def submit(page):
    """An editor saves a change and submits it, as the admin's "Submit for approval" does."""
    editor = staff_member("editor")
    page.save_revision(user=editor)
    page.get_workflow().start(page, editor)


def test_organisers_see_upcoming_meetings_not_past_ones(meetings):
    text = coming_up(staff_client("organiser"))

    assert "Local 012 AGM" in text
    assert "Last year's AGM" not in text
    assert "All members of the union" in text


def test_moderators_see_what_editors_submitted_and_who_must_approve(home_page):
    page = ContentPageFactory(parent=home_page, title="Pension news")
    submit(page)

    text = coming_up(staff_client("moderator"))

    assert "Waiting for approval" in text
    assert "Pension news" in text and "Moderators approval" in text


def test_the_privacy_officer_sees_policies_waiting_but_no_meetings(home_page, meetings):
    policy = PolicyPageFactory(parent=home_page, title="Privacy statement")
    submit(policy)

    text = coming_up(staff_client("privacy"))

    assert "Privacy statement" in text and "Privacy Officer's approval" in text
    assert "Upcoming meetings" not in text


def test_membership_staff_get_no_coming_up_panel(meetings):
    assert coming_up(staff_client("membership")) is None
