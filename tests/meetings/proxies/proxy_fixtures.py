"""A Chapter meeting with members who may attend, for the proxy tests."""

from django.utils import timezone

from meetings.ballots.chairing import open_item
from meetings.factories import BallotItemFactory, MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import AudienceKind
from meetings.proxies.models import Proxy
from tests.meeting_fixtures import chair_account, unlock
from tests.member_fixtures import member_with_account, two_chapters


def proxy_meeting(home_page, *, members=5, started=False, **fields):
    """A Chapter meeting next week (or begun five minutes ago), its chair, eligible
    members with accounts and an outsider from another Chapter."""
    chapter, other = two_chapters()
    chair = chair_account()
    if started:
        fields["starts_at"] = timezone.now() - timezone.timedelta(minutes=5)
    meeting = MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter,
        **fields,
    )
    meeting.chairs.add(chair)
    meeting.save()
    return {
        "meeting": meeting,
        "chair": chair,
        "members": [member_with_account(chapter) for _ in range(members)],
        "outsider": member_with_account(other),
    }


def approved(meeting, giver, holder, staff=None):
    """An approved proxy, as staff leave it (made directly: the rules are tested apart)."""
    return Proxy.objects.create(
        meeting=meeting,
        giver=giver,
        holder=holder,
        status=Proxy.Status.APPROVED,
        source=Proxy.Source.PAPER_FORM,
        decided_by_name="Membership staff",
        decided_at=timezone.now(),
    )


def open_motion(meeting, chair, title="Motion 1: safe staffing"):
    item = open_item(BallotItemFactory(meeting=meeting, title=title), chair)
    unlock(meeting)
    return item
