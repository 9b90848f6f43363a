"""The chair's page for business from the floor: a page of its own (nothing refreshes
it while the chair types), whose forms post here and land back on the chair's page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from meetings.ballots.chairing import ChairRefused
from meetings.ballots.models import BallotItem
from meetings.floor import business
from meetings.floor.forms import business_forms
from members.models import Member

# The page's three forms, in order: what each is called and says.
SECTIONS = [
    {
        "name": "motion",
        "heading": "Add a motion",
        "intro": "It goes at the end of the agenda, not yet open; move it where the meeting "
        "wants it on the chair's page.",
        "button": "Add the motion",
    },
    {
        "name": "amendment",
        "heading": "Add an amendment to a motion",
        "intro": "The amendment is voted just before its motion. If it is carried, the motion "
        "reads as amended.",
        "button": "Add the amendment",
    },
    {
        "name": "nomination",
        "heading": "Take a nomination to an election",
        "intro": "Only before the election opens, and once the nominee accepts.",
        "button": "Take the nomination",
    },
]


def _member(pk):
    return Member.objects.filter(pk=pk).first() if pk else None


def _item(meeting, pk):
    item = BallotItem.objects.filter(pk=pk, meeting=meeting).first() if pk else None
    if item is None:
        raise ChairRefused("Choose an item of this meeting. Nothing has changed.")
    return item


def _act(meeting, user, which, data):
    """Do what the bound form asks through `business`; the success message."""
    if which in ("motion", "amendment"):
        moved = {"mover": _member(data["mover"]), "seconder": _member(data["seconder"])}
    if which == "motion":
        item = business.add_motion(meeting, user, title=data["title"], text=data["text"], **moved)
        return f"Added “{item.title}” at the end of the agenda."
    if which == "amendment":
        motion = _item(meeting, data["motion"])
        item = business.add_amendment(
            motion, user, amendment=data["amendment"], amended_text=data["amended_text"], **moved
        )
        return f"Added “{item.title}”, to be voted before its motion."
    candidate = business.nominate(
        _item(meeting, data["election"]),
        user,
        name=data["name"],
        nominated_by=_member(data["nominated_by"]),
        seconded_by=_member(data["seconded_by"]),
        accepted=data["accepted"],
    )
    return f"{candidate.name} is nominated for “{candidate.item.title}”."


def floor_business(request, meeting):
    """Add a motion, an amendment or a nomination from the floor (chairs only)."""
    if not meeting.may_chair(request.user):
        raise PermissionDenied("Only this meeting's chairs can add business from the floor.")
    which = request.POST.get("business") if request.method == "POST" else None
    forms = business_forms(meeting, request.POST if which else None, which)
    status = 200
    if which in forms:
        form = forms[which]
        if form.is_valid():
            try:
                done = _act(meeting, request.user, which, form.cleaned_data)
            except ChairRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(meeting.url + "chair/")
        status = 400
    sections = [{**section, "form": forms[section["name"]]} for section in SECTIONS]
    response = render(
        request,
        "meetings/chair_business.html",
        {"page": meeting, "sections": sections, "which": which},
        status=status,
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
