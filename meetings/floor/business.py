"""Business from the floor, the one path for it: motions, amendments and nominations the
chair adds during the meeting, the agenda's order, and "close this and open the next".

Each function refuses with `ChairRefused` (a message for the chair, nothing changed)
or does all of its work in one transaction, writes the chair log with who and when,
and tells members' pages the agenda moved (`meeting_changed`). Who may call them is
`MeetingPage.may_chair`, asked by the chair's views before anything else.
"""

from django.db import transaction
from django.db.models import F, Max
from django.utils.html import linebreaks

from meetings.attendance.models import AttendanceRecord
from meetings.ballots.chairing import ChairRefused, close_item, log_chair_action, open_item
from meetings.ballots.live import meeting_changed
from meetings.ballots.models import BallotItem, Candidate, ChairAction
from meetings.floor.models import FloorItem, Nomination

AMENDABLE = (BallotItem.Kind.MOTION, BallotItem.Kind.BUDGET)
AS_AMENDED = " (as amended)"


def as_rich_text(text):
    """What the chair typed, as the paragraphs of a ballot item's rich text (escaped)."""
    return linebreaks(text.strip(), autoescape=True)


def _name(user):
    return user.get_full_name() or user.get_username()


def _required(value, what, limit=None):
    value = " ".join((value or "").split()) if limit else (value or "").strip()
    if not value:
        raise ChairRefused(f"Give the {what}. Nothing has changed.")
    if limit and len(value) > limit:
        raise ChairRefused(f"The {what} is too long: at most {limit} characters.")
    return value


def _present(meeting, member, role):
    """Refuse a mover, seconder or nominator who is not in the room now."""
    if member is None:
        raise ChairRefused(f"Choose the {role} from the members present. Nothing has changed.")
    if not AttendanceRecord.objects.filter(
        meeting=meeting, member=member, left_at__isnull=True
    ).exists():
        raise ChairRefused(
            f"{member.full_name} is not present, so cannot be the {role}: only members in "
            "the attendance register can move, second or nominate. Nothing has changed."
        )


def _mover_and_seconder(meeting, mover, seconder):
    _present(meeting, mover, "mover")
    _present(meeting, seconder, "seconder")
    if mover.pk == seconder.pk:
        raise ChairRefused(
            "The seconder must be someone other than the mover. Nothing has changed."
        )


def _moved_note(mover, seconder):
    return (
        f"Moved by {mover.full_name} ({mover.member_id}), "
        f"seconded by {seconder.full_name} ({seconder.member_id})."
    )


def add_motion(meeting, user, *, title, text, mover, seconder):
    """Add a motion from the floor at the end of the agenda, not yet open."""
    title = _required(title, "motion's title", limit=200)
    text = _required(text, "motion's text")
    _mover_and_seconder(meeting, mover, seconder)
    with transaction.atomic():
        last = BallotItem.objects.filter(meeting=meeting).aggregate(last=Max("position"))["last"]
        item = BallotItem.objects.create(
            meeting=meeting,
            position=(last or 0) + 1,
            kind=BallotItem.Kind.MOTION,
            title=title,
            text=as_rich_text(text),
        )
        FloorItem.objects.create(
            item=item, mover=mover, seconder=seconder, added_by=user, added_by_name=_name(user)
        )
        log_chair_action(
            meeting, item, ChairAction.Action.MOTION, user, note=_moved_note(mover, seconder)
        )
    meeting_changed(meeting.pk)
    return item


def add_amendment(motion, user, *, amendment, amended_text, mover, seconder):
    """Add an amendment to a motion not yet open, placed just before it (an amendment is
    voted before its motion). `amended_text` is the whole motion as it reads if carried."""
    amendment = _required(amendment, "amendment")
    amended_text = _required(amended_text, "motion's text as amended")
    with transaction.atomic():
        motion = BallotItem.objects.select_for_update().get(pk=motion.pk)
        meeting = motion.meeting
        if motion.kind not in AMENDABLE:
            raise ChairRefused("Only a motion or a budget can be amended. Nothing has changed.")
        if motion.state == BallotItem.State.CLOSED:
            raise ChairRefused(
                f"“{motion.title}” is closed: a motion cannot be amended once voted on. "
                "Nothing has changed."
            )
        if motion.state == BallotItem.State.OPEN:
            raise ChairRefused(
                f"Voting on “{motion.title}” is open: amendments come before the vote. "
                "Nothing has changed."
            )
        if FloorItem.objects.filter(item=motion, amends__isnull=False).exists():
            raise ChairRefused(
                "An amendment cannot itself be amended here: move a new amendment to the "
                "motion instead. Nothing has changed."
            )
        _mover_and_seconder(meeting, mover, seconder)
        number = FloorItem.objects.filter(amends=motion).count() + 1
        BallotItem.objects.filter(meeting=meeting, position__gte=motion.position).update(
            position=F("position") + 1
        )
        item = BallotItem.objects.create(
            meeting=meeting,
            position=motion.position,
            kind=BallotItem.Kind.MOTION,
            title=f"Amendment {number} to {motion.title}"[:200],
            text=as_rich_text(amendment)
            + "<p>If this amendment is carried, the motion reads:</p>"
            + as_rich_text(amended_text),
        )
        FloorItem.objects.create(
            item=item,
            mover=mover,
            seconder=seconder,
            amends=motion,
            amended_text=as_rich_text(amended_text),
            added_by=user,
            added_by_name=_name(user),
        )
        log_chair_action(
            meeting,
            item,
            ChairAction.Action.AMENDMENT,
            user,
            note=f"To “{motion.title}”. " + _moved_note(mover, seconder),
        )
    meeting_changed(meeting.pk)
    return item


def settle_amendment(item):
    """Once an amendment is counted: when carried, the motion now reads as amended.

    Called by the count (`counting.count_item`), in its transaction; does nothing for
    other items or an amendment already settled.
    """
    from meetings.ballots.results import item_result

    floor = FloorItem.objects.filter(item=item, amends__isnull=False).first()
    if floor is None or floor.amendment_applied or item.counted_at is None:
        return False
    if not item_result(item).carried:
        return False
    motion = BallotItem.objects.select_for_update().get(pk=floor.amends_id)
    if motion.state != BallotItem.State.DRAFT:
        return False
    motion.text = floor.amended_text
    if not motion.title.endswith(AS_AMENDED):
        motion.title = motion.title[: 200 - len(AS_AMENDED)] + AS_AMENDED
    motion.save(update_fields=["text", "title"])
    floor.amendment_applied = True
    floor.save(update_fields=["amendment_applied"])
    closer = (
        ChairAction.objects.filter(item=item, action=ChairAction.Action.CLOSE)
        .order_by("-at")
        .first()
    )
    ChairAction.objects.create(
        meeting_id=motion.meeting_id,
        item=motion,
        action=ChairAction.Action.AMENDED,
        actor=closer.actor if closer else None,
        actor_name=closer.actor_name if closer else "The count",
        note=f"“{item.title}” was carried.",
    )
    meeting_changed(motion.meeting_id)
    return True


def amendments_waiting(motion):
    """The motion's amendments not yet voted on and counted: they come first."""
    return BallotItem.objects.filter(floor__amends=motion, counted_at__isnull=True).order_by(
        "position", "pk"
    )


def refuse_opening_before_amendments(item):
    """An amendment is voted before its motion: opening the motion waits for them."""
    waiting = list(amendments_waiting(item))
    if waiting:
        raise ChairRefused(
            f"Vote on “{waiting[0].title}” first: a motion's amendments are voted, and "
            "counted, before it. Nothing has changed."
        )


def nominate(election, user, *, name, nominated_by, seconded_by=None, accepted=False):
    """Add a nomination from the floor to an election that has not opened."""
    name = _required(name, "nominee's name", limit=160)
    with transaction.atomic():
        election = BallotItem.objects.select_for_update().get(pk=election.pk)
        meeting = election.meeting
        if not election.is_election:
            raise ChairRefused("Nominations are for elections only. Nothing has changed.")
        if election.state != BallotItem.State.DRAFT:
            raise ChairRefused(
                f"Nominations to “{election.title}” are closed: voting on it has opened. "
                "Nothing has changed."
            )
        if not accepted:
            raise ChairRefused(
                f"{name} must accept the nomination before it is taken: tick “The nominee "
                "accepts”. Nothing has changed."
            )
        _present(meeting, nominated_by, "nominator")
        if seconded_by is not None:
            _present(meeting, seconded_by, "seconder")
        if election.candidates.filter(name__iexact=name).exists():
            raise ChairRefused(f"{name} is already a candidate. Nothing has changed.")
        last = election.candidates.aggregate(last=Max("sort_order"))["last"]
        candidate = Candidate.objects.create(
            item=election, name=name, sort_order=(last if last is not None else -1) + 1
        )
        Nomination.objects.create(
            candidate=candidate,
            nominated_by=nominated_by,
            seconded_by=seconded_by,
            accepted=True,
            added_by=user,
            added_by_name=_name(user),
        )
        seconded = f", seconded by {seconded_by.full_name}" if seconded_by else ""
        log_chair_action(
            meeting,
            election,
            ChairAction.Action.NOMINATION,
            user,
            note=f"{name}, nominated by {nominated_by.full_name}{seconded}; accepted.",
        )
    meeting_changed(meeting.pk)
    return candidate


def move_item(item, user, direction):
    """Move an item not yet open one place up (-1) or down (+1) among the items not yet
    open, keeping each amendment before its motion."""
    with transaction.atomic():
        items = list(
            BallotItem.objects.select_for_update()
            .filter(meeting_id=item.meeting_id)
            .order_by("position", "pk")
        )
        index = next((n for n, row in enumerate(items) if row.pk == item.pk), None)
        item = items[index]
        if item.state != BallotItem.State.DRAFT:
            raise ChairRefused("Only items not yet open can be moved. Nothing has changed.")
        other_index = index + direction
        if not 0 <= other_index < len(items) or items[other_index].state != "draft":
            raise ChairRefused(
                f"“{item.title}” cannot move {'up' if direction < 0 else 'down'}: only items "
                "not yet open change places. Nothing has changed."
            )
        other = items[other_index]
        first, second = (item, other) if direction > 0 else (other, item)
        # After the swap `second` comes first: refuse when it is an amendment of `first`.
        if FloorItem.objects.filter(item=first, amends=second).exists():
            raise ChairRefused(
                "An amendment is voted before its motion, so they cannot change places. "
                "Nothing has changed."
            )
        # Give every item its own place, then swap the two.
        for position, row in enumerate(items, start=1):
            row.position = position
        item.position, other.position = other.position, item.position
        BallotItem.objects.bulk_update(items, ["position"])
        log_chair_action(
            item.meeting,
            item,
            ChairAction.Action.REORDER,
            user,
            note=f"{'Up' if direction < 0 else 'Down'}, to place {item.position} of {len(items)}.",
        )
    meeting_changed(item.meeting_id)
    return item


def move_up(item, user):
    """Move an item not yet open one place up the agenda."""
    return move_item(item, user, -1)


def move_down(item, user):
    """Move an item not yet open one place down the agenda."""
    return move_item(item, user, +1)


def next_draft(agenda, item):
    """The item "next" means, from the agenda in order: the first not yet open after this
    one, else the first not yet open before it; None when every item has opened."""
    drafts = [other for other in agenda if other.state == BallotItem.State.DRAFT]
    after = [other for other in drafts if (other.position, other.pk) > (item.position, item.pk)]
    return (after or drafts or [None])[0]


def next_item(item):
    """The item to open after this one (`next_draft`), read from the database."""
    agenda = BallotItem.objects.filter(meeting_id=item.meeting_id).order_by("position", "pk")
    return next_draft(list(agenda), item)


def close_and_open_next(item, user, *, without_quorum=None):
    """Close this item and open the next one on the agenda, in one action of the chair.

    The close stands when the next item cannot open (no quorum, say): the refusal says
    so. Returns the item opened.
    """
    closed = close_item(item, user)
    following = next_item(closed)
    if following is None:
        raise ChairRefused(f"Closed “{closed.title}”. There is no next item to open.")
    try:
        return open_item(following, user, without_quorum=without_quorum)
    except ChairRefused as refused:
        raise ChairRefused(
            f"Closed “{closed.title}”. The next item, “{following.title}”, is not open: "
            + refused.message
        ) from None


# What the chair's page and the minutes show ----------------------------------------------


def floor_records(meeting):
    """{item id: how it came from the floor (mover, seconder, what it amends)}, one query."""
    records = FloorItem.objects.filter(item__meeting=meeting).select_related(
        "mover", "seconder", "amends"
    )
    return {record.item_id: record for record in records}


def candidates_by_item(meeting):
    """{election id: its candidates, with any nomination from the floor}, one query."""
    by_item = {}
    candidates = (
        Candidate.objects.filter(item__meeting=meeting, item__kind=BallotItem.Kind.ELECTION)
        .select_related("nomination__nominated_by", "nomination__seconded_by")
        .order_by("item_id", "sort_order", "pk")
    )
    for candidate in candidates:
        by_item.setdefault(candidate.item_id, []).append(candidate)
    return by_item
