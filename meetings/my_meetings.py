"""A member's own meetings, for "My meetings" on the dashboard."""

from dataclasses import dataclass

from django.utils import timezone

from meetings.models import ROOM_STAYS_OPEN_AFTER, Eligibility, MeetingPage


@dataclass
class MyMeeting:
    meeting: MeetingPage
    eligibility: Eligibility
    room_is_open: bool

    @property
    def can_enter(self):
        return self.eligibility.ok and self.room_is_open


def my_meetings(member, *, now=None, past_limit=10):
    """Upcoming and past meetings whose audience includes the member, in two lists.

    Two queries for the meetings whatever their number; eligibility is worked
    out in Python from the member already loaded.
    """
    if member is None:
        return {"upcoming": [], "past": []}
    now = now or timezone.now()
    meetings = (
        MeetingPage.objects.live().for_member(member).select_related(*MeetingPage.AUDIENCE_RELATED)
    )
    # A meeting stays "upcoming" while its room is open, overruns included.
    cutoff = now - ROOM_STAYS_OPEN_AFTER
    upcoming = meetings.filter(ends_at__gte=cutoff).order_by("starts_at")
    past = meetings.filter(ends_at__lt=cutoff).order_by("-starts_at")[:past_limit]
    return {
        "upcoming": [_row(meeting, member, now) for meeting in upcoming],
        "past": [_row(meeting, member, now) for meeting in past],
    }


def _row(meeting, member, now):
    return MyMeeting(meeting, meeting.eligibility(member), meeting.room_is_open(now))
