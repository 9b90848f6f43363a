"""Drafting the minutes from what happened, and publishing them: the one path for both.

What happened is read from the meeting's own records: its page (details), the
attendance register and the quorum taken at each opening, the ballot items with how
they came from the floor and their counted results, and the chair log. The notes the
chair or secretary wrote are kept when the minutes are drafted again.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from cms import read_ahead
from cms.site_version import site_version
from meetings.attendance.models import AttendanceRecord
from meetings.attendance.quorum import quorum_needed, quorums_at_opening
from meetings.ballots.board import closed_result
from meetings.ballots.chairing import ChairRefused
from meetings.ballots.models import BallotItem, ChairAction
from meetings.ballots.ranked_items import ranked_minutes_lines
from meetings.floor.business import floor_records
from meetings.minutes.models import MeetingMinutesPage, MinutesItem


def minutes_page(meeting):
    """The meeting's minutes page (draft or live), or None before they are drafted."""
    return MeetingMinutesPage.objects.child_of(meeting).first()


def _local(meeting, moment, fmt="%H:%M"):
    return timezone.localtime(moment, meeting.zone).strftime(fmt) if moment else ""


def _details(meeting):
    chairs = ", ".join(  # in the order staff appointed them: the chair first
        row.person.get_full_name() or row.person.get_username()
        for row in meeting.chair_appointments.select_related("person")
    )
    starts = timezone.localtime(meeting.starts_at, meeting.zone)
    audience = escape(meeting.audience_name.removeprefix("Members of "))
    rows = [
        f"{meeting.get_kind_display()} of {audience}, "
        f"called for {starts:%A %-d %B %Y at %H:%M} ({escape(meeting.get_time_zone_display())}).",
    ]
    if chairs:
        rows.append(f"Chaired by {escape(chairs)}.")
    return "".join(f"<p>{row}</p>" for row in rows)


def _attendance(meeting):
    stays = AttendanceRecord.objects.filter(meeting=meeting)
    attended = stays.values("member_id").distinct().count()
    by_proxy = stays.filter(by_proxy=True).values("member_id").distinct().count()
    eligible = meeting.eligible_members().count()
    needed = quorum_needed(meeting, eligible)
    first = stays.order_by("arrived_at").values_list("arrived_at", flat=True).first()
    rows = [
        f"{attended} member{'s' if attended != 1 else ''} attended (the attendance register)"
        f"{f', {by_proxy} of them by proxy' if by_proxy else ''}"
        f"{f'; the first arrived at {_local(meeting, first)}' if first else ''}. "
        f"{eligible} members could attend when the minutes were drafted.",
    ]
    if needed:
        share = (
            f" ({meeting.quorum_share}% of the eligible members)" if meeting.quorum_share else ""
        )
        rows.append(f"The quorum was {needed} members{share}.")
    else:
        rows.append("The meeting had no quorum requirement.")
    return "".join(f"<p>{row}</p>" for row in rows)


def _result_lines(item):
    if item.state != BallotItem.State.CLOSED:
        return "Not voted on." if item.state == BallotItem.State.DRAFT else "Still open."
    if not item.is_counted:
        return "Closed; the count had not finished."
    result = closed_result(item)["result"]
    lines = []
    for choice in result.choices:
        percent = "" if choice.percent is None else f" ({choice.percent}%)"
        lines.append(f"{choice.label}: {choice.votes}{percent}")
    lines.append(f"Ballots cast: {result.ballots_cast}")
    if result.ranked:
        lines.extend(ranked_minutes_lines(result))
    lines.append(result.outcome + (" A tie." if result.tie else ""))
    return "\n".join(lines)


def _opened(meeting, item, taken):
    if item.opened_at is None:
        return ""
    text = f"Opened at {_local(meeting, item.opened_at)}"
    if item.closed_at:
        text += f", closed at {_local(meeting, item.closed_at)}"
    if taken is not None and taken.needed:
        held = "quorum held" if taken.held else f"no quorum; opened because: {taken.reason}"
        text += f". {taken.present} present, {taken.needed} needed: {held}"
    return text + "."


def _chair_log(meeting):
    lines = []
    for action in (
        ChairAction.objects.filter(meeting=meeting).select_related("item").order_by("at", "pk")
    ):
        what = action.get_action_display()
        if action.item is not None:
            what += f" “{action.item.title}”"
        note = f" ({action.note})" if action.note else ""
        lines.append(f"{_local(meeting, action.at)} {action.actor_name}: {what}{note}")
    return "\n".join(lines)


def what_happened(meeting):
    """The minutes' content as the records have it: page fields and item rows."""
    floors = floor_records(meeting)
    taken = quorums_at_opening(meeting)
    items = []
    for item in BallotItem.objects.filter(meeting=meeting).order_by("position", "pk"):
        floor = floors.get(item.pk)
        moved = ""
        if floor is not None:
            moved = f"Moved by {floor.mover.full_name}, seconded by {floor.seconder.full_name}"
            moved += f", amending “{floor.amends.title}”." if floor.amends_id else "."
        items.append(
            {
                "item": item,
                "title": item.title,
                "text": item.text,
                "moved": moved,
                "opened": _opened(meeting, item, taken.get(item.pk)),
                "result": _result_lines(item),
            }
        )
    return {
        "details": _details(meeting),
        "attendance": _attendance(meeting),
        "chair_log": _chair_log(meeting),
        "items": items,
    }


def draft_minutes(meeting, user, *, notes=None, general_notes=None):
    """Draft (or draft again) the meeting's minutes from what happened, as a new revision.

    `notes` ({item id: note}) and `general_notes` replace the notes written so far;
    otherwise the notes already in the minutes are kept.
    """
    happened = what_happened(meeting)
    with transaction.atomic():
        page = minutes_page(meeting)
        if page is None:
            page = MeetingMinutesPage(title=f"Minutes: {meeting.title}", slug="minutes", live=False)
            meeting.add_child(instance=page)
            # Members only: out of the public API, search and anonymous reach.
            PageViewRestriction.objects.create(
                page=page, restriction_type=PageViewRestriction.LOGIN
            )
        else:
            page = page.get_latest_revision_as_object()
        kept = {row.item_id: row.note for row in page.items.all()}
        if notes is not None:
            kept.update({int(pk): note.strip() for pk, note in notes.items()})
        page.details = happened["details"]
        page.attendance = happened["attendance"]
        page.chair_log = happened["chair_log"]
        if general_notes is not None:
            page.general_notes = general_notes.strip()
        page.items = [
            MinutesItem(
                item=row["item"],
                title=row["title"],
                text=row["text"],
                moved=row["moved"],
                opened=row["opened"],
                result=row["result"],
                note=kept.get(row["item"].pk, ""),
                sort_order=n,
            )
            for n, row in enumerate(happened["items"])
        ]
        revision = page.save_revision(user=user, log_action=True)
    return revision


def publish_minutes(meeting, user):
    """Publish the latest draft of the meeting's minutes to its audience."""
    page = minutes_page(meeting)
    if page is None:
        raise ChairRefused("Draft the minutes before publishing them.")
    revision = page.get_latest_revision()
    # The meeting's chairs publish its minutes (`MeetingPage.may_chair`, which the chair's
    # views ask first), whatever page permissions their accounts hold in the admin.
    revision.publish(user=user, skip_permission_checks=True)
    return page.specific_class.objects.get(pk=page.pk)


def minutes_url_key(meeting_id):
    return f"meeting-minutes-url-{meeting_id}-{site_version()}"


def published_minutes_url(meeting):
    """The address of the meeting's published minutes, or "" (from the shared cache: a
    publish moves the site's version, and so this key, on)."""
    key = minutes_url_key(meeting.pk)
    url = read_ahead.get(key)
    if url is None:
        page = MeetingMinutesPage.objects.child_of(meeting).live().first()
        url = page.url if page is not None else ""
        read_ahead.put(key, url, timeout=3600)
    return url
