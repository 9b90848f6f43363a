"""A member's meetings, each from that member's point of view: "My meetings" on the
dashboard and the member API's meetings both list these.

The rules are the meeting page's own: `MeetingPage.eligibility(member)` says who
may attend; joining details wait for the room to open; the agenda, IT support,
materials and the ballot are for those who may attend.
"""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Prefetch
from django.utils import timezone
from wagtail.rich_text import expand_db_html

from cms.prepared_queries import PreparedQuery
from meetings.models import Eligibility, MeetingMaterial, MeetingPage
from members.audience import MemberUnits


def meetings_of(member, *, with_materials=True):
    """The live meetings whose audience includes the member, loaded in a fixed number of
    queries: audience units in the same query, materials and their documents in one more
    (unless not wanted: the dashboard does not list them)."""
    meetings = (
        MeetingPage.objects.live().for_member(member).select_related(*MeetingPage.AUDIENCE_RELATED)
    )
    if not with_materials:
        return meetings
    materials = MeetingMaterial.objects.select_related("document").order_by("sort_order", "pk")
    return meetings.prefetch_related(Prefetch("materials", queryset=materials))


@dataclass
class MemberMeeting:
    """One meeting from one member's point of view, at one moment."""

    meeting: MeetingPage
    eligibility: Eligibility
    room_is_open: bool
    is_past: bool

    @classmethod
    def build(cls, meeting, member, *, now=None):
        now = now or timezone.now()
        return cls(
            meeting=meeting,
            eligibility=meeting.eligibility(member),
            room_is_open=meeting.room_is_open(now),
            is_past=meeting.is_past(now),
        )

    @property
    def part_name(self):
        """Its title, time and audience on the dashboard: the same for every member
        (a shared part, cms/shared_parts.py)."""
        return f"meeting-{self.meeting.pk}"

    @property
    def enter_part(self):
        """Its "Enter meeting" button, for those who may enter: the same for each of them
        (a shared part; who may enter is decided for each member)."""
        return f"meeting-{self.meeting.pk}-enter"

    @property
    def countdown_part(self):
        """Its countdown, but for the time left, which is worked out on each load."""
        return f"meeting-{self.meeting.pk}-countdown"

    @property
    def can_enter(self):
        return self.eligibility.ok and self.room_is_open

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
        return self.meeting if self.can_enter else None

    @property
    def it_support(self):
        return self.meeting if self.eligible else None

    @property
    def materials(self):
        return list(self.meeting.materials.all()) if self.eligible else None


_MEETINGS_BY_UNITS = {}


def meetings_without_materials(member):
    """`meetings_of(member, with_materials=False)` in start order, as a query compiled
    once per process for each set of unit levels a member can have (cms/prepared_queries.py):
    the dashboard asks it on every load."""
    units = MemberUnits.of(member)
    levels = tuple(level for level in UNIT_LEVELS if getattr(units, level) is not None)
    lookup = _MEETINGS_BY_UNITS.get(levels)
    if lookup is None:

        def build(*ids):
            return meetings_of(
                MemberUnits(**dict(zip(levels, ids, strict=True))), with_materials=False
            ).order_by("starts_at", "pk")

        lookup = _MEETINGS_BY_UNITS.setdefault(levels, PreparedQuery(build))
    return lookup(*(getattr(units, level) for level in levels))


UNIT_LEVELS = ("sector", "area_council", "local", "chapter")


def member_meetings(member, *, now=None, past_limit=None, with_materials=True):
    """The member's meetings in two lists: upcoming (soonest first, those under way
    included) and past (latest first, at most `past_limit`), from one query (and one
    for the materials, `with_materials`)."""
    if member is None:
        return {"upcoming": [], "past": []}
    now = now or timezone.now()
    if with_materials:
        meetings = meetings_of(member).order_by("starts_at", "pk")
    else:
        meetings = meetings_without_materials(member)
    rows = [MemberMeeting.build(meeting, member, now=now) for meeting in meetings]
    past = [row for row in reversed(rows) if row.is_past]
    return {
        "upcoming": [row for row in rows if not row.is_past],
        "past": past[:past_limit] if past_limit else past,
    }
