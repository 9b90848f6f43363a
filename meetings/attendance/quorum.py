"""The meeting's quorum: how many must be present for its votes to count, and whether
they are. One rule, asked by the chair's page and by `open_item` alike."""

import math
from dataclasses import dataclass

from meetings.attendance.register import present_count

NO_QUORUM_REFUSAL = (
    "There is no quorum: {present} present, {needed} needed. Nothing has changed: the "
    "vote is not open. To open it anyway, choose “Open without quorum…” and give the "
    "reason, which goes in the chair log and the minutes."
)
NO_REASON_REFUSAL = (
    "Give the reason for opening this vote without quorum: it goes in the chair log and "
    "the minutes. Nothing has changed: the vote is not open."
)


@dataclass
class QuorumStatus:
    """Members present against the quorum, now."""

    present: int
    needed: int
    eligible: int | None = None
    share: int | None = None  # the quorum as a percentage of eligible members, if so stated

    @property
    def held(self):
        return self.present >= self.needed

    @property
    def applies(self):
        """The meeting has a quorum at all (0 means none)."""
        return self.needed > 0


def quorum_needed(meeting, eligible=None):
    """How many members make a quorum: the stated number, or the stated share of the
    members eligible to attend, rounded up."""
    share = getattr(meeting, "quorum_share", None)
    if share:
        if eligible is None:
            eligible = meeting.eligible_members().count()
        return math.ceil(eligible * share / 100)
    return meeting.quorum


def quorum_now(meeting, *, eligible=None, present=None):
    """Whether the meeting has quorum now, from the attendance register."""
    share = getattr(meeting, "quorum_share", None)
    if share and eligible is None:
        eligible = meeting.eligible_members().count()
    return QuorumStatus(
        present=present_count(meeting) if present is None else present,
        needed=quorum_needed(meeting, eligible),
        eligible=eligible,
        share=share or None,
    )


def take_quorum_for_opening(meeting, item, without_quorum=None):
    """Take the quorum as an item opens, and record it with the item.

    Returns the note for the chair log. Raises `QuorumRefused` (changing nothing) when
    there is no quorum and the chair has not confirmed opening without it with a reason
    (`without_quorum`: None when not confirmed, the reason typed when confirmed).
    """
    from meetings.attendance.models import QuorumAtOpening

    status = quorum_now(meeting)
    reason = ""
    if not status.held:
        if without_quorum is None:
            raise QuorumRefused(
                NO_QUORUM_REFUSAL.format(present=status.present, needed=status.needed)
            )
        reason = " ".join(without_quorum.split())[:200]
        if not reason:
            raise QuorumRefused(NO_REASON_REFUSAL)
    QuorumAtOpening.objects.update_or_create(
        item=item,
        defaults={
            "present": status.present,
            "needed": status.needed,
            "held": status.held,
            "reason": reason,
        },
    )
    if not status.applies:
        return ""
    if status.held:
        return f"Quorum held: {status.present} present, {status.needed} needed."
    return (
        f"Opened without quorum ({status.present} present, {status.needed} needed). "
        f"Reason: {reason}"
    )


def quorums_at_opening(meeting):
    """{item id: the quorum taken when it opened}, for the meeting's items, in one query."""
    from meetings.attendance.models import QuorumAtOpening

    return {taken.item_id: taken for taken in QuorumAtOpening.objects.filter(item__meeting=meeting)}


class QuorumRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message
