"""The register's pages: a member signs out or returns; membership staff export it.

A member only ever changes their own place in the register: the forms carry no
member, the signed-in member is the one signed out.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from cms.admin_pages import PermissionNeededAdminPage
from cms.exports import PersonalData, csv_response
from meetings.attendance.register import (
    REGISTER_COLUMNS,
    register_rows,
    return_to_meeting,
    sign_out,
)

STAFF_ROLE = "membership staff"


def sign_out_of_meeting(request, meeting):
    """The member's "Sign out of the meeting" form: ends their own stay in the register."""
    if request.method != "POST":
        return HttpResponseRedirect(meeting.url + "#attendance")
    member = meeting.attending_member(request)
    if sign_out(meeting, member):
        at = timezone.localtime(timezone.now(), meeting.zone)
        messages.success(
            request,
            f"You signed out of the meeting at {at:%H:%M}. The register shows you left then.",
        )
    return HttpResponseRedirect(meeting.url + "#attendance")


def return_to_the_meeting(request, meeting):
    """The member's "Return to the meeting" form, after signing out."""
    if request.method != "POST":
        return HttpResponseRedirect(meeting.url + "#attendance")
    member = meeting.attending_member(request)
    if not meeting.room_is_open():
        messages.error(request, "The meeting room is not open, so you cannot check in now.")
    else:
        return_to_meeting(meeting, member)
        messages.success(request, "Welcome back: you are checked in to the meeting again.")
    return HttpResponseRedirect(meeting.url + "#attendance")


class RegisterCSV(PermissionNeededAdminPage):
    """The meeting's attendance register as CSV, for membership staff; access-logged."""

    permission = "meetings.export_attendance_register"
    page_title = "Attendance register"

    def get(self, request, meeting_id):
        from meetings.models import MeetingPage

        meeting = get_object_or_404(MeetingPage, pk=meeting_id)
        rows = register_rows(meeting)
        return csv_response(
            request,
            filename=f"{meeting.slug or meeting.title}-attendance-register",
            header=REGISTER_COLUMNS,
            rows=rows,
            personal=PersonalData(
                what=f"Attendance register of {meeting.title} (CSV)",
                members=[row[0] for row in rows],
                role=STAFF_ROLE,
                reason=f"Attendance register of meeting {meeting.pk}",
            ),
        )


register_csv = RegisterCSV.as_view()


def open_without_quorum_page(request, meeting, item_id):
    """The chair confirms opening an item without quorum, with the reason: a page of its
    own, so that nothing refreshes the form away while the chair types."""
    from meetings.attendance.quorum import quorum_now
    from meetings.ballots.models import BallotItem

    if not meeting.may_chair(request.user):
        raise PermissionDenied("Only this meeting's chairs can run its ballot.")
    item = get_object_or_404(BallotItem, pk=item_id, meeting=meeting, state=BallotItem.State.DRAFT)
    eligible = meeting.eligible_members().count()
    quorum = quorum_now(meeting, eligible=eligible)
    response = TemplateResponse(
        request,
        "meetings/open_without_quorum.html",
        {
            "page": meeting,
            "item": item,
            "quorum": quorum,
            "present": quorum.present,
            "eligible": eligible,
            "quorum_met": quorum.held,
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
