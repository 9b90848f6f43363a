"""Member-facing views: sign-up, activation and the "My union" dashboard."""

from functools import partial

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from cms import read_ahead
from cms.exports import PersonalData, csv_response
from cms.page_routing import find_site, site_key
from cms.shared_parts import SharedParts
from cms.site_version import request_site_version
from home.models import pages_aimed_at, site_contact
from meetings.member_meetings import member_meetings
from members.access_log import record_access
from members.accounts import activate_account, activation_token
from members.audience import MemberUnits, signed_in_member
from members.chairs import (
    ChairedUnit,
    chair_may_see_member,
    chair_may_see_unit,
    chaired_units,
    chairs_a_unit,
    chairs_a_unit_key,
    contact_details,
)
from members.forms import ActivationForm, CommunicationChoicesForm, SignUpForm
from members.models import AccessLogEntry, Chapter, Local, Member
from members.tasks import answer_sign_up


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request):
    """Claim a roster entry. Every valid request gets the same answer, in the same time.

    The request checks the form, counts the attempt and queues one task; the
    roster is read and the account made by the task, after the response
    (`members.accounts.request_account`).
    """
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member_id = form.cleaned_data["member_id"]
        # Limits per IP and per member ID; the refusal is the same for every ID.
        if not ratelimit.consume(request, action="member_sign_up", key=member_id):
            return render(request, "members/sign_up_limited.html", status=429)
        answer_sign_up.enqueue(
            member_id=member_id,
            family_name=form.cleaned_data["family_name"],
            email=form.cleaned_data["email"],
            site_url=request.build_absolute_uri("/"),
        )
        return HttpResponseRedirect(reverse("members:sign_up_sent"))
    return render(request, "members/sign_up.html", {"form": form})


@never_cache
def sign_up_sent(request):
    return render(request, "members/sign_up_sent.html")


def _user_from_uid(uidb64):
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return get_user_model().objects.get(pk=pk)
    except (TypeError, ValueError, OverflowError, get_user_model().DoesNotExist):
        return None


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def activate(request, uidb64, token):
    """The link from the sign-up email: verifies the address and sets the password."""
    user = _user_from_uid(uidb64)
    if user is None or not activation_token.check_token(user, token):
        return render(request, "members/activate_invalid.html", status=400)
    form = ActivationForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        activate_account(user, form.cleaned_data["new_password1"])
        login(request, user, backend="members.auth_backends.AuthenticationBackend")
        messages.success(request, "Your account is ready. Welcome.")
        return HttpResponseRedirect(reverse("members:dashboard"))
    return render(request, "members/activate.html", {"form": form})


@never_cache
def dashboard(request):
    """ "My union": the member's own sector, Local and Chapter, and where to get help."""
    # The site version, the session and the site (with its root paths, for the page links
    # the member's own parts still make): one round trip.
    with read_ahead.request_reads(request, [site_key(request)]):
        return _dashboard(request)


@login_required
def _dashboard(request):
    member = signed_in_member(request)
    parts_key = None if member is None else dashboard_parts_key(request, member)
    # The member's shared parts and whether they chair a unit: one more round trip.
    keys = [] if member is None else [parts_key, chairs_a_unit_key(member)]
    with read_ahead.reading(keys):
        parts = dashboard_parts(request, parts_key)
        response = render(
            request,
            "members/dashboard.html",
            {
                "member": member,
                # Both read only when shown: not when they come with the shared parts.
                "for_you": SimpleLazyObject(partial(pages_aimed_at, member)),
                "my_meetings": member_meetings(member, past_limit=10, with_materials=False),
                "is_chair": member is not None and chairs_a_unit(member),
                "resource_centre": SimpleLazyObject(
                    partial(site_contact, "member_resource_centre", request)
                ),
                "shared_parts": parts,
            },
        )
        if parts is not None:
            parts.save()
    return response


def dashboard_parts(request, key):
    """The dashboard's parts that every member of the same units sees alike (the site's
    header and footer, the pages aimed at those units, each meeting's title and time,
    where to get help): cms/shared_parts.py. `key`: `dashboard_parts_key`, None for no
    member (no parts)."""
    if key is None:
        return None
    find_site(request)
    return SharedParts(key, None, read_ahead.get(key))


def dashboard_parts_key(request, member):
    """Kept under the site version, which every publish, settings save and change to a
    unit moves on, and the member's units."""
    units = MemberUnits.of(member)
    return (
        f"dashboard-parts-{request_site_version(request)}-{request.get_host()}-"
        f"{units.sector}-{units.area_council}-{units.local}-{units.chapter}"
    )


def _chair_refusal(request):
    return render(request, "members/chair_refused.html", status=403)


@never_cache
@login_required
def chair_home(request):
    """The units the signed-in member chairs."""
    units = chaired_units(signed_in_member(request))
    if not units:
        return _chair_refusal(request)
    return render(request, "members/chair_home.html", {"units": units})


def _find_unit(local_number, chapter_number=None):
    local = Local.objects.filter(number=local_number).first()
    if local is None or chapter_number is None:
        return local
    return Chapter.objects.filter(local=local, number=chapter_number).first()


@never_cache
@login_required
def chair_unit(request, local_number, chapter_number=None):
    """A chair's contact list for one unit they chair, as a page or CSV."""
    chair = signed_in_member(request)
    unit = _find_unit(local_number, chapter_number)
    if unit is None or not chair_may_see_unit(chair, unit):
        return _chair_refusal(request)
    chaired = ChairedUnit(unit)
    members = list(chaired.members().order_by("family_name", "given_name"))
    role = "Local chair" if chaired.is_local else "Chapter chair"
    contacts = [contact_details(member) for member in members]
    seen = PersonalData(
        what=f"Contact list of {chaired.label}",
        members=members,
        role=role,
        reason=f"{role} of {chaired.label}",
    )
    if request.GET.get("format") == "csv":
        return _contacts_csv(request, chaired, contacts, seen)
    seen.record(request, AccessLogEntry.Action.VIEW)
    return render(request, "members/chair_unit.html", {"unit": chaired, "contacts": contacts})


CONTACT_COLUMNS = ["member_id", "name", "chapter", "standing", "email", "phone"]


def _contacts_csv(request, chaired, contacts, seen):
    return csv_response(
        request,
        filename=f"{chaired.label}-contacts",
        header=CONTACT_COLUMNS,
        rows=[[contact[column] or "" for column in CONTACT_COLUMNS] for contact in contacts],
        personal=seen,
    )


@never_cache
@login_required
def chair_member(request, member_id):
    """One member's contact card, for the chair of their Local or Chapter only."""
    chair = signed_in_member(request)
    member = Member.objects.select_related("local", "chapter").filter(member_id=member_id).first()
    # Unknown IDs and other units' members get the same refusal, so IDs cannot be probed.
    if not chair_may_see_member(chair, member):
        return _chair_refusal(request)
    record_access(
        request,
        action=AccessLogEntry.Action.VIEW,
        what=f"Contact card of member {member.member_id}",
        members=[member],
        role="chair",
        reason="Chair of the member's Local or Chapter",
    )
    return render(request, "members/chair_member.html", {"contact": contact_details(member)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_information(request):
    """What the roster holds about the member, and their choices about contact."""
    member = signed_in_member(request)
    if member is None:
        return HttpResponseRedirect(reverse("members:dashboard"))
    if member.account_needs_approval:
        # Whoever knows a member ID and family name can open an account that waits
        # for approval: it sees and changes nothing on the roster until staff confirm it.
        return render(
            request,
            "members/my_information.html",
            {
                "member": member,
                "waiting_for_approval": True,
                "resource_centre": site_contact("member_resource_centre", request),
            },
        )
    form = CommunicationChoicesForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your choices are saved.")
        return HttpResponseRedirect(reverse("members:my_information"))
    return render(request, "members/my_information.html", {"member": member, "form": form})
