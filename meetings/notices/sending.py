"""Meeting notices: who gets one, writing one down when a meeting is published, sending it.

When a meeting is first published with a start time still ahead, every member
who may attend it and wants meeting notices by email gets one notice; when the
start time moves, the same audience gets a "time changed" notice. Republishing
without moving the time sends nothing.

`record_meeting_notice` writes the notice and one `NoticeDelivery` per
recipient in the publish's transaction; after it commits, the background task
(`meetings.notices.tasks.send_meeting_notices`) sends them with `send_due_deliveries`.
A failed delivery is retried with a growing wait, by the task where the task
backend can run a task later, and by the `send_meeting_notices` command (run it
from cron) everywhere, up to `MAX_ATTEMPTS` tries. Nothing waits only in memory:
whatever has not gone out is in the database.

The emails never carry the video link, dial-in number or passcode: emails get
forwarded, and the meeting page shows those only to members who may attend.
"""

import contextlib
import dataclasses
import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from home.models import MemberResourceCentre
from meetings.models import (
    ROOM_OPENS_BEFORE,
    MeetingNotice,
    MeetingPage,
    NoticeDelivery,
    meeting_calendar,
)
from members.audience import load_account_confirmation

logger = logging.getLogger(__name__)

# Deliveries sent over one SMTP connection, in one database transaction.
BATCH_SIZE = 50
# A delivery is tried this many times in all before it is left for staff to look at.
MAX_ATTEMPTS = 6
# The wait after the first failure; it doubles after each further failure
# (5, 10, 20, 40 and 80 minutes: about two and a half hours in all).
FIRST_RETRY_AFTER = datetime.timedelta(minutes=5)

Status = NoticeDelivery.Status


# Who ------------------------------------------------------------------------------


def notice_recipients(meeting):
    """Who gets a meeting's emailed notice: eligible members who want it, by email."""
    return meeting.eligible_members().receiving_emailed_notices()


# Writing a notice down ---------------------------------------------------------------


def record_meeting_notice(meeting, *, now=None):
    """Write down the notice a just-published meeting needs, if it needs one.

    The first publish with a start time still ahead gets an initial notice; a
    publish that moves the start time gets a "time changed" notice; any other
    publish gets none. The notice and its deliveries are written in the
    caller's transaction (the publish), and sending starts once it commits.
    Copies of an earlier notice that have not gone out yet are cancelled: they
    announce a time that no longer holds. Returns the new notice, or None.
    """
    now = now or timezone.now()
    if meeting.starts_at is None or meeting.starts_at <= now:
        return None
    with transaction.atomic():
        # Two publishes of one meeting at once (two editors, two app servers)
        # take turns here, so only one of them writes the notice.
        list(Page.objects.select_for_update().filter(pk=meeting.pk).values_list("pk"))
        last = MeetingNotice.objects.filter(meeting=meeting).order_by("-pk").first()
        if last is not None and last.starts_at == meeting.starts_at:
            return None
        notice = MeetingNotice.objects.create(
            meeting=meeting,
            kind=MeetingNotice.Kind.INITIAL if last is None else MeetingNotice.Kind.TIME_CHANGED,
            starts_at=meeting.starts_at,
        )
        NoticeDelivery.objects.filter(
            notice__meeting=meeting, status__in=[Status.PENDING, Status.FAILED]
        ).exclude(notice=notice).update(
            status=Status.CANCELLED, last_error="A later notice of this meeting replaced it."
        )
        recipients = notice_recipients(meeting).order_by("pk").values_list("pk", flat=True)
        NoticeDelivery.objects.bulk_create(
            [NoticeDelivery(notice=notice, member_id=member_pk) for member_pk in recipients],
            batch_size=1000,
        )
        logger.info(
            "Meeting %s: %s for %s recipients",
            meeting.pk,
            notice.get_kind_display().lower(),
            notice.deliveries.count(),
        )
        notice_id = notice.pk
        # robust: if the queue cannot be reached, the publish still stands and the
        # command's sweep sends the deliveries.
        transaction.on_commit(lambda: enqueue_sending(notice_id), robust=True)
    return notice


def record_missing_notices(*, now=None):
    """Write down the notices that publishes should have written but did not.

    Upcoming live meetings whose current start time no notice has announced:
    for example when the publish committed but writing its notice failed (the
    admin's publish is not always one transaction). The command's sweep calls
    this, so a missed notice is late rather than lost. Returns the new notices.
    """
    now = now or timezone.now()
    announced = (
        MeetingNotice.objects.filter(meeting=models.OuterRef("pk"))
        .order_by("-pk")
        .values("starts_at")[:1]
    )
    meetings = (
        MeetingPage.objects.live()
        .filter(starts_at__gt=now)
        .annotate(announced=models.Subquery(announced))
        .filter(models.Q(announced__isnull=True) | ~models.Q(announced=models.F("starts_at")))
    )
    notices = [record_meeting_notice(meeting, now=now) for meeting in meetings]
    return [notice for notice in notices if notice is not None]


def enqueue_sending(notice_id=None, *, run_after=None):
    """Ask the task backend to send due deliveries (of one notice, or of all).

    With `run_after`, only where the backend can run a task later; otherwise
    the command's sweep is what retries. Returns the task result, or None.
    """
    from meetings.notices.tasks import send_meeting_notices

    task = send_meeting_notices
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return None
        task = task.using(run_after=run_after)
    return task.enqueue(notice_id=notice_id)


# Sending ------------------------------------------------------------------------------


def retry_wait(attempts):
    """How long a delivery that has failed `attempts` times waits before the next try."""
    return FIRST_RETRY_AFTER * 2 ** max(attempts - 1, 0)


def due_deliveries(*, now=None, max_attempts=MAX_ATTEMPTS, notice_id=None, wait=True):
    """Deliveries to try now: pending ones, and failed ones whose wait is over.

    A delivery that has been tried `max_attempts` times is left alone.
    """
    now = now or timezone.now()
    waited_long_enough = models.Q()
    if wait:
        waited_long_enough = models.Q(pk__in=[])
        for attempts in range(1, max_attempts):
            waited_long_enough |= models.Q(
                attempts=attempts, last_attempt_at__lte=now - retry_wait(attempts)
            )
    deliveries = NoticeDelivery.objects.filter(
        models.Q(status=Status.PENDING)
        | (models.Q(status=Status.FAILED, attempts__lt=max_attempts) & waited_long_enough)
    )
    if notice_id is not None:
        deliveries = deliveries.filter(notice_id=notice_id)
    return deliveries


def next_retry_at(*, max_attempts=MAX_ATTEMPTS, notice_id=None):
    """When the earliest failed delivery that will be tried again is due, or None."""
    failed = NoticeDelivery.objects.filter(
        status=Status.FAILED, attempts__lt=max_attempts, last_attempt_at__isnull=False
    )
    if notice_id is not None:
        failed = failed.filter(notice_id=notice_id)
    earliest_by_attempts = failed.values("attempts").annotate(
        earliest=models.Min("last_attempt_at")
    )
    return min(
        (row["earliest"] + retry_wait(row["attempts"]) for row in earliest_by_attempts),
        default=None,
    )


@dataclasses.dataclass
class SendingReport:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0

    def __str__(self):
        return f"{self.sent} sent, {self.failed} failed, {self.cancelled} not sent (out of date)"


def send_due_deliveries(
    *, notice_id=None, now=None, max_attempts=MAX_ATTEMPTS, batch_size=BATCH_SIZE, wait=True
):
    """Send every due delivery (see `due_deliveries`), `batch_size` at a time.

    Each batch is locked (other workers skip it), sent over one SMTP
    connection, and marked in the same transaction: sent, or failed with the
    error and one more attempt counted. A copy that is out of date by now (a
    later notice replaced it, the meeting was unpublished or has started, or
    the member turned email off) is cancelled instead of sent.
    """
    now = now or timezone.now()
    report = SendingReport()
    contexts = {}
    while True:
        with transaction.atomic():
            batch = list(
                due_deliveries(now=now, max_attempts=max_attempts, notice_id=notice_id, wait=wait)
                .select_related("notice__meeting", "member__local")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return report
            # Whether each may still attend is asked per copy; accounts in one query.
            load_account_confirmation(delivery.member for delivery in batch)
            _send_batch(batch, contexts, now, report)


def _send_batch(batch, contexts, now, report):
    connection = None
    try:
        connection = get_connection()
        connection.open()
    except Exception as error:  # any failure to connect is recorded per delivery
        logger.warning("Meeting notices: cannot open the mail connection: %r", error)
        for delivery in batch:
            _mark_failed(delivery, error, now)
        report.failed += len(batch)
        NoticeDelivery.objects.bulk_update(batch, UPDATED_FIELDS)
        return

    try:
        for delivery in batch:
            reason = _out_of_date(delivery, contexts, now)
            if reason:
                delivery.status = Status.CANCELLED
                delivery.last_error = reason
                report.cancelled += 1
                continue
            try:
                message = notice_email(delivery, contexts[delivery.notice_id])
                message.connection = connection
                message.send()
            except Exception as error:  # recorded, and retried later
                logger.warning(
                    "Meeting notice %s to member %s failed: %r",
                    delivery.notice_id,
                    delivery.member.member_id,
                    error,
                )
                _mark_failed(delivery, error, now)
                report.failed += 1
                # A broken connection would fail every later message too: start afresh.
                _close_quietly(connection)
            else:
                delivery.status = Status.SENT
                delivery.attempts += 1
                delivery.last_attempt_at = now
                delivery.sent_at = timezone.now()
                delivery.last_error = ""
                report.sent += 1
    finally:
        _close_quietly(connection)
    NoticeDelivery.objects.bulk_update(batch, UPDATED_FIELDS)


UPDATED_FIELDS = ["status", "attempts", "last_error", "last_attempt_at", "sent_at"]


def _mark_failed(delivery, error, now):
    delivery.status = Status.FAILED
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        logger.error(
            "Meeting notice %s to member %s failed %s times; giving up until someone "
            "runs send_meeting_notices with a higher --max-attempts.",
            delivery.notice_id,
            delivery.member.member_id,
            delivery.attempts,
        )


def _close_quietly(connection):
    # Closing a broken connection may fail too.
    with contextlib.suppress(Exception):
        connection.close()


def _out_of_date(delivery, contexts, now):
    """Why this copy should not go out any more, or "" when it should."""
    notice = delivery.notice
    if notice.pk not in contexts:
        contexts[notice.pk] = notice_context(notice)
    context = contexts[notice.pk]
    meeting = notice.meeting
    if context["superseded"]:
        return "A later notice of this meeting replaced it."
    if not meeting.live:
        return "The meeting page was unpublished."
    if meeting.starts_at <= now:
        return "The meeting had started."
    member = delivery.member
    if not member.receives_emailed_notices:
        return "The member no longer receives meeting notices by email."
    eligibility = meeting.eligibility(member)
    if not eligibility:
        return f"The member may no longer attend: {eligibility.reason}"
    return ""


# The email -----------------------------------------------------------------------------


def notice_context(notice):
    """What every copy of one notice shares: looked up once per notice, not per member."""
    meeting = notice.meeting
    site = meeting.get_site()
    root_url = site.root_url if site else settings.WAGTAILADMIN_BASE_URL
    notices = MeetingNotice.objects.filter(meeting=meeting)
    previous = notices.filter(pk__lt=notice.pk).order_by("-pk").first()
    guide = meeting.guide if meeting.guide_id and meeting.guide.live else None
    return {
        "notice": notice,
        "meeting": meeting,
        "time_changed": notice.kind == MeetingNotice.Kind.TIME_CHANGED,
        "previous_starts_at": previous.starts_at if previous else None,
        "superseded": notices.filter(pk__gt=notice.pk).exists(),
        "meeting_url": meeting.get_full_url(),
        "sign_in_url": root_url + reverse("account_login"),
        "my_union_url": root_url + reverse("members:dashboard"),
        "preferences_url": root_url + reverse("members:my_information"),
        "guide": guide,
        "guide_url": guide.get_full_url() if guide else "",
        "room_opens_before_minutes": int(ROOM_OPENS_BEFORE.total_seconds() // 60),
        "resource_centre": MemberResourceCentre.for_site(site) if site else None,
        "calendar": meeting_calendar(meeting, None),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }


def notice_subject(notice, meeting):
    label = (
        "Time changed" if notice.kind == MeetingNotice.Kind.TIME_CHANGED else "Notice of meeting"
    )
    prefix = getattr(settings, "EMAIL_SUBJECT_PREFIX", "")
    return f"{prefix}{label}: {meeting.title}"


def notice_email(delivery, context):
    """One member's copy of a notice: plain text, an HTML alternative and the .ics entry."""
    context = {**context, "member": delivery.member}
    meeting = context["meeting"]
    message = EmailMultiAlternatives(
        subject=notice_subject(context["notice"], meeting),
        body=render_to_string("meetings/email/meeting_notice.txt", context),
        to=[delivery.member.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string("meetings/email/meeting_notice.html", context), "text/html"
    )
    message.attach(f"{meeting.slug}.ics", context["calendar"], "text/calendar")
    return message
