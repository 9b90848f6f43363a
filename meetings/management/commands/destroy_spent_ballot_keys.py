"""Destroy the ballot keys of meetings whose voting is over.

A meeting's key is destroyed when a chair or scrutineer ends its voting on the chair's
page. This command does it for the meetings where nobody did: their room has closed and
nothing sealed to the key waits to be counted. Run it from cron (hourly is plenty); it
names any meeting whose room has closed with an item still open, which needs its chair.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from meetings.ballots.models import MeetingKey
from meetings.ballots.sealing import KeyRefused, destroy_meeting_key
from meetings.models import ROOM_STAYS_OPEN_AFTER


class Command(BaseCommand):
    help = "Destroy the ballot keys of meetings whose room has closed and whose votes are counted."

    def handle(self, *args, **options):
        closed_before = timezone.now() - ROOM_STAYS_OPEN_AFTER
        spent = MeetingKey.objects.filter(
            destroyed_at__isnull=True, meeting__ends_at__lt=closed_before
        ).select_related("meeting")
        destroyed = 0
        for meeting_key in spent:
            try:
                destroy_meeting_key(meeting_key)
            except KeyRefused:
                self.stderr.write(
                    f"{meeting_key.meeting.title}: its room has closed but voting is not "
                    "over (an item is open or not yet counted); its chair must close it."
                )
                continue
            destroyed += 1
        self.stdout.write(f"{destroyed} ballot key(s) destroyed.")
