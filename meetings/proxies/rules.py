"""The proxy rules, in one place: the member's request, staff approval, refusal and
paper forms, withdrawal, and what the meeting page and every vote ask about proxies.

* A proxy is between two members who may both attend the meeting
  (`MeetingPage.eligibility`, which includes being in its audience).
* The meeting sets how many proxies one member may hold (`MeetingPage.proxy_cap`,
  default 1; 0 means the meeting takes no proxies).
* No chains: a member who gives their proxy cannot hold one, and a holder cannot
  give theirs (requested proxies count here, so that two requests cannot make one).
* One active (requested or approved) proxy per giver per meeting (also a database
  constraint).
* A proxy lapses, for the rest of the meeting, when the giver votes in person on any
  item (`meetings.ballots.casting`): items the holder already voted on for them stay
  voted; the voter record is per giver per item, so neither can vote twice.

Every change takes the meeting's row lock first, so two approvals at once cannot take
a holder past the cap or make a chain; a refusal raises `ProxyRefused` and changes nothing.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cms import read_ahead
from cms.prepared_queries import PreparedQuery
from meetings.attendance.register import represent_givers
from meetings.proxies.models import PROXIES_KEY, PROXIES_TIMEOUT, Proxy

Status = Proxy.Status

# Said whenever the member ID and family name a member typed do not name a member who may
# attend: the same words whether the ID is unknown, the name wrong or the member not
# eligible, so that the form reveals nothing about the roster.
HOLDER_NOT_FOUND = (
    "No member who may attend this meeting has that member ID and family name. "
    "Check both with the member you want to give your proxy to."
)


class ProxyRefused(Exception):
    """A proxy change that was not made, and why, in words for the person asking."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


def _lock_meeting(meeting):
    """Serialise every change to the meeting's proxy register (PostgreSQL row lock;
    SQLite serialises writes anyway). FOR NO KEY UPDATE: votes, which only reference
    the meeting, are not held up."""
    from meetings.models import MeetingPage

    list(
        MeetingPage.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=meeting.pk)
        .values_list("pk", flat=True)
    )


def _decider(proxy, user, status):
    proxy.status = status
    proxy.decided_by = user
    proxy.decided_by_name = user.get_full_name() or user.get_username()
    proxy.decided_at = timezone.now()


def check_proxy(meeting, giver, holder, *, exclude=None):
    """Raise ProxyRefused unless `giver` may give their proxy to `holder` at the meeting
    now: the one rule that a request, an approval and a paper form all pass."""
    from meetings.ballots.models import VoterRecord

    if meeting.proxy_cap == 0:
        raise ProxyRefused("This meeting does not take proxies.", "no_proxies")
    if meeting.is_past():
        raise ProxyRefused("This meeting is over.", "meeting_over")
    if giver.pk == holder.pk:
        raise ProxyRefused("A member cannot give their proxy to themselves.", "to_self")
    eligibility = meeting.eligibility(giver)
    if not eligibility:
        raise ProxyRefused(
            f"{giver.full_name} may not attend this meeting, so cannot give a proxy: "
            f"{eligibility.reason}",
            "giver_ineligible",
        )
    if not meeting.is_eligible(holder):
        raise ProxyRefused(
            f"{holder.full_name} may not attend this meeting, so cannot hold a proxy.",
            "holder_ineligible",
        )
    active = Proxy.objects.filter(meeting=meeting, status__in=Proxy.ACTIVE)
    if exclude is not None:
        active = active.exclude(pk=exclude)
    if active.filter(giver=giver).exists():
        raise ProxyRefused(
            f"{giver.full_name} has already given their proxy for this meeting.", "already_given"
        )
    if active.filter(holder=giver).exists():
        raise ProxyRefused(
            f"{giver.full_name} holds a proxy for this meeting, so cannot give theirs "
            "(proxies cannot be passed on).",
            "giver_holds",
        )
    if active.filter(giver=holder).exists():
        raise ProxyRefused(
            f"{holder.full_name} has given their own proxy for this meeting, so cannot hold "
            "one (proxies cannot be passed on).",
            "holder_gives",
        )
    held = active.filter(holder=holder, status=Status.APPROVED).count()
    if held >= meeting.proxy_cap:
        raise ProxyRefused(
            f"{holder.full_name} already holds {held} prox{'y' if held == 1 else 'ies'}, "
            f"the most one member may hold at this meeting.",
            "holder_full",
        )
    if VoterRecord.objects.filter(item__meeting=meeting, member=giver).exists():
        raise ProxyRefused(
            f"{giver.full_name} has already voted at this meeting, so cannot give a proxy now.",
            "giver_voted",
        )


def request_proxy(meeting, giver, member_id, family_name):
    """The member's own request to give their proxy to the member with that member ID
    and family name; staff approve it. Members ask until the meeting starts."""
    from members.models import Member

    if timezone.now() >= meeting.starts_at:
        raise ProxyRefused(
            "Proxies can be requested only before the meeting starts. The Member Resource "
            "Centre can enter a signed paper proxy form.",
            "too_late",
        )
    holder = Member.objects.filter(
        member_id=(member_id or "").strip(), family_name__iexact=(family_name or "").strip()
    ).first()
    if holder is None or not meeting.is_eligible(holder):
        raise ProxyRefused(HOLDER_NOT_FOUND, "holder_not_found")
    with transaction.atomic():
        _lock_meeting(meeting)
        check_proxy(meeting, giver, holder)
        return Proxy.objects.create(
            meeting=meeting, giver=giver, holder=holder, source=Proxy.Source.MEMBER_REQUEST
        )


def enter_paper_proxy(meeting, giver, holder, user):
    """Staff enter a proxy from a signed paper form: approved as it is entered."""
    with transaction.atomic():
        _lock_meeting(meeting)
        check_proxy(meeting, giver, holder)
        proxy = Proxy(meeting=meeting, giver=giver, holder=holder, source=Proxy.Source.PAPER_FORM)
        _decider(proxy, user, Status.APPROVED)
        proxy.save()
        represent_givers(meeting, holder)
        return proxy


def _locked(meeting, proxy_id):
    proxy = (
        Proxy.objects.select_for_update(of=("self",))
        .select_related("giver__local", "holder__local")
        .filter(pk=proxy_id, meeting=meeting)
        .first()
    )
    if proxy is None:
        raise ProxyRefused("There is no such proxy for this meeting.", "not_found")
    return proxy


# What staff may act on: the status a proxy must have, and the refusal otherwise.
WAITING = (Status.REQUESTED, "waiting for approval", "not_requested")
APPROVED = (Status.APPROVED, "approved", "not_approved")


def _locked_as(meeting, proxy_id, expected):
    """The proxy, locked with the meeting: refused unless it has the `expected` status
    (`WAITING` or `APPROVED`)."""
    status, said, code = expected
    _lock_meeting(meeting)
    proxy = _locked(meeting, proxy_id)
    if proxy.status != status:
        raise ProxyRefused(f"This proxy is {proxy.get_status_display().lower()}, not {said}.", code)
    return proxy


def approve_proxy(meeting, proxy_id, user):
    """Membership staff approve a member's request, if the rules still allow it."""
    with transaction.atomic():
        proxy = _locked_as(meeting, proxy_id, WAITING)
        check_proxy(meeting, proxy.giver, proxy.holder, exclude=proxy.pk)
        _decider(proxy, user, Status.APPROVED)
        proxy.save()
        represent_givers(meeting, proxy.holder)
        return proxy


def refuse_proxy(meeting, proxy_id, user, reason=""):
    """Membership staff refuse a member's request (the reason is shown to the member)."""
    with transaction.atomic():
        proxy = _locked_as(meeting, proxy_id, WAITING)
        _decider(proxy, user, Status.REFUSED)
        proxy.note = reason.strip()[:300]
        proxy.save()
        return proxy


def end_proxy(meeting, proxy_id, user, reason):
    """Membership staff end an approved proxy: the giver asked them to (by telephone, say,
    once the meeting has started and the member page no longer lets them), or it was
    entered by mistake. Votes the holder already cast for the giver stand; from now on
    the holder votes for them no more (the vote takes the proxy's row lock), and a giver
    present only by proxy leaves the register."""
    from meetings.attendance.register import sign_out_by_proxy

    reason = reason.strip()
    if not reason:
        raise ProxyRefused("Say why the proxy ends: the member sees it.", "no_reason")
    with transaction.atomic():
        proxy = _locked_as(meeting, proxy_id, APPROVED)
        name = user.get_full_name() or user.get_username()
        proxy.status = Status.WITHDRAWN
        proxy.ended_at = timezone.now()
        proxy.note = f"{reason[:200]} (ended by {name})"[:300]
        proxy.save()
        sign_out_by_proxy(meeting, [proxy.giver_id])
        return proxy


def withdraw_proxy(meeting, giver):
    """The giver takes back their request, or their approved proxy before the meeting
    starts (once it has started, voting in person ends the proxy)."""
    with transaction.atomic():
        _lock_meeting(meeting)
        proxy = (
            Proxy.objects.select_for_update()
            .filter(meeting=meeting, giver=giver, status__in=Proxy.ACTIVE)
            .first()
        )
        if proxy is None:
            raise ProxyRefused("You have no proxy to withdraw for this meeting.", "not_found")
        if proxy.status == Status.APPROVED and timezone.now() >= meeting.starts_at:
            raise ProxyRefused(
                "The meeting has started, so your proxy can no longer be withdrawn. "
                "Vote in person instead: your first vote ends the proxy.",
                "too_late",
            )
        proxy.status = Status.WITHDRAWN
        proxy.ended_at = timezone.now()
        proxy.save()
        return proxy


# What the page and every vote ask --------------------------------------------------------


@dataclass(frozen=True)
class HeldProxy:
    """A proxy a member holds, as the ballot shows it."""

    proxy_id: int
    giver_id: int
    giver_member_id: str
    giver_name: str


@dataclass(frozen=True)
class ProxyShown:
    """A proxy as the member's own meeting page mentions it."""

    status: str
    giver_name: str
    holder_name: str
    note: str = ""

    @property
    def is_active(self):
        return self.status in Proxy.ACTIVE


@dataclass(frozen=True)
class MemberProxies:
    """A member's proxies at a meeting: the approved one they gave and those they hold
    (what votes need), and what their meeting page says of them."""

    given: int | None = None  # the approved proxy's id
    held: tuple = ()  # HeldProxy, approved
    last_given: ProxyShown | None = None  # the latest they gave or asked to give, any status
    holding: tuple = ()  # ProxyShown: requested, approved or lapsed, that they hold

    def holding_from(self, giver_member_id):
        for held in self.held:
            if held.giver_member_id == str(giver_member_id).strip():
                return held
        return None


NO_PROXIES = MemberProxies()


def _members_proxies(meeting_id, giver_id, holder_id):
    return (
        Proxy.objects.filter(meeting_id=meeting_id)
        .filter(Q(giver_id=giver_id) | Q(holder_id=holder_id))
        .select_related("giver", "holder")
        .only(
            "status",
            "note",
            "giver_id",
            "holder_id",
            "giver__member_id",
            "giver__given_name",
            "giver__family_name",
            "holder__given_name",
            "holder__family_name",
        )
        .order_by("giver__family_name", "giver__given_name", "created_at", "pk")
    )


# The proxies a member gives or holds at a meeting, compiled once per process
# (cms/prepared_queries.py): each member's first vote or page load after the cached
# answer lapses asks it, all at once at the start of an AGM.
MEMBERS_PROXIES = PreparedQuery(_members_proxies)


def member_proxies(meeting_id, member):
    """The member's proxies at the meeting, from the shared cache (the meeting page and
    every vote ask; every change to a proxy forgets the answer): one query on a miss."""
    if member is None:
        return NO_PROXIES
    key = PROXIES_KEY.format(meeting=meeting_id, member=member.pk)
    answer = read_ahead.get(key)
    if answer is None:
        proxies = MEMBERS_PROXIES(meeting_id, member.pk, member.pk)
        approved = [p for p in proxies if p.status == Status.APPROVED]
        given = [p for p in proxies if p.giver_id == member.pk]
        last = max(given, key=lambda p: p.pk, default=None)
        answer = MemberProxies(
            given=next((p.pk for p in approved if p.giver_id == member.pk), None),
            held=tuple(
                HeldProxy(p.pk, p.giver_id, p.giver.member_id, p.giver.full_name)
                for p in approved
                if p.holder_id == member.pk
            ),
            last_given=None if last is None else _shown(last),
            holding=tuple(
                _shown(p)
                for p in proxies
                if p.holder_id == member.pk and p.status in (*Proxy.ACTIVE, Status.LAPSED)
            ),
        )
        read_ahead.put(key, answer, PROXIES_TIMEOUT)
    return answer


def _shown(proxy):
    return ProxyShown(proxy.status, proxy.giver.full_name, proxy.holder.full_name, proxy.note)


def proxy_register(meeting):
    """The meeting's proxy register, for staff: every proxy with both members."""
    return (
        Proxy.objects.filter(meeting=meeting)
        .select_related("giver", "holder")
        .order_by("giver__family_name", "giver__given_name", "created_at")
    )


REGISTER_COLUMNS = [
    "Giver member ID",
    "Giver given name",
    "Giver family name",
    "Holder member ID",
    "Holder given name",
    "Holder family name",
    "Status",
    "Source",
    "Requested or entered",
    "Decided by",
    "Decided",
    "Withdrawn or lapsed",
    "Note",
]


def register_rows(meeting):
    zone = meeting.zone

    def local(moment):
        return "" if moment is None else timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M")

    return [
        [
            p.giver.member_id,
            p.giver.given_name,
            p.giver.family_name,
            p.holder.member_id,
            p.holder.given_name,
            p.holder.family_name,
            p.get_status_display(),
            p.get_source_display(),
            local(p.created_at),
            p.decided_by_name,
            local(p.decided_at),
            local(p.ended_at),
            p.note,
        ]
        for p in proxy_register(meeting)
    ]
