"""Meeting times show in the meeting's own time zone."""

import datetime

import pytest

from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory

pytestmark = pytest.mark.django_db


def test_a_toronto_meeting_shows_toronto_time(client, home_page):
    starts = datetime.datetime(2027, 3, 13, 18, 0, tzinfo=datetime.UTC)  # 1 p.m. in Toronto
    meeting = MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        time_zone="America/Toronto",
    )

    html = client.get(meeting.url).content.decode()

    assert "Saturday, March 13, 2027, 1:00 p.m." in html
    assert "3:00 p.m. EST" in html
