"""A member's meetings as the API shows them: what they may see of each, decided once.

The rule is the meeting page's own: `MeetingPage.eligibility(member)` says who
may attend; joining details wait for the room to open; the agenda, IT support,
materials and the ballot are for those who may attend.
"""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Prefetch
from django.utils import timezone
from wagtail.rich_text import expand_db_html

from meetings.ballots.board import board, note_presence
from meetings.ballots.models import BallotItem
from meetings.models import Eligibility, MeetingMaterial, MeetingPage


def meetings_of(member):
    """The live meetings whose audience includes the member, loaded in a fixed number of queries.

    Audience units come in the same query; materials and their documents in one more.
    """
    materials = MeetingMaterial.objects.select_related("document").order_by("sort_order", "pk")
    return (
        MeetingPage.objects.live()
        .for_member(member)
        .select_related(*MeetingPage.AUDIENCE_RELATED)
        .prefetch_related(Prefetch("materials", queryset=materials))
    )


@dataclass
class MemberMeeting:
    """One meeting from one member's point of view, at one moment."""

    meeting: MeetingPage
    eligibility: Eligibility
    room_is_open: bool
    is_past: bool
    url: str

    @classmethod
    def build(cls, meeting, member, *, request, now=None):
        now = now or timezone.now()
        return cls(
            meeting=meeting,
            eligibility=meeting.eligibility(member),
            room_is_open=meeting.room_is_open(now),
            is_past=meeting.is_past(now),
            url=meeting.get_full_url(request),
        )

    @property
    def status(self):
        return "past" if self.is_past else "upcoming"

    @property
    def eligible(self):
        return self.eligibility.ok

    @property
    def reason(self):
        return self.eligibility.reason

    @cached_property
    def agenda(self):
        return expand_db_html(self.meeting.agenda) if self.eligible else None

    @property
    def joining(self):
        return self.meeting if self.eligible and self.room_is_open else None

    @property
    def it_support(self):
        return self.meeting if self.eligible else None

    @property
    def materials(self):
        return list(self.meeting.materials.all()) if self.eligible else None


def member_meetings(member, *, request, now=None):
    """The member's meetings: upcoming (soonest first), then past (latest first)."""
    now = now or timezone.now()
    rows = [
        MemberMeeting.build(meeting, member, request=request, now=now)
        for meeting in meetings_of(member)
    ]
    upcoming = sorted((r for r in rows if not r.is_past), key=lambda r: r.meeting.starts_at)
    past = sorted((r for r in rows if r.is_past), key=lambda r: r.meeting.starts_at, reverse=True)
    return upcoming + past


@dataclass
class MemberBallot:
    """A meeting's ballot as an eligible member sees it: what they may vote on, and results.

    Built from the meeting page's own `board`, so the page and the API always agree.
    Draft items are not shown: the chair has not put them to the meeting yet.
    """

    meeting: MeetingPage
    open_items: list
    closed_items: list

    @classmethod
    def build(cls, meeting, member):
        # A member following the meeting through the API is present, as on the page.
        note_presence(meeting, member)
        rows = board(meeting, member)
        return cls(
            meeting=meeting,
            open_items=[row for row in rows if row.item.state == BallotItem.State.OPEN],
            closed_items=[row for row in rows if row.item.state == BallotItem.State.CLOSED],
        )
