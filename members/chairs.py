"""What Local and Chapter chairs may see: their own unit's members' contacts, nobody else's.

Every chair view asks `chair_may_see_unit` or `chair_may_see_member` and nothing
else; both start from `chaired_units`, so the rule lives here once.
"""

from dataclasses import dataclass

from django.db.models import Q

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


def chairs_a_unit(member):
    """Whether the member chairs any Local or Chapter (one query)."""
    return Member.objects.filter(
        Q(chaired_locals__isnull=False) | Q(chaired_chapters__isnull=False), pk=member.pk
    ).exists()


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
