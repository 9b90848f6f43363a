"""Ballot items and the secret ballot.

How secrecy is kept (read this before changing any model here)
---------------------------------------------------------------

Two records are written when a member votes, in one transaction:

* a `VoterRecord` (item, member): that the member has voted. It holds no
  choice. Its unique constraint is what makes a second vote impossible, even
  when two app servers receive the same member's vote at the same instant.
* a `Ballot` (item, selection, receipt): what was chosen. It holds no member,
  no account, no timestamp and no sequence number.

Nothing joins the two:

* No foreign key or shared id. Ballot ids are random UUIDs.
* No insertion order. Ballots are not inserted when votes arrive: when the
  chair opens an item, one empty ballot "slot" is created for every eligible
  member, all at once, with random ids. A vote fills a free slot chosen at
  random (by a random UUID, through the primary-key index). The database
  therefore never records ballots in the order votes were cast; the table
  holds the same rows before and after, only their contents change. On
  PostgreSQL the table is created with a low fillfactor so an update stays in
  its slot's page (a "HOT" update), so even the physical placement of a filled
  ballot says nothing about when it was filled.
* No timestamp finer than the item: the item records when it opened and
  closed; a ballot records nothing about time.
* Transaction ids: PostgreSQL stamps each row version with the id of the
  transaction that wrote it (`xmin`), which would pair a ballot with its voter
  record while the item is open. Closing the item rewrites every ballot and
  every voter record of the item in one statement each (`seal`), so afterwards
  all of them carry the same transaction id, and the earlier versions are
  dead rows that VACUUM removes.
* The selection is a bit mask over the item's choices (bit n = the choice at
  position n), so a ballot is one row whatever the number of seats, and the
  tally is one aggregate query.
* The receipt code names a ballot, so it is never stored beside the account:
  the vote's answer carries it, and after the plain form's redirect it waits in
  a signed cookie in the member's own browser (never the session, which the
  database and the shared cache hold with the account), removed once shown.

What this does not protect against: someone watching the database server's
live traffic or its write-ahead log while the vote is under way. That is
the same boundary as a paper ballot box watched by someone standing over it;
the deployment guide says who may hold database credentials during a meeting.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable

from cms.blocks import PROSE_FEATURES

MAX_CHOICES = 62  # the selection is a signed 64-bit mask


class BallotItem(ClusterableModel):
    """A motion, budget or election on a meeting's agenda, voted on the meeting page."""

    class Kind(models.TextChoices):
        MOTION = "motion", "Motion"
        BUDGET = "budget", "Budget"
        ELECTION = "election", "Election"

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
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
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
        MultiFieldPanel(
            [FieldPanel("seats"), FieldPanel("requires_majority"), InlinePanel("candidates")],
            heading="Elections",
            help_text="Motions and budgets get For, Against (and Abstain) automatically.",
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
    def max_choices(self):
        return self.seats if self.is_election else 1

    def clean(self):
        if self.pk and self.state != self.State.DRAFT:
            original = type(self).objects.get(pk=self.pk)
            if original.state != self.State.DRAFT:
                raise ValidationError(
                    "This item has been opened, so it can no longer be changed. "
                    "To correct it, close it and re-run it as a new item."
                )
        if self.is_election and self.seats < 1:
            raise ValidationError({"seats": "An election fills at least one seat."})


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
    """One thing a member can choose on an item's ballot; its bit in the selection mask."""

    item = models.ForeignKey(BallotItem, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=160)
    is_abstain = models.BooleanField(default=False)

    class Meta:
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="unique_choice_position"),
            models.CheckConstraint(
                condition=models.Q(position__lt=MAX_CHOICES), name="choice_fits_the_mask"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def bit(self):
        return 1 << self.position


class VoterRecord(models.Model):
    """That a member has voted on an item. Holds no choice and no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(BallotItem, on_delete=models.PROTECT, related_name="voter_records")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="voter_records"
    )

    class Meta:
        constraints = [
            # One vote per member per item, enforced by the database itself.
            models.UniqueConstraint(fields=["item", "member"], name="one_vote_per_member_per_item")
        ]

    def __str__(self):
        return "voted"


class Ballot(models.Model):
    """What was chosen on an item. Holds no member, no time, no sequence: see the module notes.

    An empty slot has no selection; a cast ballot has a selection (0 never
    happens: abstaining is a choice) and a receipt code.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(BallotItem, on_delete=models.PROTECT, related_name="ballots")
    selection = models.BigIntegerField(null=True, blank=True)
    receipt = models.CharField(max_length=16, null=True, blank=True)
    sealed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "receipt"], name="unique_receipt_per_item")
        ]
        indexes = [
            # Finding a free slot of an item from a random starting id stays quick, however
            # many ballots other items hold. Keyed by random ids only: it records no order.
            models.Index(
                fields=["item", "id"],
                condition=models.Q(selection__isnull=True),
                name="ballot_free_slots",
            )
        ]

    def __str__(self):
        return self.receipt or "empty ballot"


class ChairAction(models.Model):
    """Every chair action, with who and when: opening, closing and re-running items."""

    class Action(models.TextChoices):
        OPEN = "open", "Opened"
        CLOSE = "close", "Closed"
        RERUN = "rerun", "Re-ran"
        EXPORT = "export", "Exported results"

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


class Presence(models.Model):
    """When a member last had the meeting page open: "members present" for the quorum."""

    meeting = models.ForeignKey(
        "meetings.MeetingPage", on_delete=models.CASCADE, related_name="presences"
    )
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="one_presence_per_member")
        ]

    def __str__(self):
        return f"present at {self.last_seen:%H:%M}"
