"""The ballot section most members share: rendered once per agenda version, not per member.

When the chair opens an item every open meeting page notices within one poll and asks
for the new ballot section at once. Rendered per member, that burst costs a session,
a user, a member and a whole template per page (about 13 ms of app CPU each; at 2,000
members, 20 s before the last page shows the item). Yet before a member votes, what the
section shows is the same for every eligible member who carries no proxies and no
delegate weight: the items, their forms and the results. So that section is rendered
once per agenda version (at once, when the chair's change commits), kept in the shared
cache, and handed to each page against a short-lived signed pass the page got with its
own personal render. The page's script then puts back what is the member's own: the
CSRF token, and the "your vote is recorded" of items it has already voted on.

Who shares it is decided in one place, `shares_section`; everyone else (and every page
without JavaScript) gets the personal render, as before. Nothing personal is in the
shared copy: it is rendered for no member, from no request, with a placeholder token.
"""

from django.core import signing
from django.core.cache import cache
from django.template.loader import render_to_string

SIGNING_SALT = "meetings.ballot-section-pass"
# The page's personal refresh (at least once a minute) brings a new pass, so a member
# who stops being eligible loses the shared section within this many seconds.
PASS_AGE = 300
SECTION_KEY = "ballot-section-{pk}-{version}-{room}"
# Counting progress on a closed item moves without a new version: keep a copy briefly.
SECTION_TIMEOUT = 60
CSRF_PLACEHOLDER = "shared-section-csrf-token"


def shares_section(eligibility, proxies_held, vote_weight):
    """Whether this member's ballot section, before they vote, is the shared one."""
    return bool(eligibility) and not proxies_held and vote_weight == 1


def section_pass(meeting):
    """The signed pass to the meeting's shared section: the meeting and the room's hours
    (whether the forms show), read by `read_pass` without a database query."""
    window = [int(meeting.room_opens_at.timestamp()), int(meeting.room_closes_at.timestamp())]
    return signing.dumps([meeting.pk, *window], salt=SIGNING_SALT)


def read_pass(meeting_id, token, now):
    """Whether the meeting room is open, from a valid pass to this meeting; None for a
    missing, forged, expired or other meeting's pass."""
    try:
        pk, opens, closes = signing.loads(token or "", salt=SIGNING_SALT, max_age=PASS_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if pk != meeting_id:
        return None
    return opens <= now.timestamp() <= closes


def shared_section(meeting_id, room_open):
    """The shared section's HTML for the current agenda version: from the shared cache,
    rendered on a miss."""
    from meetings.ballots.live import cached_now_state

    version = cached_now_state(meeting_id)["version"]
    key = SECTION_KEY.format(pk=meeting_id, version=version, room=int(room_open))
    html = cache.get(key)
    if html is None:
        html = render_section(meeting_id, version, room_open)
        cache.set(key, html, SECTION_TIMEOUT)
    return html


def publish_section(meeting_id, version):
    """Render the new version's section before pages learn of it (the chair's change has
    committed): the burst that follows finds it in the cache."""
    from meetings.models import MeetingPage

    meeting = MeetingPage.objects.filter(pk=meeting_id).first()
    if meeting is None:
        return
    room_open = meeting.room_is_open()
    key = SECTION_KEY.format(pk=meeting_id, version=version, room=int(room_open))
    cache.set(key, render_section(meeting_id, version, room_open, meeting), SECTION_TIMEOUT)


def render_section(meeting_id, version, room_open, meeting=None):
    """The section as an eligible member without proxies or weight sees it before voting.
    `version` is read before the items, so the copy is never older than its label."""
    from meetings.ballots.views import section_rows
    from meetings.models import Eligibility, MeetingPage

    meeting = meeting or MeetingPage.objects.get(pk=meeting_id)
    context = {
        "page": meeting,
        "eligibility": Eligibility(True),
        "request": None,
        "csrf_token": CSRF_PLACEHOLDER,
        "can_vote": room_open,
        "vote_weight": 1,
        "now_version": version,
        **section_rows(meeting, None),
    }
    return render_to_string("meetings/includes/ballot.html", context)
