"""A meeting's ballot as the member API shows it (the meetings themselves are
`meetings.member_meetings.MemberMeeting`, as on the dashboard)."""

from dataclasses import dataclass

from meetings.ballots.board import add_proxy_ballots, board
from meetings.ballots.models import BallotItem, delegate_weight
from meetings.models import MeetingPage
from meetings.proxies.rules import member_proxies


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
    proxies_held: tuple = ()  # proxies.rules.HeldProxy: the approved proxies the member holds

    @classmethod
    def build(cls, meeting, member):
        rows = board(meeting, member)
        open_rows = [row for row in rows if row.item.state == BallotItem.State.OPEN]
        held = member_proxies(meeting.pk, member).held
        if held and open_rows:
            add_proxy_ballots(open_rows, held)
        return cls(
            meeting=meeting,
            open_items=open_rows,
            closed_items=[row for row in rows if row.item.is_counted],
            vote_weight=delegate_weight(meeting.pk, member),
            proxies_held=held,
        )
