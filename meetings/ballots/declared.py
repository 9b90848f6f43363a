"""Decisions taken outside the site's secret ballot: acclamation, recorded (named)
votes, and counts taken in the room or by tellers.

* **Acclamation** (`acclaim_item`): an election with no more candidates than seats is
  decided by the chair in one step; no vote is opened, and the chair log and the
  results say so.
* **Recorded votes** (`store_recorded_votes`): an item marked "recorded" before it
  opens is cast and sealed like any other, but its ballot says plainly that the vote is
  not secret, and the count writes who voted what (`RecordedVote`) before the sealed
  copies are erased.
* **Counts taken outside the site** (`enter_outside_count`, `add_outside_counts`): the
  chair enters a show of hands or a tellers' count, with who entered it; the results
  show it apart from the site's ballots and add it to the totals only when the chair
  says so. Every step is in the chair log.

Every path (the chair's page, commands, tests) goes through these functions.
"""

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from meetings.ballots.chairing import ChairRefused, ensure_choices, log_chair_action
from meetings.ballots.live import meeting_changed
from meetings.ballots.models import BallotItem, ChairAction, OutsideCount, RecordedVote
from meetings.ballots.sealing import open_ballot

MAX_OUTSIDE_VOTERS = 1_000_000  # a sanity limit on one count typed in by hand


def forget_result(item):
    """The cached result of a closed item, dropped because a count was added to it."""
    from meetings.ballots.board import RESULT_KEY

    cache.delete(RESULT_KEY.format(pk=item.pk))


# Acclamation -----------------------------------------------------------------------------


def may_acclaim(item):
    """Whether the chair may declare this item's candidates elected by acclamation."""
    names = [candidate.name for candidate in item.candidates.all()]
    return (
        item.state == BallotItem.State.DRAFT
        and item.has_candidates
        and 0 < len(names) <= item.seats
    )


def acclaim_item(item, user):
    """Declare a draft election's candidates elected by acclamation: there are no more
    candidates than seats, so no vote is opened. The item is closed at once, with no
    ballots, and the chair log records who declared it."""
    with transaction.atomic():
        item = BallotItem.objects.select_for_update().get(pk=item.pk)
        if item.state != BallotItem.State.DRAFT:
            raise ChairRefused("Only an election not yet opened can be decided by acclamation.")
        if not item.has_candidates:
            raise ChairRefused("Only an election's candidates can be elected by acclamation.")
        names = [candidate.name for candidate in item.candidates.all()]
        if not names:
            raise ChairRefused("Add the candidates before declaring them elected.")
        if len(names) > item.seats:
            raise ChairRefused(
                f"{len(names)} candidates stand for {item.seats} seat"
                f"{'s' if item.seats != 1 else ''}: open the vote instead."
            )
        ensure_choices(item)
        now = timezone.now()
        item.acclaimed = True
        item.state = BallotItem.State.CLOSED
        item.closed_at = item.counted_at = now
        item.save(update_fields=["acclaimed", "state", "closed_at", "counted_at"])
        log_chair_action(
            item.meeting,
            item,
            ChairAction.Action.ACCLAIM,
            user,
            note=f"Elected by acclamation: {', '.join(names)}"[:300],
        )
    meeting_changed(item.meeting_id)
    return item


def acclaimed_result(item):
    """The ItemResult of an election decided by acclamation: everyone standing elected."""
    from meetings.ballots.results import ChoiceResult, ItemResult

    names = [choice.label for choice in item.choices.all() if not choice.is_abstain]
    return ItemResult(
        ballots_cast=0,
        votes_counted=0,
        choices=[ChoiceResult(label=name, votes=0, percent=None, elected=True) for name in names],
        elected=names,
        unfilled_seats=max(item.seats - len(names), 0),
        note="No vote was held: there were no more candidates than seats.",
        outcome=f"Elected by acclamation: {', '.join(names)}.",
        acclaimed=True,
    )


# Recorded votes --------------------------------------------------------------------------


def store_recorded_votes(item, box, sealed):
    """At the count of a recorded item (in its transaction, before the sealed copies are
    erased): who voted what, from each voter record's sealed ballot."""
    labels = dict(item.choices.values_list("position", "label"))
    rows = []
    for member_id, sealed_ballot in sealed.values_list("member_id", "sealed_ballot"):
        positions, _ = open_ballot(box, sealed_ballot)
        rows.append(
            RecordedVote(
                item=item,
                member_id=member_id,
                choices="; ".join(labels[p] for p in positions),
            )
        )
    from members.models import Member

    names = {
        member.pk: f"{member.given_name} {member.family_name}".strip()
        for member in Member.objects.filter(pk__in=[row.member_id for row in rows])
    }
    for row in rows:
        row.member_name = names.get(row.member_id, "")
    RecordedVote.objects.bulk_create(rows)


def recorded_votes(item):
    """[{"member": name, "choices": "A; B"}] of a counted recorded item, by name."""
    return [
        {"member": name, "choices": choices}
        for name, choices in item.recorded_votes.values_list("member_name", "choices")
    ]


# Counts taken outside the site -------------------------------------------------------------


def enter_outside_count(item, user, data):
    """Record a count taken outside the site (a show of hands, a tellers' count) from the
    chair's form: `data` holds "method", "voters", "note" and "votes-<choice id>" for each
    choice. Refused, changing nothing, on a ranked item (hands cannot rank), an item not
    yet opened, totals already final, or numbers that cannot be right."""
    with transaction.atomic():
        item = BallotItem.objects.select_for_update().get(pk=item.pk)
        if item.is_ranked:
            raise ChairRefused(
                "A ranked election cannot take a show of hands: members in the room rank "
                "the candidates on the site or on paper ballots entered by the scrutineers."
            )
        if item.acclaimed or item.state == BallotItem.State.DRAFT:
            raise ChairRefused("Open the vote before entering a count taken in the room.")
        if item.outside_counts_added_at:
            raise ChairRefused("The counts taken outside the site are already in the totals.")
        method = data.get("method", "")
        if method not in OutsideCount.Method.values:
            raise ChairRefused("Say how the count was taken: a show of hands or tellers.")
        choices = list(item.choices.all())
        try:
            voters = int(data.get("voters", ""))
            votes = {c.position: int(data.get(f"votes-{c.pk}", "") or 0) for c in choices}
        except ValueError:
            raise ChairRefused("Enter whole numbers of votes.") from None
        if not 0 < voters <= MAX_OUTSIDE_VOTERS or any(n < 0 for n in votes.values()):
            raise ChairRefused("Enter how many members voted (at least one), and no negatives.")
        most = voters * item.max_choices
        if sum(votes.values()) > most or any(n > voters for n in votes.values()):
            raise ChairRefused(
                f"More votes than {voters} member{'s' if voters != 1 else ''} could give: "
                "check the count."
            )
        count = OutsideCount.objects.create(
            item=item,
            method=method,
            voters=voters,
            votes={str(position): number for position, number in votes.items()},
            entered_by=user,
            entered_by_name=user.get_full_name() or user.get_username(),
            note=data.get("note", "").strip()[:300],
        )
        summary = ", ".join(f"{c.label} {votes[c.position]}" for c in choices)
        log_chair_action(
            item.meeting,
            item,
            ChairAction.Action.OUTSIDE,
            user,
            note=f"{count.get_method_display()}: {voters} voting; {summary}"[:300],
        )
    # After the commit, so a page read meanwhile cannot cache the old result again.
    forget_result(item)
    meeting_changed(item.meeting_id)
    return count


def add_outside_counts(item, user):
    """Add the item's counts taken outside the site to its totals, once, when the chair
    says so (after the site's ballots are counted)."""
    with transaction.atomic():
        item = BallotItem.objects.select_for_update().get(pk=item.pk)
        if not item.is_counted:
            raise ChairRefused("Close the vote and let it be counted first.")
        if item.outside_counts_added_at:
            raise ChairRefused("These counts are already in the totals.")
        if not item.outside_counts.exists():
            raise ChairRefused("No count taken outside the site has been entered.")
        item.outside_counts_added_at = timezone.now()
        item.save(update_fields=["outside_counts_added_at"])
        log_chair_action(item.meeting, item, ChairAction.Action.OUTSIDE_IN, user)
    # After the commit, so a page read meanwhile cannot cache the old result again.
    forget_result(item)
    meeting_changed(item.meeting_id)
    return item


def outside_counts(item, labels):
    """The item's counts taken outside the site, for the results: each with its votes by
    label, who entered it and when. `labels` is {choice position: label}."""
    return [
        {
            "method": count.get_method_display(),
            "voters": count.voters,
            "votes": {labels[int(p)]: n for p, n in count.votes.items() if int(p) in labels},
            "entered_by": count.entered_by_name,
            "entered_at": count.entered_at,
            "note": count.note,
        }
        for count in item.outside_counts.all()
    ]


def add_to_counts(item, counts, cast):
    """(counts, ballots cast) with the outside counts added, once the chair has said so."""
    if not item.outside_counts_added_at:
        return counts, cast
    counts = dict(counts)
    for count in item.outside_counts.all():
        cast += count.voters
        for position, number in count.votes.items():
            counts[int(position)] = counts.get(int(position), 0) + number
    return counts, cast
