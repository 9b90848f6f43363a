"""The light voting page, for members on a slow connection or an old phone.

Only what voting needs: the open items with their forms, the member's receipt once
they have voted, and a link to the full page. One request (the styles are inline and
the page names no icon to fetch, no script); the vote is the ordinary form, whose
answer comes back here. `bench/page_weight.py` measures it against 15 KB compressed.
"""

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from meetings.ballots.models import BallotItem
from meetings.ballots.views import ballot_context, forget_shown_receipts
from members.audience import signed_in_member

LIGHT_FIELD = "light"  # posted with a vote from this page: the answer comes back here


def light_ballot(request, meeting):
    """The open items and their forms, and the vote's answer, on one small page."""
    from meetings.attendance.register import attendance_for

    member = signed_in_member(request)
    eligibility = meeting.eligibility(member)
    context = {"page": meeting, "eligibility": eligibility, "light_field": LIGHT_FIELD}
    if eligibility:
        attendance_for(meeting, member, room_is_open=meeting.room_is_open())
    context.update(ballot_context(request, meeting, eligibility))
    context["open_rows"] = [
        row for row in context["board"] if row.item.state == BallotItem.State.OPEN
    ]
    response = render(request, "meetings/light_ballot.html", context)
    patch_cache_control(response, private=True, no_cache=True)
    forget_shown_receipts(request, response)
    return response
