"""What every member's meeting page polls: which items are open and closed, and a
version that moves when the chair acts. Kept in the shared cache, so polling
costs no database query and every app server answers the same.
"""

import logging
import time
import zlib

from django.core.cache import cache
from django.db import transaction

from cms import read_ahead
from meetings.ballots.models import BallotItem
from meetings.ballots.shared_section import publish_section

# What the meeting page polls -------------------------------------------------------

logger = logging.getLogger(__name__)

NOW_KEY = "meeting-now-{pk}"
NOW_TIMEOUT = 300  # seconds; chair actions replace the value at once


def meeting_changed(meeting_pk):
    """Tell every app server's pollers the agenda moved: write the new state to the shared
    cache once the chair's change is committed."""

    def publish():
        state = now_state(meeting_pk)
        # The shared ballot section first: pages that see the new version find it ready.
        # Pages render it themselves if this fails; the new state must go out regardless.
        try:
            publish_section(meeting_pk, state["version"])
        except Exception:
            logger.exception("The shared ballot section of meeting %s was not rendered", meeting_pk)
        cache.set(NOW_KEY.format(pk=meeting_pk), state, timeout=NOW_TIMEOUT)

    transaction.on_commit(publish)


def now_state(meeting_pk):
    """Which items are open, closed and still being counted, and a version that changes
    when the chair acts or a count finishes."""
    rows = list(
        BallotItem.objects.filter(meeting_id=meeting_pk)
        .order_by("position", "pk")
        .values_list("pk", "state", "counted_at", "title")
    )
    closed = BallotItem.State.CLOSED
    state = {
        "open": [pk for pk, s, _, _ in rows if s == BallotItem.State.OPEN],
        "closed": [pk for pk, s, _, _ in rows if s == closed],
        "counting": [pk for pk, s, counted, _ in rows if s == closed and counted is None],
    }
    # When this state was read: a new one on every chair action (and after a state
    # expires), which the meeting page's shared parts are checked against
    # (MeetingPage.shared_parts). The page's script follows "version" alone.
    state["changed"] = time.time_ns()
    state["version"] = "o{}c{}k{}".format(
        *("-".join(map(str, state[part])) for part in ("open", "closed", "counting"))
    )
    # Business from the floor moves the agenda too: items added, reordered or amended
    # (an amended motion's title says so) change the version, so pages follow.
    later = [(pk, title) for pk, s, _, title in rows if s == BallotItem.State.DRAFT]
    if later:
        agenda = "|".join(f"{pk}:{title}" for pk, title in later)
        state["version"] += f"a{zlib.crc32(agenda.encode()):08x}"
    return state


def cached_now_state(meeting_pk):
    """The polled state, from the shared cache; the database only on a miss."""
    key = NOW_KEY.format(pk=meeting_pk)
    state = read_ahead.get(key)
    if state is None:
        state = now_state(meeting_pk)
        # add, not set: never overwrite a newer state the chair has just written.
        read_ahead.add(key, state, timeout=NOW_TIMEOUT)
    return state
