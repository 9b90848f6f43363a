"""Ballot items and the sealed, secret ballot.

How secrecy is kept (read this before changing any model here)
---------------------------------------------------------------

A vote is sealed in the app before anything reaches the database, and opened
only when the chair closes the item (`meetings.ballots.sealing` and `counting`):

* **Casting** writes one row, a `VoterRecord` (item, member, sealed ballot). The
  sealed ballot is what the member chose and their receipt code, padded to one
  length for the item and encrypted to the meeting's public key with a
  libsodium sealed box (X25519 and XSalsa20-Poly1305: each box has a fresh key
  pair, so even two equal votes look unrelated). PostgreSQL, its statement
  log, its write-ahead log and its backups see the member beside random bytes,
  never a choice. The record's unique constraint is what makes a second vote
  impossible, also when two app servers receive the same member's vote at once
  (`ON CONFLICT DO NOTHING`: a refused second vote logs no error either).
* **The key.** The meeting's private key is never stored as it is: only wrapped
  to each of the meeting's scrutineers (`WrappedMeetingKey`), each of whom
  holds a key pair whose private half is encrypted with a key derived from
  their own passphrase (Argon2id, `ScrutineerKey`). A scrutineer unlocks the
  meeting on the chair's page; the key then waits in the shared cache, itself
  encrypted with a key derived from the app's SECRET_KEY, until voting ends,
  and is destroyed then (`sealing.destroy_meeting_key`).
* **Counting** (`counting.count_item`) happens in one transaction when the item
  closes: every sealed ballot of the item is opened in the app, the counted
  ballots (`Ballot`: item, choices, receipt; no member, no time, a random id)
  are written in a random order, and the sealed copies are erased from the
  voter records. Nothing written then follows the order of voting: all the
  ballots carry one transaction id, sit in shuffled physical order and were
  inserted in shuffled order in the write-ahead log.
* **Receipts** travel inside the sealed ballot, so the database never holds a
  receipt beside a member; the member is shown theirs when voting (from a
  signed cookie in their own browser after the plain form's redirect, never
  the session) and checks it among the counted ballots once the item closes.
* A ballot holds an ordered list of choice positions (`Ballot.choices`), so a
  ranked ballot needs no other storage, and an item may have any number of
  choices.

Who could still learn a vote is written down in docs/privacy.md: in short,
someone who can read an app server's memory (or run code on it) while the
meeting's key is unlocked, or who holds both a scrutineer's passphrase and a
copy of the database taken before the item was counted.
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable

from cms import read_ahead
from cms.blocks import PROSE_FEATURES
from meetings.ballots.ranked import INSTANT_RUNOFF, SCOTTISH_STV
from meetings.ballots.ranked import RULE_NAMES as RANKED_RULE_NAMES

MAX_CHOICES = 500  # a sanity limit on one item's ballot, not a storage one
MAX_WEIGHT = 100_000  # a sanity limit on one delegate's votes


class BallotItem(ClusterableModel):
    """A motion, budget or election on a meeting's agenda, voted on the meeting page."""

    class Kind(models.TextChoices):
        MOTION = "motion", "Motion"
        BUDGET = "budget", "Budget"
        ELECTION = "election", "Election"
        RANKED = "ranked", "Ranked election"

    class Majority(models.TextChoices):
        SIMPLE = "simple", "Simple majority (more than half of the votes cast)"
        TWO_THIRDS = "two_thirds", "Two-thirds of the votes cast"

    class State(models.TextChoices):
        DRAFT = "draft", "Not yet opened"
        OPEN = "open", "Open for voting"
        CLOSED = "closed", "Closed"

    meeting = models.ForeignKey(
        "meetings.MeetingPage",
        on_delete=models.CASCADE,
        related_name="ballot_items",
        help_text="The meeting whose members vote on it.",
    )
    position = models.PositiveSmallIntegerField(
        default=1, help_text="Order on the agenda: 1 is voted on first."
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.MOTION,
        help_text="Motions and budgets are voted for or against; elections choose candidates.",
    )
    title = models.CharField(max_length=200, help_text='e.g. "Motion 1: night-shift staffing".')
    text = RichTextField(
        features=PROSE_FEATURES,
        blank=True,
        help_text="The motion as moved, the budget summary, or the position being elected.",
    )
    majority = models.CharField(
        max_length=12,
        choices=Majority.choices,
        default=Majority.SIMPLE,
        help_text="For motions and budgets. Abstentions are not votes cast.",
    )
    seats = models.PositiveSmallIntegerField(
        default=1, help_text="For elections: how many are elected. Members choose up to this many."
    )
    counting_rule = models.CharField(
        max_length=20,
        choices=[(code, name) for code, name in RANKED_RULE_NAMES.items()],
        default=SCOTTISH_STV,
        blank=True,  # forms that leave it out (motions, plain elections) keep the default
        help_text=(
            "For ranked elections: how the rankings are counted. Instant-runoff fills one "
            "seat; the single transferable vote (Scottish STV rules 2007) fills one or "
            "more. The rule is stated on the ballot and in the results."
        ),
    )
    requires_majority = models.BooleanField(
        default=False,
        help_text=(
            "For elections: a candidate needs more than half of the ballots cast to be "
            "elected. Seats left unfilled are re-run without the lowest candidate."
        ),
    )
    allow_abstain = models.BooleanField(
        default=True, help_text="Offer an explicit “Abstain” choice."
    )
    recorded = models.BooleanField(
        default=False,
        verbose_name="recorded (named) vote",
        help_text=(
            "A named vote, as executive boards hold: the ballot says plainly that the vote "
            "is not secret, and the results list who voted what. Leave unticked for a "
            "secret ballot. Set before the item opens."
        ),
    )
    acclaimed = models.BooleanField(
        default=False,
        editable=False,
        help_text="Candidates declared elected by acclamation: no vote was opened.",
    )
    outside_counts_added_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the chair added the counts taken outside the site to the totals.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The meeting key the item's ballots are sealed to (set when it opens), and when its
    # sealed ballots were counted (a closed item with none yet is still being counted).
    ballot_key = models.ForeignKey(
        "MeetingKey",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        editable=False,
    )
    counted_at = models.DateTimeField(null=True, blank=True, editable=False)
    rerun_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reruns",
        editable=False,
        help_text="The item this one re-runs; both stay in the record.",
    )

    panels = [
        FieldPanel("meeting"),
        FieldRowPanel([FieldPanel("position"), FieldPanel("kind")]),
        FieldPanel("title"),
        FieldPanel("text"),
        MultiFieldPanel(
            [FieldPanel("majority"), FieldPanel("allow_abstain")],
            heading="Motions and budgets",
        ),
        FieldPanel("recorded"),
        MultiFieldPanel(
            [
                FieldPanel("seats"),
                FieldPanel("requires_majority"),
                FieldPanel("counting_rule"),
                InlinePanel("candidates"),
            ],
            heading="Elections",
            help_text=(
                "Motions and budgets get For, Against (and Abstain) automatically. In a "
                "ranked election members rank as many candidates as they like; it has no "
                "Abstain choice and “needs a majority” does not apply."
            ),
        ),
    ]

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = "ballot item"
        # Who opens and closes items is the meeting's own list of chairs
        # (`MeetingPage.may_chair`), not a permission.

    def __str__(self):
        return self.title

    @property
    def is_election(self):
        return self.kind == self.Kind.ELECTION

    @property
    def is_ranked(self):
        """A ranked election: members rank candidates; counted by `counting_rule`."""
        return self.kind == self.Kind.RANKED

    @property
    def has_candidates(self):
        return self.kind in (self.Kind.ELECTION, self.Kind.RANKED)

    @property
    def is_counted(self):
        """Closed and its sealed ballots counted: its results and receipts are published."""
        return self.state == self.State.CLOSED and self.counted_at is not None

    @property
    def max_choices(self):
        if self.is_ranked:
            # A member ranks as many of the candidates as they like.
            return len(self.choices.all())
        return self.seats if self.is_election else 1

    def clean(self):
        if self.pk and self.state != self.State.DRAFT:
            original = type(self).objects.get(pk=self.pk)
            if original.state != self.State.DRAFT:
                raise ValidationError(
                    "This item has been opened, so it can no longer be changed. "
                    "To correct it, close it and re-run it as a new item."
                )
        if not self.counting_rule:
            self.counting_rule = SCOTTISH_STV
        if self.has_candidates and self.seats < 1:
            raise ValidationError({"seats": "An election fills at least one seat."})
        if self.is_ranked and self.counting_rule == INSTANT_RUNOFF and self.seats != 1:
            raise ValidationError(
                {
                    "counting_rule": "Instant-runoff fills one seat: choose the single "
                    "transferable vote to fill several."
                }
            )


class Candidate(Orderable):
    """A candidate in an election (motions and budgets get their choices automatically)."""

    item = ParentalKey(BallotItem, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=160, help_text="As it should appear on the ballot.")
    statement = models.CharField(
        max_length=300, blank=True, help_text="Optional: a line about the candidate."
    )

    panels = [FieldPanel("name"), FieldPanel("statement")]

    def __str__(self):
        return self.name


class Choice(models.Model):
    """One thing a member can choose on an item's ballot, at its position."""

    item = models.ForeignKey(BallotItem, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=160)
    is_abstain = models.BooleanField(default=False)

    class Meta:
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="unique_choice_position"),
            models.CheckConstraint(
                condition=models.Q(position__lt=MAX_CHOICES), name="choice_position_in_range"
            ),
        ]

    def __str__(self):
        return self.label


class VoterRecord(models.Model):
    """That a member has voted on an item, with their ballot sealed until the count.

    `sealed_ballot` is encrypted to the meeting's key (`sealing.seal_ballot`) and
    erased when the item is counted; it holds no time.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(BallotItem, on_delete=models.PROTECT, related_name="voter_records")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="voter_records"
    )
    sealed_ballot = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            # One vote per member per item, enforced by the database itself.
            models.UniqueConstraint(fields=["item", "member"], name="one_vote_per_member_per_item")
        ]

    def __str__(self):
        return "voted"


class Ballot(models.Model):
    """A counted ballot: what was chosen on an item. Holds no member, no time and no
    sequence (see the module notes); written only by the count, in random order.

    `choices` is the chosen choices' positions, in the member's order of
    preference (in position order on an unranked ballot), e.g. "2" or "0,3".
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(BallotItem, on_delete=models.PROTECT, related_name="ballots")
    choices = models.CharField(max_length=2000)
    receipt = models.CharField(max_length=16)

    class Meta:
        # Not unique: two members drawing the same code (about one chance in 200,000 for
        # an item of 100,000 ballots) must not stop the count; each finds theirs counted.
        indexes = [models.Index(fields=["item", "receipt"], name="ballot_receipt")]

    def __str__(self):
        return self.receipt

    @property
    def positions(self):
        return [int(position) for position in self.choices.split(",")]


class RankedTally(models.Model):
    """The count of a ranked election, stage by stage, as it was made when the item
    closed (`ranked_items.store_ranked_count`). Stored, not recomputed: a tie decided by
    lot must read the same every time. Holds totals only, never a ballot."""

    item = models.OneToOneField(
        BallotItem, on_delete=models.CASCADE, related_name="ranked_tally", editable=False
    )
    rule = models.CharField(max_length=20, editable=False)
    table = models.JSONField(editable=False)  # see ranked_items.count_table
    counted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Count of {self.item}"


# Keys ----------------------------------------------------------------------------------


class ScrutineerKey(models.Model):
    """A scrutineer's own key pair: the public half as it is, the private half sealed
    with a key derived from their passphrase (Argon2id), which is never stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scrutineer_key"
    )
    public_key = models.BinaryField(max_length=32, editable=False)
    locked_private_key = models.BinaryField(editable=False)
    salt = models.BinaryField(max_length=16, editable=False)
    opslimit = models.PositiveBigIntegerField(editable=False)
    memlimit = models.PositiveBigIntegerField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Ballot key of {self.user}"


class MeetingKey(models.Model):
    """The key pair a meeting's ballots are sealed to. Only the public half is stored as
    it is; the private half exists only wrapped for each scrutineer
    (`WrappedMeetingKey`), and in the shared cache while a scrutineer has unlocked it."""

    meeting = models.ForeignKey(
        "meetings.MeetingPage", on_delete=models.CASCADE, related_name="ballot_keys"
    )
    public_key = models.BinaryField(max_length=32, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        get_latest_by = "created_at"

    def __str__(self):
        return f"Ballot key {self.pk} of meeting {self.meeting_id}"


class WrappedMeetingKey(models.Model):
    """A meeting's private key, sealed to one scrutineer's public key."""

    meeting_key = models.ForeignKey(MeetingKey, on_delete=models.CASCADE, related_name="wrapped")
    scrutineer = models.ForeignKey(
        ScrutineerKey, on_delete=models.CASCADE, related_name="meeting_keys"
    )
    sealed_private_key = models.BinaryField(editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting_key", "scrutineer"], name="one_wrapped_key_per_scrutineer"
            )
        ]

    def __str__(self):
        return f"{self.meeting_key} for {self.scrutineer}"


class ChairAction(models.Model):
    """Every chair action, with who and when: opening, closing and re-running items."""

    class Action(models.TextChoices):
        OPEN = "open", "Opened"
        CLOSE = "close", "Closed"
        RERUN = "rerun", "Re-ran"
        EXPORT = "export", "Exported results"
        UNLOCK = "unlock", "Unlocked the sealed ballots"
        END_VOTING = "end_voting", "Ended the meeting's voting and destroyed its ballot key"
        # Business from the floor (meetings.floor.business).
        MOTION = "motion", "Added a motion from the floor"
        AMENDMENT = "amendment", "Added an amendment from the floor"
        AMENDED = "amended", "Amended the motion, as carried"
        NOMINATION = "nominate", "Took a nomination from the floor"
        REORDER = "reorder", "Moved on the agenda"
        ACCLAIM = "acclaim", "Declared elected by acclamation"
        OUTSIDE = "outside", "Entered a count taken outside the site"
        OUTSIDE_IN = "outside_in", "Added the counts taken outside the site to the totals"

    meeting = models.ForeignKey(
        "meetings.MeetingPage", on_delete=models.CASCADE, related_name="chair_actions"
    )
    item = models.ForeignKey(BallotItem, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%H:%M:%S} {self.actor_name} {self.get_action_display().lower()}"


class RecordedVote(models.Model):
    """Who voted what on a recorded (named, not secret) item: written by the count from
    the sealed ballots, which the item's ballot said would be published with names."""

    item = models.ForeignKey(BallotItem, on_delete=models.CASCADE, related_name="recorded_votes")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    member_name = models.CharField(max_length=200)
    choices = models.CharField(max_length=2000)  # labels in the member's order, "; " between

    class Meta:
        ordering = ["item", "member_name"]
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="one_recorded_vote_each")
        ]

    def __str__(self):
        return f"{self.member_name}: {self.choices}"


class OutsideCount(models.Model):
    """A count taken outside the site: a show of hands in the room, or tellers polling
    members on the telephone, entered by the chair. Shown apart from the site's ballots
    and added to the totals only when the chair says so (`BallotItem.outside_counts_added_at`)."""

    class Method(models.TextChoices):
        HANDS = "hands", "Show of hands in the room"
        TELLERS = "tellers", "Tellers' count of members on the telephone"

    item = models.ForeignKey(BallotItem, on_delete=models.CASCADE, related_name="outside_counts")
    method = models.CharField(max_length=10, choices=Method.choices)
    voters = models.PositiveIntegerField(help_text="How many members voted in this count.")
    votes = models.JSONField(help_text="{choice position: votes}")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_by_name = models.CharField(max_length=200)
    entered_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True, help_text='e.g. "tellers: J. Ruiz"')

    class Meta:
        ordering = ["item", "entered_at"]

    def __str__(self):
        return f"{self.get_method_display()}, entered by {self.entered_by_name}"


class DelegateWeight(models.Model):
    """How many votes a delegate casts at a delegate meeting (a Local's convention
    delegate carrying their members' votes). A delegate without one has one vote.

    A weight never travels with a ballot: the count splits a weighted vote into that
    many unit ballots (`counting._open_all`), so a weight few delegates share cannot
    single out their ballot among the counted ones."""

    meeting = models.ForeignKey(
        "meetings.MeetingPage", on_delete=models.CASCADE, related_name="delegate_weights"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="delegate_weights"
    )
    weight = models.PositiveIntegerField(
        help_text="How many votes this delegate casts at this meeting (1 or more)."
    )

    panels = [FieldPanel("meeting"), FieldPanel("member"), FieldPanel("weight")]

    class Meta:
        verbose_name = "delegate weight"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="one_weight_per_delegate"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=MAX_WEIGHT),
                name="delegate_weight_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.weight} votes"

    # The meeting page shows a delegate their weight from the shared cache; a change made
    # in the admin replaces it at once. (The count reads the table itself.)
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete(WEIGHT_KEY.format(meeting=self.meeting_id, member=self.member_id))

    def delete(self, *args, **kwargs):
        cache.delete(WEIGHT_KEY.format(meeting=self.meeting_id, member=self.member_id))
        return super().delete(*args, **kwargs)

    def clean(self):
        if self.meeting_id:
            weights_may_change(self.meeting)


def weights_may_change(meeting, *, lock=False):
    """The one rule for when delegates' weights may change: not while an item is open,
    whose ballots would be counted with weights they were not cast under. Raises
    ValidationError saying so. With `lock`, holds the meeting's items until the
    transaction ends, so none opens before the change is written."""
    items = BallotItem.objects.filter(meeting_id=meeting.pk)
    if lock:
        items = items.select_for_update()
    open_titles = [
        title
        for title, state in items.values_list("title", "state")
        if state == BallotItem.State.OPEN
    ]
    if open_titles:
        raise ValidationError(
            f"Voting is open on “{open_titles[0]}”: delegates' weights can change "
            "only when no item is open. Change them after it closes."
        )


WEIGHT_KEY = "delegate-weight-{meeting}-{member}"
WEIGHT_TIMEOUT = 3600  # seconds


def delegate_weight(meeting_id, member):
    """The number of votes the member casts at the meeting: their weight, else 1. From
    the shared cache (the meeting page asks on every load)."""
    if member is None:
        return 1
    key = WEIGHT_KEY.format(meeting=meeting_id, member=member.pk)
    weight = read_ahead.get(key)
    if weight is None:
        weight = (
            DelegateWeight.objects.filter(meeting_id=meeting_id, member=member)
            .values_list("weight", flat=True)
            .first()
        ) or 1
        read_ahead.put(key, weight, WEIGHT_TIMEOUT)
    return weight
