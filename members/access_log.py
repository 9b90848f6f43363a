"""Recording every view and export of members' personal information."""

from members.models import AccessLogEntry


def record_access(request, *, action, what, members, role, reason=""):
    """Write one access-log entry for the members whose information was seen.

    `members` is an iterable of Member instances or member IDs. Called by every
    view and export that shows personal information, before it is shown.
    """
    member_ids = sorted({getattr(m, "member_id", m) for m in members})
    user = request.user if request.user.is_authenticated else None
    actor_name = ""
    if user is not None:
        actor_name = user.get_full_name() or user.get_username()
    return AccessLogEntry.objects.create(
        actor=user,
        actor_name=actor_name,
        role=role,
        action=action,
        what=what[:300],
        member_ids=member_ids,
        reason=reason[:300],
        path=request.get_full_path()[:500],
    )
