"""Casting a vote: the one path the page form, the page's script and the member API use.

`cast_vote(member, item, choice_ids)` is the only way a vote is recorded. It
refuses, with a clear message and no change, anything that is not a first,
valid vote by an eligible member on an open item, and seals the ballot in the
app before anything is written. See `ballots.models` for how the ballot stays
secret.

A proxy holder votes for a giver through the same function (`on_behalf_of`, the
giver's member ID): the voter record is in the giver's name and the ballot is
sealed like any other, so nothing written tells it from the giver's own vote. A
giver's first vote in person lapses their proxy (`meetings.proxies.rules`).
"""

import secrets
import uuid

from allauth.core import ratelimit
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from cms import read_ahead
from cms.site_version import VERSION_KEY, site_version
from meetings.ballots import rate_counting
from meetings.ballots.live import NOW_KEY, cached_now_state
from meetings.ballots.models import BallotItem, Choice, VoterRecord
from meetings.ballots.ranked_items import RankingRefused, ranked_positions
from meetings.ballots.sealing import seal_ballot
from meetings.proxies.models import PROXIES_KEY, Proxy
from meetings.proxies.rules import member_proxies
from members.audience import VOTER_FIELDS

RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread
RECEIPT_LENGTH = 10


class VoteRefused(Exception):
    """A vote that was not recorded, and why, in words for the member."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


def new_receipt():
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def _receipt_signer(member, item):
    return signing.Signer(salt=f"ballot-receipt:{member.pk}:{item.pk}")


def signed_receipt(member, item, receipt):
    """The receipt code with the site's signature for this member and item: what the
    "email me my receipt" form sends back, so the site knows it issued that code to that
    member without ever storing the two together."""
    return _receipt_signer(member, item).sign(receipt)


def receipt_from_signed(member, item, signed):
    """The receipt code from `signed_receipt`'s value, or None if it was not issued to
    this member for this item."""
    try:
        return _receipt_signer(member, item).unsign(signed or "")
    except signing.BadSignature:
        return None


def _record_vote_portable(item, member, sealed):
    """The vote's write on any database; returns REFUSED_NOT_OPEN, REFUSED_AGAIN or None.
    (SQLite serialises writes, so reading the state first is safe there.)"""
    with transaction.atomic():
        state = BallotItem.objects.filter(pk=item.pk).values_list("state", flat=True).first()
        if state != BallotItem.State.OPEN:
            return REFUSED_NOT_OPEN
        try:
            with transaction.atomic():
                VoterRecord.objects.create(item=item, member=member, sealed_ballot=sealed)
        except IntegrityError:
            return REFUSED_AGAIN
    return None


# PostgreSQL: the vote is one statement, one round trip. The item row is share-locked while
# it is open (the chair's close waits for votes under way; votes do not queue behind each
# other). ON CONFLICT DO NOTHING answers a second vote with no row instead of an error, so
# not even a double click leaves the statement in the server's error log. What the
# statement carries beside the member is the sealed ballot: random bytes to anyone without
# the meeting's key.
_RECORD_VOTE_SQL = """
WITH open_item AS (
    SELECT id FROM meetings_ballotitem WHERE id = %(item)s AND state = %(open)s FOR SHARE
)
INSERT INTO meetings_voterrecord (id, item_id, member_id, sealed_ballot)
SELECT %(record)s, id, %(member)s, %(sealed)s FROM open_item
ON CONFLICT (item_id, member_id) DO NOTHING
RETURNING 1
"""


def _record_vote_postgresql(item, member, sealed):
    with connection.cursor() as cursor:
        cursor.execute(
            _RECORD_VOTE_SQL,
            {
                "item": item.pk,
                "open": BallotItem.State.OPEN,
                "record": uuid.uuid4(),
                "member": member.pk,
                "sealed": sealed,
            },
        )
        if cursor.fetchone() is not None:
            return None
    # Nothing written: say why (only refused votes pay for this read).
    if BallotItem.objects.filter(pk=item.pk, state=BallotItem.State.OPEN).exists():
        return REFUSED_AGAIN
    return REFUSED_NOT_OPEN


REFUSED_NOT_OPEN = "not_open"
REFUSED_AGAIN = "already_voted"
REFUSED_NO_PROXY = "no_proxy"
REFUSED_PROXY_ENDED = "proxy_ended"
REFUSALS = {
    REFUSED_NOT_OPEN: "Voting on this item is not open.",
    REFUSED_AGAIN: "You have already voted on this item.",
    REFUSED_PROXY_ENDED: "This proxy has ended (the member voted in person), so it cannot "
    "be used any more.",
}


CHOICES_KEY = "ballot-choices-{pk}-{opened}"


def opened_item_choices(item):
    """{choice id: (position, is_abstain)} of an opened item, from the shared cache.

    An item's choices are made when it opens and never change after (an opened item
    cannot be edited); the key carries the opening time, so it names one item only.
    """
    choices = getattr(item, "_opened_choices", None)  # kept with a vote's item (vote_target)
    if choices is not None:
        return choices
    key = CHOICES_KEY.format(pk=item.pk, opened=item.opened_at.timestamp())
    choices = cache.get(key)
    if choices is None:
        choices = {
            pk: (position, is_abstain)
            for pk, position, is_abstain in Choice.objects.filter(item=item).values_list(
                "pk", "position", "is_abstain"
            )
        }
        cache.set(key, choices, timeout=CHOICES_TIMEOUT)
    return choices


CHOICES_TIMEOUT = 6 * 3600  # seconds; a meeting's voting is over well within this


# The vote rate limit ------------------------------------------------------------------

VOTE_LIMIT_PROBE = "vote-rate-limit-probe"
VOTE_LIMITED = (
    "Too many votes were sent from here in a short time, so this one was not recorded. "
    "Wait a minute, then vote again."
)
VOTE_LIMIT_RETRY_AFTER = 60  # seconds; the limits are counted per minute


def over_vote_limit(request):
    """Whether this vote request is over the vote rate limit: one rule, one setting
    (`ACCOUNT_RATE_LIMITS["vote"]`: per IP address and per account), for every path a
    vote comes by (the page's form, its script and the member API), counted in the
    shared cache so every app server agrees. A refused attempt counts too.

    allauth refuses when it cannot reach the cache at all; for a vote that would stop a
    whole meeting during a cache outage, so then the vote goes ahead: one vote per member
    is the database's rule, the limit only slows down abuse.
    """
    account = str(request.user.pk) if request.user.is_authenticated else "anonymous"
    # With Redis every rule is checked and counted in one round trip (rate_counting);
    # otherwise (the local-memory cache) by allauth.
    try:
        allowed = rate_counting.consume(
            request, action="vote", rates=settings.ACCOUNT_RATE_LIMITS.get("vote"), key=account
        )
    except RedisError:
        return False
    if allowed is not None:
        return not allowed
    if ratelimit.consume(request, action="vote", key=account):
        return False
    cache.set(VOTE_LIMIT_PROBE, True, timeout=10)
    return cache.get(VOTE_LIMIT_PROBE) is True


def _record_proxy_vote(record, item, giver, sealed, proxy_id):
    """The holder's vote for the giver: written only while the proxy is approved, under
    the proxy's row lock (which the giver's own vote takes too, see `_record_lapsing`).
    Returns like `record`, or REFUSED_PROXY_ENDED."""
    with transaction.atomic():
        held = (
            Proxy.objects.select_for_update(no_key=True)
            .filter(pk=proxy_id, status=Proxy.Status.APPROVED)
            .values_list("pk", flat=True)
            .first()
        )
        if held is None:
            return REFUSED_PROXY_ENDED
        return record(item, giver, sealed)


def _record_lapsing(record, item, member, sealed, proxy_id):
    """The giver's own vote while their proxy is approved: recorded, and the proxy lapses
    in the same transaction (a holder's vote for them waits or has been written)."""
    with transaction.atomic():
        locked = (
            Proxy.objects.select_for_update(no_key=True)
            .filter(pk=proxy_id, status=Proxy.Status.APPROVED)
            .first()
        )
        refused = record(item, member, sealed)
        if not refused and locked is not None:
            locked.status = Proxy.Status.LAPSED
            locked.ended_at = timezone.now()
            locked.save(update_fields=["status", "ended_at"])
    return refused


def proxy_giver(meeting, holder, on_behalf_of):
    """The giver whose proxy `holder` holds at the meeting, as a vote needs them, with the
    proxy's id; VoteRefused when the holder holds no approved proxy from that member ID
    (whatever the reason: a forged ID learns nothing) or the giver may no longer attend."""
    from members.models import Member

    held = member_proxies(meeting.pk, holder).holding_from(on_behalf_of)
    if held is None:
        raise VoteRefused(
            "You do not hold a proxy from that member for this meeting.", REFUSED_NO_PROXY
        )
    giver = Member.objects.select_related("local").only(*VOTER_FIELDS).get(pk=held.giver_id)
    if not meeting.eligibility(giver):
        raise VoteRefused(
            f"{held.giver_name} may not attend this meeting now, so their proxy cannot be used.",
            "giver_ineligible",
        )
    giver.proxy_name = held.giver_name
    return giver, held.proxy_id


def cast_vote(member, item, choice_ids, on_behalf_of=None):
    """Record the member's vote on the item and return the receipt code.

    With `on_behalf_of` (a giver's member ID), the vote is the member's vote as proxy
    holder for that giver: recorded in the giver's name, refused unless the member holds
    the giver's approved proxy for the meeting.

    Raises VoteRefused (nothing recorded) for: an ineligible member, an item
    that is not open, a second vote, no choice, too many choices, unknown
    choices or choices from another item, abstaining together with a choice; on a
    ranked item (`choice_ids` in rank order) a candidate ranked twice or more ranks than
    candidates (`ranked_items.ranked_positions`).
    """
    meeting = item.meeting  # callers pass the item with its meeting already loaded
    eligibility = meeting.eligibility(member)
    if not eligibility:
        raise VoteRefused(eligibility.reason, "ineligible")
    giver = proxy_id = None
    if on_behalf_of not in (None, ""):
        giver, proxy_id = proxy_giver(meeting, member, on_behalf_of)
    # Checked again in the transaction below; this answers a draft or closed item first.
    if item.state != BallotItem.State.OPEN or item.opened_at is None:
        raise VoteRefused("Voting on this item is not open.", "not_open")
    try:
        ids = {int(choice_id) for choice_id in choice_ids}
    except (TypeError, ValueError):
        raise VoteRefused("That choice is not on this ballot.", "unknown_choice") from None
    if not ids and item.is_ranked:
        raise VoteRefused("Choose your 1st choice at least.", "no_choice")
    if not ids:
        raise VoteRefused("Choose an option (you can choose “Abstain”).", "no_choice")
    on_ballot = opened_item_choices(item)
    if not ids <= on_ballot.keys():
        raise VoteRefused("That choice is not on this ballot.", "unknown_choice")
    if item.is_ranked:
        # The choices in the member's order of preference (`ranked_items`).
        try:
            positions = ranked_positions(choice_ids, on_ballot)
        except RankingRefused as refused:
            raise VoteRefused(refused.message, refused.code) from None
    else:
        if len(ids) > item.max_choices:
            raise VoteRefused(
                f"Choose at most {item.max_choices} for this item.", "too_many_choices"
            )
        if len(ids) > 1 and any(on_ballot[choice_id][1] for choice_id in ids):
            raise VoteRefused("Abstain cannot be combined with another choice.", "abstain_mixed")
        positions = sorted(on_ballot[choice_id][0] for choice_id in ids)

    receipt = new_receipt()
    sealed = seal_ballot(
        item.ballot_key.public_key, positions, receipt, choice_count=len(on_ballot)
    )
    record = _record_vote_postgresql if connection.vendor == "postgresql" else _record_vote_portable
    if giver is not None:
        refused = _record_proxy_vote(record, item, giver, sealed, proxy_id)
        if refused == REFUSED_AGAIN:
            raise VoteRefused(
                f"A vote for {giver.proxy_name} on this item is already recorded.", refused
            )
    else:
        given = member_proxies(meeting.pk, member).given
        if given is not None:
            refused = _record_lapsing(record, item, member, sealed, given)
        else:
            refused = record(item, member, sealed)
    if refused:
        raise VoteRefused(REFUSALS[refused], refused)
    return receipt


VOTE_TARGET_KEY = "vote-target-{meeting}-{item}"
VOTE_TARGET_TIMEOUT = 300  # seconds


def vote_reads(meeting_id, item_id, member=None):
    """Read what a vote reads from the shared cache in one round trip (cms/read_ahead.py):
    the item (`vote_target`) with the two versions its cached copy must match, and the
    member's proxies (`member_proxies`, which `cast_vote` asks). A `with` block: the vote
    runs inside it."""
    keys = [
        NOW_KEY.format(pk=meeting_id),
        VERSION_KEY,
        VOTE_TARGET_KEY.format(meeting=meeting_id, item=item_id),
    ]
    if member is not None:
        keys.append(PROXIES_KEY.format(meeting=meeting_id, member=member.pk))
    return read_ahead.reading(keys)


def vote_target(meeting_id, item_id):
    """The item of a live meeting, with the meeting, as a vote needs them (VOTE_FIELDS);
    None when there is no such item on that meeting. From the shared cache: every vote
    of a burst asks for the same item.

    The cached copy carries the version of the meeting's polled state, which moves when
    the chair opens or closes an item, and the site's page version, which moves when a
    page is published, unpublished, moved or deleted: a copy made under other versions
    than the ones read now is never used, so it never outlives a change to what it holds.
    (The versions are in the value, not the key, so that one round trip reads all three:
    `vote_reads`.) `cast_vote` checks again, in its transaction, that the item is open.
    """
    now_key = NOW_KEY.format(pk=meeting_id)
    state = read_ahead.get(now_key) or cached_now_state(meeting_id)
    versions = (state["version"], read_ahead.get(VERSION_KEY) or site_version())
    key = VOTE_TARGET_KEY.format(meeting=meeting_id, item=item_id)
    cached = read_ahead.get(key)
    if cached is not None and cached[0] == versions:
        return cached[1]
    item = (
        BallotItem.objects.select_related("meeting", "ballot_key")
        .filter(pk=item_id, meeting_id=meeting_id, meeting__live=True)
        .only(*VOTE_FIELDS)
        .first()
    )
    if item is not None:
        # The redirect's address, kept with the item (the copy carries the site version).
        item.meeting.remember_url()
        # And an open item's choices, which never change once it opens (the copy carries
        # the state version, which moves when it opens or closes).
        if item.state == BallotItem.State.OPEN and item.opened_at is not None:
            item._opened_choices = opened_item_choices(item)
        read_ahead.put(key, (versions, item), VOTE_TARGET_TIMEOUT)
    return item


# What `cast_vote` needs of the item and its meeting (eligibility, whether the item is open
# and the public key its ballots are sealed to), what the redirect needs (the page's URL)
# and the item's title for a refusal.
VOTE_FIELDS = (
    "meeting",
    "ballot_key__public_key",
    "state",
    "opened_at",
    "kind",
    "seats",
    "title",
    "meeting__live",
    "meeting__url_path",
    "meeting__audience_kind",
    "meeting__audience_sector",
    "meeting__audience_area_council",
    "meeting__audience_local",
    "meeting__audience_chapter",
)


def has_voted(member, item):
    return member is not None and VoterRecord.objects.filter(item=item, member=member).exists()
