"""Counting a closed item: its sealed ballots opened, shuffled and written as counted
ballots, in one transaction, with the sealed copies erased.

`close_item` (chairing) counts an item of up to `COUNT_IN_REQUEST_UP_TO` ballots in
its own transaction, so the results show at once; a larger item is counted by the
`count_sealed_ballots` task while the chair's page shows the progress. Either way
nothing written says who cast which ballot (see `ballots.models`).
"""

import secrets

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from nacl.exceptions import CryptoError
from nacl.public import SealedBox

from meetings.ballots.casting import new_receipt
from meetings.ballots.live import meeting_changed
from meetings.ballots.models import Ballot, BallotItem, DelegateWeight, VoterRecord
from meetings.ballots.ranked_items import store_ranked_count
from meetings.ballots.sealing import open_ballot, unlocked_private_key

COUNT_IN_REQUEST_UP_TO = 20_000
PROGRESS_KEY = "ballot-count-progress-{pk}"
PROGRESS_EVERY = 5_000
PROGRESS_TIMEOUT = 3600  # seconds


class CountRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


NOT_UNLOCKED = (
    "The ballots are sealed and no scrutineer has unlocked them since the site last "
    "started: ask one of the meeting's scrutineers to unlock them on this page with their "
    "passphrase."
)


def sealed_ballot_count(item):
    return VoterRecord.objects.filter(item=item, sealed_ballot__isnull=False).count()


def count_item(item, private_key=None):
    """Open, shuffle and write the item's sealed ballots, erase the sealed copies and mark
    the item counted. Runs in the caller's transaction (or its own), with the item's row
    locked; CountRefused, changing nothing, when the key is not unlocked."""
    with transaction.atomic():
        item = (
            BallotItem.objects.select_for_update(of=("self",))
            .select_related("ballot_key")
            .get(pk=item.pk)
        )
        if item.counted_at is not None:
            return item
        sealed = VoterRecord.objects.filter(item=item, sealed_ballot__isnull=False)
        total = sealed.count()
        if total:
            private_key = private_key or unlocked_private_key(item.ballot_key)
            if private_key is None:
                raise CountRefused(NOT_UNLOCKED)
            ballots = _open_all(item, SealedBox(private_key), sealed, total)
            # The order ballots are written in is random, so neither the write-ahead log
            # nor the table's pages keep the order the sealed ballots were read in.
            secrets.SystemRandom().shuffle(ballots)
            Ballot.objects.bulk_create(ballots, batch_size=5_000)
            if item.recorded:
                from meetings.ballots.declared import store_recorded_votes

                store_recorded_votes(item, SealedBox(private_key), sealed)
            sealed.update(sealed_ballot=None)
        if item.is_ranked:
            store_ranked_count(item)
        item.counted_at = timezone.now()
        item.save(update_fields=["counted_at"])
        # A carried amendment rewrites its motion once counted, whoever counted it.
        from meetings.floor.business import settle_amendment

        settle_amendment(item)
    cache.delete(PROGRESS_KEY.format(pk=item.pk))
    meeting_changed(item.meeting_id)
    return item


def _open_all(item, box, sealed, total):
    positions_on_ballot = set(item.choices.values_list("position", flat=True))
    # Delegates who cast more than one vote at this meeting: {member id: weight}.
    weights = dict(
        DelegateWeight.objects.filter(meeting_id=item.meeting_id, weight__gt=1).values_list(
            "member_id", "weight"
        )
    )
    ballots = []
    rows = sealed.values_list("member_id", "sealed_ballot").iterator(chunk_size=2_000)
    for done, (member_id, sealed_ballot) in enumerate(rows, start=1):
        try:
            positions, receipt = open_ballot(box, sealed_ballot)
        except CryptoError:
            raise CountRefused(
                "A sealed ballot does not open with the meeting's key, so nothing was "
                "counted. Tell the site's operators at once."
            ) from None
        if not positions or not set(positions) <= positions_on_ballot:
            raise CountRefused("A sealed ballot holds a choice that is not on the item.")
        choices = ",".join(map(str, positions))
        ballots.append(Ballot(item=item, choices=choices, receipt=receipt))
        # A weighted vote becomes that many unit ballots, each like any other: the
        # delegate's receipt is on one, fresh codes nobody holds are on the rest.
        for _ in range(weights.get(member_id, 1) - 1):
            ballots.append(Ballot(item=item, choices=choices, receipt=new_receipt()))
        if done % PROGRESS_EVERY == 0:
            cache.set(PROGRESS_KEY.format(pk=item.pk), (done, total), PROGRESS_TIMEOUT)
    return ballots


def count_progress(item):
    """(opened so far, to open) while a large item is being counted, else None."""
    return cache.get(PROGRESS_KEY.format(pk=item.pk))


@task()
def count_sealed_ballots(item_id: int) -> dict:
    """Count a large closed item (see `close_item`). Safe to run again: an item already
    counted is left as it is, and a failed count changed nothing."""
    item = BallotItem.objects.get(pk=item_id)
    try:
        item = count_item(item)
    except CountRefused as refused:
        return {"counted": False, "reason": refused.message}
    return {"counted": True, "ballots": item.ballots.count()}


def start_counting(item):
    """After the close commits: queue the count of a large item."""
    item_id = item.pk
    cache.set(PROGRESS_KEY.format(pk=item_id), (0, sealed_ballot_count(item)), PROGRESS_TIMEOUT)
    transaction.on_commit(lambda: count_sealed_ballots.enqueue(item_id=item_id))
