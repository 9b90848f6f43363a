"""The emailed meeting notice, written down when a meeting is published: one
`MeetingNotice` per announcement, one `NoticeDelivery` per member's copy.

Who gets one and how they are sent: `meetings.notices.sending`."""

from django.db import models


class MeetingNotice(models.Model):
    """One emailed notice of a meeting: sent when it is first published, and again
    when its start time moves. Each member's copy is a `NoticeDelivery`.

    Written when the meeting is published (see `meetings.signals`), in the same
    transaction as the publish when there is one.
    """

    class Kind(models.TextChoices):
        INITIAL = "initial", "Notice of meeting"
        TIME_CHANGED = "time_changed", "Time changed"

    meeting = models.ForeignKey(
        "meetings.MeetingPage", on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField(help_text="The start time this notice announced.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]
        permissions = [
            (
                "export_mailing_list",
                "Can export a meeting's mailing list (names and postal addresses)",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.meeting.title} ({self.created_at:%Y-%m-%d})"


class NoticeDelivery(models.Model):
    """One member's copy of a meeting notice, and whether it has gone out yet.

    The task and the `send_meeting_notices` command send the pending and failed
    ones; a member gets each notice at most once (the unique constraint).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will be retried)"
        CANCELLED = "cancelled", "Not sent (out of date, or the member opted out)"

    notice = models.ForeignKey(MeetingNotice, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="notice_deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "notice deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "member"], name="one_delivery_per_member_per_notice"
            )
        ]
        indexes = [models.Index(fields=["status", "notice"], name="notice_delivery_status_idx")]

    def __str__(self):
        return f"{self.notice} to member {self.member_id}: {self.get_status_display()}"
