"""Running a meeting's ballot: opening, closing and re-running items, and who may.

Every chair action goes through these functions, whatever page or command asks,
and each is written to the meeting's chair log (`ChairAction`).
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cms import read_ahead
from cms.site_version import site_version
from meetings.ballots.counting import (
    COUNT_IN_REQUEST_UP_TO,
    NOT_UNLOCKED,
    count_item,
    sealed_ballot_count,
    start_counting,
)
from meetings.ballots.live import meeting_changed
from meetings.ballots.models import BallotItem, ChairAction, Choice
from meetings.ballots.sealing import KeyRefused, meeting_key_for_voting, unlocked_private_key

CHAIRS_TIMEOUT = 3600  # seconds; a publish moves the key on before that


def chairs_key(meeting_id):
    return f"meeting-chairs-{meeting_id}-{site_version()}"


def chair_ids(meeting):
    """The ids of the meeting's chairs, from the shared cache. Chairs change only when
    the page is published, which moves the site's version (and so this key) on."""
    if meeting.pk is None or "chair_appointments" in getattr(
        meeting, "_cluster_related_objects", {}
    ):
        # A preview or a revision holds its own rows in memory: its answer, never
        # remembered as the live page's chairs.
        return {row.person_id for row in meeting.chair_appointments.all()}
    key = chairs_key(meeting.pk)
    ids = read_ahead.get(key)
    if ids is None:
        ids = {row.person_id for row in meeting.chair_appointments.all()}
        read_ahead.put(key, ids, timeout=CHAIRS_TIMEOUT)
    return ids


class ChairRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


# Chair actions ------------------------------------------------------------------


def log_chair_action(meeting, item, action, user, note=""):
    """Write a chair action to the meeting's chair log, with who did it."""
    ChairAction.objects.create(
        meeting=meeting,
        item=item,
        action=action,
        actor=user,
        actor_name=user.get_full_name() or user.get_username(),
        note=note,
    )


def open_item(item, user, *, without_quorum=None):
    """Open a draft item for voting, sealed to the meeting's key (made now for the first
    item, when the meeting has a scrutineer to hold it). Other open items stay open: the
    chair closes them.

    Without quorum the item opens only when the chair confirms it with a reason
    (`without_quorum`, the reason typed; None when not confirmed); the quorum taken
    is recorded with the item either way.
    """
    from meetings.attendance.quorum import QuorumRefused, take_quorum_for_opening
    from meetings.floor.business import refuse_opening_before_amendments
    from meetings.models import MeetingPage

    with transaction.atomic():
        item = BallotItem.objects.select_for_update().get(pk=item.pk)
        if item.state != BallotItem.State.DRAFT:
            raise ChairRefused(
                "This item has already been opened. A closed item never reopens: "
                "re-run it as a new item."
            )
        refuse_opening_before_amendments(item)
        ensure_choices(item)
        if item.choices.count() < (1 if item.allow_abstain and not item.is_ranked else 2):
            raise ChairRefused("Add the candidates before opening this election.")
        meeting = MeetingPage.objects.get(pk=item.meeting_id)
        try:
            quorum_note = take_quorum_for_opening(meeting, item, without_quorum)
        except QuorumRefused as refused:
            raise ChairRefused(refused.message) from None
        try:
            item.ballot_key = meeting_key_for_voting(meeting)
        except KeyRefused as refused:
            raise ChairRefused(refused.message) from None
        item.state = BallotItem.State.OPEN
        item.opened_at = timezone.now()
        item.save(update_fields=["state", "opened_at", "ballot_key"])
        log_chair_action(meeting, item, ChairAction.Action.OPEN, user, note=quorum_note)
    meeting_changed(item.meeting_id)
    return item


def close_item(item, user):
    """Close an open item: no more votes, and its sealed ballots are counted.

    Refused, changing nothing, while there are sealed ballots and no scrutineer has
    unlocked the meeting's key. An item of up to COUNT_IN_REQUEST_UP_TO ballots is
    counted in this transaction (the results show at once); a larger one by a task.
    """
    with transaction.atomic():
        item = (
            BallotItem.objects.select_for_update(of=("self",))
            .select_related("ballot_key")
            .get(pk=item.pk)
        )
        if item.state != BallotItem.State.OPEN:
            raise ChairRefused("Only an open item can be closed.")
        waiting = sealed_ballot_count(item)
        private_key = unlocked_private_key(item.ballot_key)
        if waiting and private_key is None:
            raise ChairRefused(
                f"{NOT_UNLOCKED} Then close the item again. Nothing has changed: voting on "
                "this item is still open."
            )
        item.state = BallotItem.State.CLOSED
        item.closed_at = timezone.now()
        item.save(update_fields=["state", "closed_at"])
        log_chair_action(item.meeting, item, ChairAction.Action.CLOSE, user)
        if waiting <= COUNT_IN_REQUEST_UP_TO:
            count_item(item, private_key)
        else:
            start_counting(item)
    meeting_changed(item.meeting_id)
    return item


def ensure_choices(item):
    """Motions and budgets: For / Against (/ Abstain). Elections: the candidates (/ Abstain)."""
    if item.choices.exists():
        return
    if item.has_candidates:
        labels = [candidate.name for candidate in item.candidates.all()]
    else:
        labels = ["For", "Against"]
    rows = [Choice(item=item, position=n, label=label) for n, label in enumerate(labels)]
    # A ranked ballot has no Abstain: a member who ranks nobody simply does not vote.
    if item.allow_abstain and not item.is_ranked:
        rows.append(Choice(item=item, position=len(rows), label="Abstain", is_abstain=True))
    Choice.objects.bulk_create(rows)


def rerun_item(item, user):
    """Re-run a closed item as a new draft item; both stay in the record.

    An election that left seats unfilled for want of a majority is re-run for
    those seats, without the candidates already elected and without the lowest
    remaining candidate. Anything else is re-run as it was (to correct a
    mistaken item).
    """
    from meetings.ballots.models import Candidate
    from meetings.ballots.results import item_result

    with transaction.atomic():
        item = BallotItem.objects.select_for_update().get(pk=item.pk)
        if item.state != BallotItem.State.CLOSED:
            raise ChairRefused("Only a closed item can be re-run.")
        if not item.is_counted:
            raise ChairRefused("Wait for the count to finish before re-running this item.")
        names = [candidate.name for candidate in item.candidates.all()]
        seats = item.seats
        if item.is_election and item.requires_majority:
            result = item_result(item)
            if result.unfilled_seats and not result.tie:
                remaining = [
                    row for row in result.choices if not row.is_abstain and not row.elected
                ]
                lowest = min(remaining, key=lambda row: row.votes) if len(remaining) > 1 else None
                names = [row.label for row in remaining if row is not lowest]
                seats = result.unfilled_seats
        BallotItem.objects.filter(meeting=item.meeting, position__gt=item.position).update(
            position=F("position") + 1
        )
        rerun = BallotItem.objects.create(
            meeting=item.meeting,
            position=item.position + 1,
            kind=item.kind,
            title=f"{item.title} (re-run)",
            text=item.text,
            majority=item.majority,
            seats=seats,
            requires_majority=item.requires_majority,
            counting_rule=item.counting_rule,
            allow_abstain=item.allow_abstain,
            rerun_of=item,
        )
        Candidate.objects.bulk_create(
            [Candidate(item=rerun, name=name, sort_order=n) for n, name in enumerate(names)]
        )
        log_chair_action(
            item.meeting, rerun, ChairAction.Action.RERUN, user, note=f"Re-run of {item}"
        )
    meeting_changed(item.meeting_id)
    return rerun
