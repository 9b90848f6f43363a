"""Scheduled publishing: meeting pages and guides go live, and expire, at their time when
`manage.py publish_scheduled` runs (every minute, from cron; see the README)."""

import datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from meetings.factories import GuidePageFactory, MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import GuidePage, MeetingNotice, MeetingPage
from tests.staff_fixtures import edit_url, meeting_form, staff_client

pytestmark = pytest.mark.django_db


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def publish_scheduled(at=None):
    """Run the command as cron would, at ``at`` (now by default)."""
    if at is None:
        call_command("publish_scheduled")
        return
    with mock.patch("django.utils.timezone.now", return_value=at):
        call_command("publish_scheduled")


@pytest.fixture
def meetings(home_page):
    return MeetingIndexPageFactory(parent=home_page)


def test_an_organiser_schedules_a_meeting_that_goes_live_at_its_time(meetings):
    meeting = MeetingPageFactory(parent=meetings, title="Local 012 AGM", live=False)
    meeting.save_revision()
    go_live = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(hours=1)

    response = staff_client("organiser").post(
        edit_url(meeting), meeting_form(meeting, meeting.title, go_live_at=local(go_live))
    )

    assert response.status_code == 302
    publish_scheduled()
    assert not MeetingPage.objects.get(pk=meeting.pk).live
    assert not MeetingNotice.objects.filter(meeting=meeting).exists()

    publish_scheduled(at=go_live + datetime.timedelta(minutes=1))

    meeting = MeetingPage.objects.get(pk=meeting.pk)
    assert meeting.live
    # Going live at its time sends the meeting notice, as publishing by hand does.
    assert MeetingNotice.objects.filter(meeting=meeting).count() == 1


def test_a_scheduled_guide_goes_live_with_its_printable_pdf(guide_index):
    guide = GuidePageFactory(parent=guide_index, live=False, **{"steps__0__step__title": "Dial in"})
    guide.go_live_at = timezone.now() + datetime.timedelta(minutes=5)
    guide.save_revision().publish()
    assert not GuidePage.objects.get(pk=guide.pk).live

    publish_scheduled(at=timezone.now() + datetime.timedelta(minutes=6))

    guide = GuidePage.objects.get(pk=guide.pk)
    assert guide.live
    assert guide.instructions_document is not None


def test_a_meeting_page_with_an_expiry_comes_down_at_its_time(meetings, client):
    meeting = MeetingPageFactory(parent=meetings)
    meeting.expire_at = timezone.now() + datetime.timedelta(days=30)
    meeting.save_revision().publish()

    url = meeting.url
    publish_scheduled()
    assert MeetingPage.objects.get(pk=meeting.pk).live
    assert client.get(url).status_code == 200

    publish_scheduled(at=meeting.expire_at + datetime.timedelta(minutes=1))

    meeting = MeetingPage.objects.get(pk=meeting.pk)
    assert not meeting.live and meeting.expired
    assert client.get(url).status_code == 404
