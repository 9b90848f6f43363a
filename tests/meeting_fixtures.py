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
from tests.member_fixtures import member_with_account, two_chapters


def chair_account():
    """A site user to chair meetings (chairs need no roster entry)."""
    return get_user_model().objects.create_user("chair", "chair@northwind.example", "x" * 16)


def chapter_meeting_begun(home_page, chapter, *, chairs=(), **fields):
    """A meeting of ``chapter`` (in a meeting index of its own) that began five minutes
    ago, chaired by ``chairs``."""
    meeting = MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter,
        starts_at=timezone.now() - timezone.timedelta(minutes=5),
        **fields,
    )
    if chairs:
        meeting.chairs.add(*chairs)
        meeting.save()
    return meeting


def aimed_at(kind, chapter):
    """The fields that aim a meeting with audience ``kind`` at the unit (sector, Area
    Council, Local or the Chapter itself) that holds ``chapter``."""
    unit = {
        AudienceKind.UNION: {},
        AudienceKind.SECTOR: {"audience_sector": chapter.local.sector},
        AudienceKind.AREA_COUNCIL: {"audience_area_council": chapter.local.area_council},
        AudienceKind.LOCAL: {"audience_local": chapter.local},
        AudienceKind.CHAPTER: {"audience_chapter": chapter},
    }[kind]
    return {"audience_kind": kind, **unit}


def chapter_meeting_started(home_page, **fields):
    """A Chapter's meeting that began five minutes ago, with its chair: (meeting, chair,
    the Chapter, another Chapter)."""
    chapter, other_chapter = two_chapters()
    chair = chair_account()
    meeting = chapter_meeting_begun(home_page, chapter, chairs=[chair], **fields)
    return meeting, chair, chapter, other_chapter


def meeting_under_way(home_page, *, voters=1):
    """The meeting, its chair, its open item, eligible members with accounts, and an outsider."""
    chapter, other_chapter = two_chapters()
    chair = chair_account()
    meeting = chapter_meeting_begun(home_page, chapter, chairs=[chair])
    members = [member_with_account(chapter) for _ in range(voters)]
    outsider = member_with_account(other_chapter)
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


def choice(item, label):
    """The pk of the item's choice labelled ``label``, as a ballot form posts it."""
    from meetings.ballots.models import Choice

    return Choice.objects.get(item=item, label=label).pk


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
