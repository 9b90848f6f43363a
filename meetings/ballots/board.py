"""What the meeting page shows of the ballot, for one member: built in a fixed number of queries.

Closed items' results never change, so they are cached in the shared cache
once computed; open and draft items are read fresh.
"""

from dataclasses import dataclass, field
from functools import cached_property, partial

from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils.functional import SimpleLazyObject

from cms import read_ahead
from cms.prepared_queries import PreparedQuery
from meetings.ballots.counting import count_progress
from meetings.ballots.models import BallotItem, Choice, VoterRecord
from meetings.ballots.ranked import RULE_NAMES
from meetings.ballots.ranked_items import ordinal
from meetings.ballots.results import (
    INLINE_RECEIPTS_UP_TO,
    counted_receipts,
    item_result,
    majority_needed,
)

# "-2": entries cached before the receipts moved out held them all; never read those.
RESULT_KEY = "ballot-result-2-{pk}"


@dataclass
class BoardItem:
    item: BallotItem
    choices: list
    has_voted: bool = False
    result: object = None
    counting: tuple | None = None  # (opened, to open) while a closed item is counted
    proxy_ballots: list = field(default_factory=list)  # a proxy holder's, on an open item

    @property
    def part_name(self):
        """An open item's heading, text and what it needs to carry: the same for every
        member who may attend (a shared part, cms/shared_parts.py)."""
        return f"open-item-{self.item.pk}"

    # The member's own vote form on an open item, all but its CSRF token: the same for
    # every member shown it (shared parts; a proxy's form names the giver, so never is).

    @property
    def form_start_part(self):
        return f"vote-form-{self.item.pk}-start"

    @property
    def form_end_part(self):
        return f"vote-form-{self.item.pk}-end"

    @property
    def input_type(self):
        return "checkbox" if self.item.max_choices > 1 else "radio"

    @property
    def majority_needed(self):
        """What the item needs to carry (or to elect), said on the ballot before voting."""
        return majority_needed(self.item)

    def ranks(self):
        """A ranked item's menus: [{"number": 1, "ordinal": "1st"}, ...], one per candidate."""
        count = sum(1 for choice in self.choices if not choice.is_abstain)
        return [{"number": n, "ordinal": ordinal(n)} for n in range(1, count + 1)]

    @property
    def may_acclaim(self):
        """For the chair's page: a draft election with no more candidates than seats."""
        from meetings.ballots.declared import may_acclaim

        return may_acclaim(self.item)

    @property
    def may_enter_outside_count(self):
        item = self.item
        return (
            not item.is_ranked
            and not item.acclaimed
            and item.outside_counts_added_at is None
            and (item.state == BallotItem.State.OPEN or item.is_counted)
        )

    @property
    def may_add_outside_counts(self):
        return (
            self.result is not None
            and bool(self.result.outside_counts)
            and not self.result.outside_added
        )

    @property
    def rule_name(self):
        return RULE_NAMES.get(self.item.counting_rule, "")

    @cached_property
    def receipts(self):
        """A closed item's counted receipts, sorted; read only when asked for (the API),
        so the meeting page of a large item never loads them."""
        return counted_receipts(self.item) if self.result is not None else []

    @property
    def inline_receipts(self):
        """The receipts the meeting page lists inline: a small closed item's only."""
        small = self.result is not None and self.result.ballots_cast <= INLINE_RECEIPTS_UP_TO
        return self.receipts if small else []


def closed_result(item):
    """The result of a closed item, from the shared cache when possible. (Its receipts
    are cached apart, by `results.counted_receipts_text`.)"""
    key = RESULT_KEY.format(pk=item.pk)
    cached = cache.get(key)
    if cached is None:
        cached = {"result": item_result(item)}
        cache.set(key, cached, timeout=None)
    return cached


def _result_of(item):
    return closed_result(item)["result"]


def _items_of(meeting_id):
    return BallotItem.objects.filter(meeting_id=meeting_id).order_by("position", "pk")


# The page of every member, polled all meeting long: compiled once per process
# (cms/prepared_queries.py). The items, with whether this member has voted on each...
MEMBERS_ITEMS = PreparedQuery(
    lambda meeting_id, member_id: _items_of(meeting_id).annotate(
        member_voted=Exists(VoterRecord.objects.filter(item=OuterRef("pk"), member_id=member_id))
    )
)
ITEMS = PreparedQuery(_items_of)
# ...and every item's choices, in one query.
CHOICES = PreparedQuery(
    lambda meeting_id: Choice.objects.filter(item__meeting_id=meeting_id).order_by(
        "item_id", "position"
    )
)


# The choices of the meeting's opened items, kept with the items' opening times.
OPENED_CHOICES_KEY = "meeting-opened-choices-{pk}"
OPENED_CHOICES_TIMEOUT = 60 * 60


def _choices_of(meeting_id, items, drafts):
    """{item id: [its choices]}. An item's choices are made when it opens and never change
    after (an opened item cannot be edited: `casting.opened_item_choices`), so those of
    the opened items are kept in the shared cache, valid while the meeting's opened items
    and their opening times are the ones read now. A draft item's choices are read from
    the database, and only when `drafts`: the ballot section names a draft item alone."""
    opened = tuple(
        (item.pk, item.opened_at.timestamp()) for item in items if item.opened_at is not None
    )
    key = OPENED_CHOICES_KEY.format(pk=meeting_id)
    # Every choice wanted is an opened item's: the kept ones will do.
    from_kept = not drafts or len(opened) == len(items)
    if from_kept:
        if not opened:
            return {}
        kept = read_ahead.get(key)
        if kept is not None and kept[0] == opened:
            return kept[1]
    choices = {}
    for choice in CHOICES(meeting_id):
        choices.setdefault(choice.item_id, []).append(choice)
    if from_kept:
        kept = (opened, {pk: choices.get(pk, []) for pk, _ in opened})
        read_ahead.put(key, kept, OPENED_CHOICES_TIMEOUT)
    return choices


def board(meeting, member, *, drafts=True):
    """The meeting's ballot items in agenda order, with what this member may do on each
    (`drafts`: with the draft items' choices too)."""
    items = MEMBERS_ITEMS(meeting.pk, member.pk) if member is not None else ITEMS(meeting.pk)
    choices = _choices_of(meeting.pk, items, drafts) if items else {}
    rows = []
    for item in items:
        item_choices = choices.get(item.pk, [])
        row = BoardItem(
            item=item,
            choices=item_choices,
            has_voted=getattr(item, "member_voted", False),
        )
        if item.is_counted:
            # Read when shown: a page whose results come from its shared parts
            # (cms/shared_parts.py) never reads them.
            row.result = SimpleLazyObject(partial(_result_of, item))
        elif item.state == BallotItem.State.CLOSED:
            row.counting = count_progress(item) or (0, None)
        rows.append(row)
    return rows


@dataclass
class ProxyBallot:
    """A proxy holder's ballot for one giver on one open item."""

    held: object  # proxies.rules.HeldProxy
    has_voted: bool
    receipt: str | None = None  # shown once on the page after the plain form's vote

    @property
    def suffix(self):
        # Keeps each form's ids (and so its labels) its own on the page.
        return f"-for-{self.held.giver_member_id}"

    @property
    def on_behalf_of(self):
        return self.held.giver_member_id

    @property
    def giver_name(self):
        return self.held.giver_name


def add_proxy_ballots(open_rows, held):
    """Give each open row one ballot per proxy the member holds (`held`, from
    `proxies.rules.member_proxies`), with whether the giver's vote is in: one query."""
    voted = set(
        VoterRecord.objects.filter(
            item__in=[row.item.pk for row in open_rows],
            member_id__in=[proxy.giver_id for proxy in held],
        ).values_list("item_id", "member_id")
    )
    for row in open_rows:
        row.proxy_ballots = [
            ProxyBallot(held=proxy, has_voted=(row.item.pk, proxy.giver_id) in voted)
            for proxy in held
        ]
