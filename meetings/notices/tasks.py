"""Background tasks of the meetings app (Django's tasks framework, through django-tasks)."""

from django.utils import timezone
from django_tasks import task

from meetings.notices import sending as notices


@task()
def send_meeting_notices(notice_id: int | None = None) -> dict:
    """Send the meeting-notice deliveries that are due: of one notice, or all of them.

    Failures are recorded on each delivery. When some will be tried again, and
    the task backend can run a task later (the database backend can), this
    task queues itself for when the first of them is due; the
    `send_meeting_notices` command sweeps up after any backend.
    """
    report = notices.send_due_deliveries(notice_id=notice_id)
    retry_at = notices.next_retry_at(notice_id=notice_id)
    if retry_at is not None:
        notices.enqueue_sending(notice_id, run_after=max(retry_at, timezone.now()))
    return {"sent": report.sent, "failed": report.failed, "cancelled": report.cancelled}
