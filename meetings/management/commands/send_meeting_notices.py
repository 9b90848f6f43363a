"""Send the meeting notices that are due: run it from cron (every few minutes) or by hand.

The background task sends notices as meetings are published; this command is
the sweep that makes sure nothing is lost whatever happened to the task: it
writes down any notice a publish missed, then sends pending deliveries and
retries failed ones whose wait is over, up to the attempts cap.
"""

from django.core.management.base import BaseCommand

from meetings.models import NoticeDelivery
from meetings.notices import sending as notices


class Command(BaseCommand):
    help = "Send due meeting notices and retry failed ones (up to a number of attempts)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=notices.MAX_ATTEMPTS,
            help=(
                "Stop retrying a delivery after this many attempts in all "
                f"(default {notices.MAX_ATTEMPTS}). Raise it to try given-up deliveries again."
            ),
        )
        parser.add_argument(
            "--retry-now",
            action="store_true",
            help="Retry failed deliveries now, without waiting out their backoff.",
        )

    def handle(self, *args, max_attempts, retry_now, verbosity, **options):
        caught_up = notices.record_missing_notices()
        for notice in caught_up:
            self.stdout.write(
                f"Wrote down a missed notice: {notice.get_kind_display()} "
                f'for "{notice.meeting.title}" ({notice.deliveries.count()} recipients).'
            )
        report = notices.send_due_deliveries(max_attempts=max_attempts, wait=not retry_now)
        given_up = NoticeDelivery.objects.filter(
            status=NoticeDelivery.Status.FAILED, attempts__gte=max_attempts
        ).count()
        if verbosity:
            self.stdout.write(f"Meeting notices: {report}.")
        if given_up:
            self.stderr.write(
                f"{given_up} deliveries failed {max_attempts} times and are no longer retried; "
                "see their last error in the database, then run this command with a higher "
                "--max-attempts."
            )
