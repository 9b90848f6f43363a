"""A meeting's ballot as the member API shows it (the meetings themselves are
`meetings.member_meetings.MemberMeeting`, as on the dashboard)."""

from dataclasses import dataclass

from meetings.ballots.board import board, note_presence
from meetings.ballots.models import BallotItem, delegate_weight
from meetings.models import MeetingPage


@dataclass
class MemberBallot:
    """A meeting's ballot as an eligible member sees it: what they may vote on, and results.

    Built from the meeting page's own `board`, so the page and the API always agree.
    Draft items are not shown: the chair has not put them to the meeting yet.
    """

    meeting: MeetingPage
    open_items: list
    closed_items: list
    vote_weight: int = 1  # a delegate's votes at this meeting (`DelegateWeight`)

    @classmethod
    def build(cls, meeting, member):
        # A member following the meeting through the API is present, as on the page.
        note_presence(meeting, member)
        rows = board(meeting, member)
        return cls(
            meeting=meeting,
            open_items=[row for row in rows if row.item.state == BallotItem.State.OPEN],
            closed_items=[row for row in rows if row.item.is_counted],
            vote_weight=delegate_weight(meeting.pk, member),
        )
