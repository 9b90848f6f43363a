"""The attendance register, and the quorum taken when each ballot item opened.

The register is the union's record of who attended a meeting: one row per stay
(arrival, and departure once the member signs out), in whole minutes, and
whether the member attended by proxy. It never records anything about ballots:
no vote, no vote time, nothing that could be set beside a counted ballot.
"""

from django.db import models


class AttendanceRecord(models.Model):
    """One stay of a member in a meeting: from arrival to signing out (whole minutes)."""

    meeting = models.ForeignKey(
        "meetings.MeetingPage", on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    arrived_at = models.DateTimeField(help_text="When the member entered the meeting room.")
    left_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member signed out; empty while present."
    )
    by_proxy = models.BooleanField(
        default=False, help_text="Attended through a proxy holder rather than in person."
    )

    class Meta:
        ordering = ["arrived_at", "pk"]
        verbose_name = "attendance record"
        constraints = [
            # A member is in the room once at a time, also when two page loads race.
            models.UniqueConstraint(
                fields=["meeting", "member"],
                condition=models.Q(left_at__isnull=True),
                name="one_open_stay_per_member",
            )
        ]
        permissions = [
            (
                "export_attendance_register",
                "Can export a meeting's attendance register (names and times)",
            )
        ]

    def __str__(self):
        return f"attended from {self.arrived_at:%H:%M}"


class QuorumAtOpening(models.Model):
    """How many members were present, against the quorum, when a ballot item opened."""

    item = models.OneToOneField(
        "meetings.BallotItem", on_delete=models.CASCADE, related_name="quorum_at_opening"
    )
    present = models.PositiveIntegerField()
    needed = models.PositiveIntegerField(help_text="The quorum then (0: none).")
    held = models.BooleanField()
    reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why the chair opened the vote without quorum, when they did.",
    )

    class Meta:
        verbose_name = "quorum at opening"
        verbose_name_plural = "quorums at opening"

    def __str__(self):
        return f"{self.present} present, {self.needed} needed"
