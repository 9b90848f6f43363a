"""The chair's minutes page: draft them from what happened, add notes, publish."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from meetings.minutes.drafting import draft_minutes, minutes_page, publish_minutes

NOTE_PREFIX = "note-"


def chair_minutes(request, meeting):
    """For the meeting's chairs (the chair and the recording secretary)."""
    if not meeting.may_chair(request.user):
        raise PermissionDenied("Only this meeting's chairs can draft and publish its minutes.")
    if request.method == "POST":
        action = request.POST.get("action")
        notes = {
            name.removeprefix(NOTE_PREFIX): value
            for name, value in request.POST.items()
            if name.startswith(NOTE_PREFIX) and name.removeprefix(NOTE_PREFIX).isdigit()
        }
        general = request.POST.get("general_notes")
        draft_minutes(meeting, request.user, notes=notes, general_notes=general)
        if action == "publish":
            publish_minutes(meeting, request.user)
            messages.success(request, "The minutes are published to the members who may attend.")
        else:
            messages.success(request, "The minutes are drafted from what happened, notes kept.")
        return HttpResponseRedirect(meeting.url + "chair/minutes/")
    minutes = minutes_page(meeting)
    context = {
        "page": meeting,
        "minutes": minutes,
        "draft": minutes.get_latest_revision_as_object() if minutes else None,
    }
    response = render(request, "meetings/chair_minutes.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response
