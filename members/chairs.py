"""What Local and Chapter chairs may see: their own unit's members' contacts, nobody else's.

Every chair view asks `chair_may_see_unit` or `chair_may_see_member` and nothing
else; both start from `chaired_units`, so the rule lives here once.
"""

from dataclasses import dataclass

from django.db.models import Q

from cms import read_ahead
from cms.prepared_queries import PreparedQuery
from cms.site_version import site_version
from members.models import Chapter, Local, Member, Standing


@dataclass(frozen=True)
class ChairedUnit:
    """A Local or Chapter the member chairs."""

    unit: Local | Chapter

    @property
    def is_local(self):
        return isinstance(self.unit, Local)

    @property
    def label(self):
        return str(self.unit)

    def members(self):
        lookup = {"local": self.unit} if self.is_local else {"chapter": self.unit}
        return Member.objects.filter(**lookup).select_related("local", "chapter")

    def contains(self, member):
        if self.is_local:
            return member.local_id == self.unit.pk
        return member.chapter_id == self.unit.pk


def chaired_units(chair):
    """The units this member chairs, if they are an active member.

    None while the chair's account waits for the Member Resource Centre's
    approval: anyone who knows a chair's member ID and family name can open
    such an account, so it must not open the unit's contact list.
    """
    if chair is None or chair.standing != Standing.ACTIVE or chair.account_needs_approval:
        return []
    locals_ = Local.objects.filter(chair=chair).select_related("sector")
    chapters = Chapter.objects.filter(chair=chair).select_related("local")
    return [ChairedUnit(unit) for unit in [*locals_, *chapters]]


# Asked on every dashboard: compiled once per process (cms/prepared_queries.py).
_CHAIRS_A_UNIT = PreparedQuery(
    lambda member_id: (
        Member.objects.filter(
            Q(chaired_locals__isnull=False) | Q(chaired_chapters__isnull=False), pk=member_id
        )
        .only("pk")
        .order_by()[:1]
    )
)


# Which member chairs a unit changes only with a save of the Local or Chapter, which moves
# the site version on (cms/site_version.py): the answer is kept under it.
CHAIRS_A_UNIT_TIMEOUT = 60 * 60


def chairs_a_unit_key(member):
    return f"chairs-a-unit-{site_version()}-{member.pk}"


def chairs_a_unit(member):
    """Whether the member chairs any Local or Chapter: one query, or none while the
    answer is in the shared cache (the dashboard reads it with its parts). Only for
    showing the way to the chair's pages: they ask `chaired_units` themselves."""
    key = chairs_a_unit_key(member)
    answer = read_ahead.get(key)
    if answer is None:
        answer = bool(_CHAIRS_A_UNIT(member.pk))
        read_ahead.put(key, answer, CHAIRS_A_UNIT_TIMEOUT)
    return answer


def chair_may_see_unit(chair, unit):
    return any(chaired.unit == unit for chaired in chaired_units(chair))


def chair_may_see_member(chair, member):
    return member is not None and any(chaired.contains(member) for chaired in chaired_units(chair))


def contact_details(member):
    """What a chair sees of a member: a name always; email and phone unless refused."""
    shared = not member.refuses_contact_sharing
    return {
        "member_id": member.member_id,
        "name": member.full_name,
        "chapter": member.chapter,
        "standing": member.get_standing_display(),
        "email": member.email if shared else "",
        "phone": member.phone if shared else "",
        "withheld": not shared,
    }


# Who may be named a meeting's chair ---------------------------------------------------


def may_chair_meetings():
    """The condition on accounts that staff may name as a meeting's chairs: members in
    active standing whose account is confirmed and need not wait for the Member Resource
    Centre's approval, as for attending a meeting. Staff sign-ins are not among them.

    A `Q` on the user model: the chair chooser lists those it admits and the chair field
    (`MeetingChair.person`, as its `limit_choices_to`) refuses anyone else."""
    members = Member.objects.with_confirmed_account().filter(
        standing=Standing.ACTIVE, account_needs_approval=False
    )
    return Q(member__in=members)


def meeting_chair_candidates():
    """The accounts staff may name as a meeting's chairs (`may_chair_meetings`), ordered
    as the chair chooser lists them, by family name."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(may_chair_meetings())
        .select_related("member__chapter__local", "member__local")
        .order_by("member__family_name", "member__given_name", "member__member_id")
    )


def person_label(user):
    """A person as the admin's pickers name them: a member by name, member ID and Chapter
    (or Local); a staff sign-in by name and username."""
    member = getattr(user, "member", None)  # None for a staff sign-in
    if member is not None:
        unit = member.chapter or member.local
        where = f", {unit}" if unit else ""
        return f"{member.family_name}, {member.given_name} (member {member.member_id}){where}"
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()
