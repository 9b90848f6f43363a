"""Who a piece of content or a meeting is for, decided in one place.

`signed_in_member` is the single answer to "is this request a member we may
personalise for?". `Audience` is the single answer to "is this member in this
unit, or in this meeting's audience?": a meeting, a page aimed at units, a
members-only section and an editor's preview all build one and ask it, in
Python (`Audience.includes`), as a roster query (`Audience.members`), or the
other way round, which things' audiences include a member (`reaching`).
"""

from dataclasses import dataclass

from django.db.models import Q

from cms.prepared_queries import PreparedQuery


def signed_in_member(request):
    """The roster entry of the signed-in member, or None.

    A member counts once their account's address is verified (the activation
    link did that). Accounts waiting for staff approval still count here: they
    may read member news, but meetings check more (standing, approval).
    """
    if not hasattr(request, "_signed_in_member"):
        request._signed_in_member = _find_signed_in_member(request)
    return request._signed_in_member


# What `MeetingPage.eligibility` and a meeting's audience need of a member, and no more.
VOTER_FIELDS = (
    "account",
    "account_needs_approval",
    "standing",
    "local",
    "chapter",
    "local__sector",
    "local__area_council",
)


def signed_in_voter(request):
    """`signed_in_member`, the same rule, loading only what deciding a vote needs.

    A vote is the busiest request of a meeting; the member's names, address and the
    names of their units are not needed for it (they load on first use if asked for).
    """
    if not hasattr(request, "_signed_in_member"):
        request._signed_in_member = _find_signed_in_member(request, fields=VOTER_FIELDS)
    return request._signed_in_member


# The member's units, as `signed_in_member` loads them with the member.
MEMBER_UNITS = ("local__sector", "local__area_council", "chapter__local")


def _signed_in_members(fields):
    from members.models import Member  # imported here: this module loads with the models

    def build(account_id):
        # One plain join, on every member request (votes included): the member, their
        # units, and only if the account's primary address is confirmed.
        members = Member.objects.with_confirmed_account().filter(account_id=account_id).order_by()
        if fields is None:
            members = members.select_related(*MEMBER_UNITS)
        else:
            members = members.select_related("local").only(*fields)
        return members[:1]

    # Compiled once per process: compiling the join cost more than running it.
    return PreparedQuery(build)


def with_their_member(queryset, user=""):
    """`queryset`, whose rows are users (or reach one through `user`, e.g. "user__"),
    bringing each user's roster entry as `signed_in_member` would find it: its units, and
    as `member_confirmed` whether the account is confirmed (`with_confirmed_account`).
    `keep_signed_in_member` then keeps it for the request."""
    from django.db.models import Exists, OuterRef

    from members.models import Member

    return queryset.select_related(*(f"{user}member__{units}" for units in MEMBER_UNITS)).annotate(
        member_confirmed=Exists(
            Member.objects.with_confirmed_account().filter(account_id=OuterRef(f"{user}pk"))
        )
    )


def users_with_their_member():
    """A query for the user with id `user_id` that also brings their roster entry
    (`with_their_member`): the authentication backends load a request's user with it
    (members/auth_backends.py), so a member's page reads user and member in one query,
    not two."""

    def build(user_id):
        from django.contrib.auth import get_user_model

        users = get_user_model()._default_manager.filter(pk=user_id)
        return with_their_member(users).order_by()[:1]

    return PreparedQuery(build)


def keep_signed_in_member(user, confirmed):
    """After `with_their_member`: the member it brought (`confirmed`: its
    `member_confirmed`), kept on the user for `signed_in_member` (None: the user is no
    member we may personalise for)."""
    from members.models import Member

    member = Member.account.field.remote_field.get_cached_value(user, None)
    if member is not None and confirmed:
        member._account_confirmed = True
    else:
        member = None
    user._signed_in_member = member


_MEMBER_LOOKUPS = {}


def _find_signed_in_member(request, fields=None):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if hasattr(user, "_signed_in_member"):
        # Loaded with the user (`keep_signed_in_member`): all of the member, so also
        # whatever `fields` asks for.
        return user._signed_in_member
    lookup = _MEMBER_LOOKUPS.get(fields)
    if lookup is None:
        lookup = _MEMBER_LOOKUPS.setdefault(fields, _signed_in_members(fields))
    member = next(iter(lookup(user.pk)), None)
    if member is not None:
        member._account_confirmed = True
    return member


def member_account_confirmed(member):
    """The member has a site account whose address the activation link confirmed.

    The Python twin of `MemberQuerySet.with_confirmed_account`, which it asks.
    """
    if member.account_id is None:
        return False
    cached = getattr(member, "_account_confirmed", None)
    if cached is None:
        from members.models import Member

        cached = Member.objects.with_confirmed_account().filter(pk=member.pk).exists()
        member._account_confirmed = cached
    return cached


def load_account_confirmation(members):
    """Answer `member_account_confirmed` for many members in one query (a batch of notices)."""
    from members.models import Member

    members = list(members)
    confirmed = set(
        Member.objects.with_confirmed_account()
        .filter(pk__in=[member.pk for member in members])
        .values_list("pk", flat=True)
    )
    for member in members:
        member._account_confirmed = member.pk in confirmed
    return members


# Audiences ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberUnits:
    """The ids of the units a member belongs to; sector and Area Council follow the Local."""

    sector: int | None = None
    area_council: int | None = None
    local: int | None = None
    chapter: int | None = None

    @classmethod
    def of(cls, member):
        local = member.local
        return cls(local.sector_id, local.area_council_id, member.local_id, member.chapter_id)


def _ids(units):
    return frozenset(getattr(unit, "pk", unit) for unit in units if unit is not None)


@dataclass(frozen=True)
class Audience:
    """Everyone, or the members of any of the listed sectors, Area Councils, Locals and
    Chapters (held as ids)."""

    everyone: bool = False
    sectors: frozenset = frozenset()
    area_councils: frozenset = frozenset()
    locals: frozenset = frozenset()
    chapters: frozenset = frozenset()

    @classmethod
    def of(cls, *, everyone=False, sectors=(), area_councils=(), locals_=(), chapters=()):
        """An audience from units given as model instances or ids (None is left out)."""
        return cls(
            everyone=everyone,
            sectors=_ids(sectors),
            area_councils=_ids(area_councils),
            locals=_ids(locals_),
            chapters=_ids(chapters),
        )

    @classmethod
    def listed_or_everyone(cls, *, sectors=(), locals_=(), chapters=()):
        """The units listed, or every member when none is (a members-only section)."""
        audience = cls.of(sectors=sectors, locals_=locals_, chapters=chapters)
        return audience if audience.names_a_unit else cls(everyone=True)

    @property
    def names_a_unit(self):
        return bool(self.sectors or self.area_councils or self.locals or self.chapters)

    def includes(self, member):
        """Whether the member belongs to the audience (nothing else is checked)."""
        if member is None:
            return False
        if self.everyone:
            return True
        units = MemberUnits.of(member)
        return (
            units.sector in self.sectors
            or units.area_council in self.area_councils
            or units.local in self.locals
            or units.chapter in self.chapters
        )

    def members(self):
        """Every member on the roster in the audience, as one query: the twin of `includes`."""
        from members.models import Member

        if self.everyone:
            return Member.objects.all()
        match = Q(pk__in=[])
        for field, ids in (
            ("local__sector_id__in", self.sectors),
            ("local__area_council_id__in", self.area_councils),
            ("local_id__in", self.locals),
            ("chapter_id__in", self.chapters),
        ):
            if ids:
                match |= Q(**{field: ids})
        return Member.objects.filter(match)

    def reaches_sector(self, sector):
        """Whether some member of the sector could be in the audience (an editor's
        preview as "a member of <sector>")."""
        from members.models import Chapter, Local

        if self.everyone:
            return True
        return (
            sector.pk in self.sectors
            or Local.objects.filter(sector=sector, pk__in=self.locals).exists()
            or Local.objects.filter(sector=sector, area_council__in=self.area_councils).exists()
            or Chapter.objects.filter(local__sector=sector, pk__in=self.chapters).exists()
        )


def reaching(
    units, *, everyone=None, sectors=None, area_councils=None, locals_=None, chapters=None
):
    """A filter for the things (meetings, pages) whose audience includes a member.

    `units` is a member or a `MemberUnits`. The keywords name each thing's field
    for that level of unit (a foreign key or a many-to-many); `everyone` is the
    filter for things meant for every member. The reverse of `Audience.includes`.
    """
    if units is None:
        return Q(pk__in=[])
    if not isinstance(units, MemberUnits):
        units = MemberUnits.of(units)
    match = everyone if everyone is not None else Q(pk__in=[])
    for field, unit_id in (
        (sectors, units.sector),
        (area_councils, units.area_council),
        (locals_, units.local),
        (chapters, units.chapter),
    ):
        if field and unit_id is not None:
            match |= Q(**{field: unit_id})
    return match
