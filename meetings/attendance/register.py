"""Keeping the attendance register: arriving, signing out, returning, and who is present.

Every path that changes the register (the meeting page, its sign-out and return
forms) goes through these functions. Times are kept in whole minutes: the
register says who was in the room, not what they did there.
"""

from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from cms import read_ahead
from meetings.attendance.models import AttendanceRecord

# Where each member's place in the register waits between page loads, so that a page load
# costs no query once the member is checked in. Every change to the register forgets it.
# "-2": entries from before they carried the time as shown.
STAY_KEY = "attendance-2-{meeting}-{member}"
STAY_TIMEOUT = 600  # seconds


def _forget_stay(meeting, member):
    key = STAY_KEY.format(meeting=meeting.pk, member=member.pk)
    cache.delete(key)
    # Again once committed: a page load between the two may have cached the old stay.
    transaction.on_commit(lambda: cache.delete(key))


def whole_minute(moment=None):
    """The moment (now by default) with its seconds dropped: the register's resolution."""
    return (moment or timezone.now()).replace(second=0, microsecond=0)


def arrive(meeting, member, *, by_proxy=False):
    """A member's first arrival: entering the meeting room (loading the meeting page while
    it is open) checks them in, once. A member who has signed out is not checked in
    again by a page load: they return with the page's "Return to the meeting" form."""
    if AttendanceRecord.objects.filter(meeting=meeting, member=member).exists():
        return
    _check_in(meeting, member, by_proxy=by_proxy)
    _forget_stay(meeting, member)


def return_to_meeting(meeting, member, *, by_proxy=False):
    """Check a member in again after they signed out (no change while they are present)."""
    _check_in(meeting, member, by_proxy=by_proxy)
    _forget_stay(meeting, member)


def _check_in(meeting, member, *, by_proxy):
    # One statement that two racing page loads cannot both win: the register's constraint
    # allows one open stay per member, and the loser's insert is ignored.
    AttendanceRecord.objects.bulk_create(
        [
            AttendanceRecord(
                meeting=meeting, member=member, arrived_at=whole_minute(), by_proxy=by_proxy
            )
        ],
        ignore_conflicts=True,
    )
    if not by_proxy:
        _check_in_givers(meeting, member)


# Proxies: a member whose approved proxy is held by a member in the room attends by proxy.
# The holder's check-in checks in each giver not already present (by_proxy); the holder's
# sign-out ends those stays; a giver who comes in person ends their by-proxy stay and
# is checked in in person. Each member is counted once for the quorum either way.


def represent_givers(meeting, holder):
    """Check in by proxy the givers of the proxies `holder` holds, if the holder is in the
    room now (a proxy approved during the meeting, after the holder arrived)."""
    if AttendanceRecord.objects.filter(
        meeting=meeting, member_id=holder.pk, left_at__isnull=True
    ).exists():
        _check_in_givers(meeting, holder)


def _check_in_givers(meeting, holder):
    from meetings.proxies.rules import member_proxies

    held = member_proxies(meeting.pk, holder).held
    if not held:
        return
    at = whole_minute()
    AttendanceRecord.objects.bulk_create(
        [
            AttendanceRecord(meeting=meeting, member_id=p.giver_id, arrived_at=at, by_proxy=True)
            for p in held
        ],
        ignore_conflicts=True,
    )
    for p in held:
        _forget_stay(meeting, _MemberKey(p.giver_id))


def _sign_out_givers(meeting, holder):
    from meetings.proxies.rules import member_proxies

    held = member_proxies(meeting.pk, holder).held
    if held:
        sign_out_by_proxy(meeting, [p.giver_id for p in held])


def sign_out_by_proxy(meeting, giver_ids):
    """End the stays of these givers that are by proxy (their holder left, or the proxy
    ended); a giver in the room themselves stays."""
    AttendanceRecord.objects.filter(
        meeting=meeting, member_id__in=giver_ids, by_proxy=True, left_at__isnull=True
    ).update(left_at=whole_minute())
    for giver_id in giver_ids:
        _forget_stay(meeting, _MemberKey(giver_id))


@dataclass(frozen=True)
class _MemberKey:
    pk: int


def sign_out(meeting, member):
    """End the member's own stay in the meeting. Returns whether they were present."""
    with transaction.atomic():
        changed = AttendanceRecord.objects.filter(
            meeting=meeting, member=member, left_at__isnull=True
        ).update(left_at=whole_minute())
        _forget_stay(meeting, member)
        if changed:
            _sign_out_givers(meeting, member)
    return bool(changed)


def present_count(meeting):
    """How many members are in the room now: checked in and not signed out."""
    return AttendanceRecord.objects.filter(meeting=meeting, left_at__isnull=True).count()


def present_members(meeting):
    """The members in the room now, by family and given name (for choosing a mover)."""
    from members.models import Member

    return Member.objects.filter(
        pk__in=AttendanceRecord.objects.filter(meeting=meeting, left_at__isnull=True).values(
            "member_id"
        )
    ).order_by("family_name", "given_name", "member_id")


@dataclass
class MemberAttendance:
    """What the meeting page tells a member about their place in the register, with its
    time as the page shows it (in the meeting's time zone), worked out once for the stay
    rather than on every page load: `shown_for`."""

    present: bool
    since: object  # arrival of the current stay, or departure of the last one
    by_proxy: bool = False
    time_zone: str = ""  # the zone the times below are in
    since_iso: str = ""  # for <time datetime>
    since_clock: str = ""  # "2:05 p.m."

    def shown_for(self, meeting):
        """This attendance with its time shown in the meeting's zone, as the date filter
        would."""
        if meeting.time_zone == self.time_zone:
            return self
        local = timezone.localtime(self.since, meeting.zone)
        return replace(
            self,
            time_zone=meeting.time_zone,
            since_iso=date_format(local, "c"),
            since_clock=date_format(local, "g:i a"),
        )


def attendance_for(meeting, member, *, room_is_open):
    """Check the member in on their first arrival, then say where they stand.

    None when there is nothing to say (no member, or the room is not open). Once the
    member is in the register, the answer comes from the shared cache.
    """
    if member is None or not room_is_open:
        return None
    key = STAY_KEY.format(meeting=meeting.pk, member=member.pk)
    attendance = read_ahead.get(key)
    if attendance is None:
        latest = _latest_stay(meeting, member)
        if latest is not None and latest.by_proxy and latest.left_at is None:
            # Represented by their proxy holder until now: here in person from now on.
            AttendanceRecord.objects.filter(pk=latest.pk).update(left_at=whole_minute())
            latest = None
        if latest is None:
            _check_in(meeting, member, by_proxy=False)
            latest = _latest_stay(meeting, member)
        if latest.left_at is None:
            attendance = MemberAttendance(
                present=True, since=latest.arrived_at, by_proxy=latest.by_proxy
            )
        else:
            attendance = MemberAttendance(present=False, since=latest.left_at)
        attendance = attendance.shown_for(meeting)
        read_ahead.put(key, attendance, STAY_TIMEOUT)
    # A meeting whose time zone was changed after the entry was kept.
    return attendance.shown_for(meeting)


def _latest_stay(meeting, member):
    return (
        AttendanceRecord.objects.filter(meeting=meeting, member=member)
        .order_by("-arrived_at", "-pk")
        .first()
    )


REGISTER_COLUMNS = ["Member ID", "Given name", "Family name", "Arrived", "Left", "By proxy"]


def register_rows(meeting):
    """The register for the union's records, a row per stay, in the meeting's time zone."""
    zone = meeting.zone

    def local(moment):
        return "" if moment is None else timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M")

    records = (
        AttendanceRecord.objects.filter(meeting=meeting)
        .select_related("member")
        .order_by("member__family_name", "member__given_name", "member__member_id", "arrived_at")
    )
    return [
        [
            record.member.member_id,
            record.member.given_name,
            record.member.family_name,
            local(record.arrived_at),
            local(record.left_at),
            "yes" if record.by_proxy else "no",
        ]
        for record in records
    ]
