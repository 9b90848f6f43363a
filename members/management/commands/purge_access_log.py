"""``manage.py purge_access_log --before 2025-01-01 --by USERNAME --reason "..."``.

Removes access-log entries older than a date, for a retention period the Privacy
Officer has set. Only a superuser account may do it, and the purge itself is logged.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from members.models import AccessLogEntry


class Command(BaseCommand):
    help = "Delete access-log entries older than a date (superusers only; the purge is logged)."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, type=datetime.date.fromisoformat)
        parser.add_argument("--by", required=True, help="The superuser's username.")
        parser.add_argument("--reason", required=True, help="Why, e.g. the retention rule.")

    def handle(self, *args, before, by, reason, **options):
        user = get_user_model().objects.filter(username=by).first()
        cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time.min))
        try:
            count = AccessLogEntry.objects.purge(before=cutoff, by=user, reason=reason)
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Purged {count} access log entries older than {before}.")
