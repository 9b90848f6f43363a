"""A Chapter AGM under way with an open motion, for tests of voting and of the meeting page."""

import re

from django.contrib.auth import get_user_model
from django.utils import timezone

from meetings.ballots.chairing import open_item
from meetings.ballots.sealing import unlock_meeting
from meetings.factories import (
    SCRUTINEER_PASSPHRASE,
    BallotItemFactory,
    MeetingIndexPageFactory,
    MeetingPageFactory,
)
from meetings.models import AudienceKind
from tests.member_fixtures import give_account, member_of, two_chapters


def chapter_meeting_started(home_page, **fields):
    """A Chapter's meeting that started five minutes ago, with its chair: (meeting, chair,
    the Chapter, another Chapter)."""
    chapter, other_chapter = two_chapters()
    chair = get_user_model().objects.create_user("chair", "chair@northwind.example", "x" * 16)
    meeting = MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter,
        starts_at=timezone.now() - timezone.timedelta(minutes=5),
        **fields,
    )
    meeting.chairs.add(chair)
    meeting.save()
    return meeting, chair, chapter, other_chapter


def meeting_under_way(home_page, *, voters=1):
    """The meeting, its chair, its open item, eligible members with accounts, and an outsider."""
    meeting, chair, chapter, other_chapter = chapter_meeting_started(home_page)
    members = [member_of(chapter) for _ in range(voters)]
    for member in members:
        give_account(member)
    outsider = member_of(other_chapter)
    give_account(outsider)
    item = open_item(BallotItemFactory(meeting=meeting, title="Motion 1: safe staffing"), chair)
    unlock(meeting)
    return {
        "meeting": meeting,
        "chair": chair,
        "item": item,
        "voters": members,
        "voter": members[0],
        "outsider": outsider,
        "chapter": chapter,
    }


def unlock(meeting):
    """A scrutineer unlocks the meeting's sealed ballots, as on the chair's page (the
    meeting's key exists once an item has opened)."""
    return unlock_meeting(meeting, meeting.scrutineers.first(), SCRUTINEER_PASSPHRASE)


RECEIPT_SHOWN = re.compile(r'<strong class="receipt">([A-Z0-9]+)</strong>')


def receipt_shown(html):
    """The receipt code a page or the page script's answer shows the member, or None."""
    found = RECEIPT_SHOWN.search(html)
    return found.group(1) if found else None


def recorded(item):
    """What votes have left on an item: (voter records, sealed ballots, counted ballots)."""
    from meetings.ballots.models import Ballot, VoterRecord

    records = VoterRecord.objects.filter(item=item)
    return (
        records.count(),
        records.filter(sealed_ballot__isnull=False).count(),
        Ballot.objects.filter(item=item).count(),
    )
