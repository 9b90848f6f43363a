"""The proxy register: who gave their proxy to whom, for which meeting, and its fate.

A proxy names a giver and a holder, both members who may attend the meeting. It
never says anything about a ballot: the holder's vote for the giver is recorded
in the giver's name (`VoterRecord`) and sealed like any other, so a counted ballot
cannot be told apart from an in-person one.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction


class Proxy(models.Model):
    """A member's proxy for one meeting: requested, approved (or refused), withdrawn or
    lapsed. At most one active (requested or approved) proxy per giver per meeting."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"
        LAPSED = "lapsed", "Lapsed (the giver voted in person)"

    class Source(models.TextChoices):
        MEMBER_REQUEST = "member", "Requested by the member"
        PAPER_FORM = "paper", "Signed paper form entered by staff"

    ACTIVE = (Status.REQUESTED, Status.APPROVED)

    meeting = models.ForeignKey(
        "meetings.MeetingPage", on_delete=models.CASCADE, related_name="proxies"
    )
    giver = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    source = models.CharField(max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was withdrawn or lapsed."
    )
    note = models.CharField(
        max_length=300, blank=True, help_text="Why it was refused, or why staff ended it."
    )

    class Meta:
        verbose_name = "proxy"
        verbose_name_plural = "proxies"
        ordering = ["created_at", "pk"]
        constraints = [
            # A member gives one proxy at a time per meeting, also when two requests race.
            models.UniqueConstraint(
                fields=["meeting", "giver"],
                condition=models.Q(status__in=["requested", "approved"]),
                name="one_active_proxy_per_giver",
            ),
            models.CheckConstraint(
                condition=~models.Q(giver=models.F("holder")), name="proxy_not_to_oneself"
            ),
        ]
        permissions = [
            (
                "manage_proxies",
                "Can see, approve, refuse, enter and export a meeting's proxy register",
            )
        ]

    def __str__(self):
        return f"proxy ({self.get_status_display().lower()})"

    # The meeting page and every vote ask which proxies a member gives and holds, from the
    # shared cache; every change to a proxy forgets both members' answers.
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_proxies(self.meeting_id, self.giver_id, self.holder_id)

    def delete(self, *args, **kwargs):
        forget_proxies(self.meeting_id, self.giver_id, self.holder_id)
        return super().delete(*args, **kwargs)

    @property
    def is_active(self):
        return self.status in self.ACTIVE


PROXIES_KEY = "proxies-{meeting}-{member}"
PROXIES_TIMEOUT = 600  # seconds


def forget_proxies(meeting_id, *member_ids):
    keys = [PROXIES_KEY.format(meeting=meeting_id, member=pk) for pk in member_ids]
    cache.delete_many(keys)
    # Again once committed: a page load between the two may have cached the old answer.
    transaction.on_commit(lambda: cache.delete_many(keys))
