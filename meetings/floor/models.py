"""Who moved and seconded what: motions and amendments from the floor, and nominations.

The ballot item (or the candidate) is the ballots' own row; these records say how it
came onto the agenda, so that the minutes can name the mover and the seconder.
"""

from django.conf import settings
from django.db import models


class ChairRecorded(models.Model):
    """Who at the chair's table recorded it, and when."""

    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by_name = models.CharField(max_length=200)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class FloorItem(ChairRecorded):
    """A ballot item moved from the floor: a motion, or an amendment to a motion."""

    item = models.OneToOneField(
        "meetings.BallotItem", on_delete=models.CASCADE, related_name="floor"
    )
    mover = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    seconder = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    amends = models.ForeignKey(
        "meetings.BallotItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
        help_text="For an amendment: the motion it amends.",
    )
    amended_text = models.TextField(
        blank=True, help_text="For an amendment: the whole motion as it reads if carried."
    )
    amendment_applied = models.BooleanField(
        default=False, help_text="For an amendment: carried, and the motion's text updated."
    )

    class Meta:
        verbose_name = "item from the floor"
        verbose_name_plural = "items from the floor"

    def __str__(self):
        return f"moved from the floor at {self.added_at:%H:%M}"

    @property
    def is_amendment(self):
        return self.amends_id is not None


class Nomination(ChairRecorded):
    """A nomination from the floor to an election, with the nominee's acceptance."""

    candidate = models.OneToOneField(
        "meetings.Candidate", on_delete=models.CASCADE, related_name="nomination"
    )
    nominated_by = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    seconded_by = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted = models.BooleanField(help_text="The nominee accepted the nomination.")

    class Meta:
        verbose_name = "nomination from the floor"

    def __str__(self):
        return f"nominated at {self.added_at:%H:%M}"
