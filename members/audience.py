"""Who a piece of content is for, decided in one place.

`signed_in_member` is the single answer to "is this request a member we may
personalise for?"; `in_audience` says whether that member belongs to any of the
units a component or page is aimed at. Pages, the members-only component and
the dashboard all call these.
"""


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


def _find_signed_in_member(request, fields=None):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    from members.models import Member  # imported here: this module loads with the models

    # One plain join, on every member request (votes included): the member, their
    # units, and only if the account's primary address is confirmed.
    members = Member.objects.filter(
        account_id=user.pk,
        account__emailaddress__primary=True,
        account__emailaddress__verified=True,
    ).order_by()
    if fields is None:
        members = members.select_related("local__sector", "local__area_council", "chapter__local")
    else:
        members = members.select_related("local").only(*fields)
    member = next(iter(members[:1]), None)
    if member is not None:
        member._account_confirmed = True
    return member


def member_account_confirmed(member):
    """The member has a site account whose address the activation link confirmed."""
    if member.account_id is None:
        return False
    cached = getattr(member, "_account_confirmed", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(
            user_id=member.account_id, verified=True, primary=True
        ).exists()
        member._account_confirmed = cached
    return cached


def in_audience(member, *, sectors=(), locals_=(), chapters=()):
    """True when the member belongs to any listed sector, Local or Chapter.

    Lists hold model instances or primary keys. With nothing listed, every
    member is in the audience.
    """
    if member is None:
        return False
    sector_ids = {getattr(s, "pk", s) for s in sectors if s is not None}
    local_ids = {getattr(u, "pk", u) for u in locals_ if u is not None}
    chapter_ids = {getattr(c, "pk", c) for c in chapters if c is not None}
    if not (sector_ids or local_ids or chapter_ids):
        return True
    return (
        member.local.sector_id in sector_ids
        or member.local_id in local_ids
        or (member.chapter_id is not None and member.chapter_id in chapter_ids)
    )
