"""Member-facing views: sign-up, activation and the "My union" dashboard."""

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from home.models import site_contact
from members.accounts import activate_account, activation_token, request_account
from members.forms import ActivationForm, SignUpForm


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request):
    """Claim a roster entry. Every valid request gets the same answer."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member_id = form.cleaned_data["member_id"]
        # Limits per IP and per member ID; the refusal is the same for every ID.
        if not ratelimit.consume(request, action="member_sign_up", key=member_id):
            return render(request, "members/sign_up_limited.html", status=429)
        request_account(
            member_id, form.cleaned_data["family_name"], form.cleaned_data["email"], request=request
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
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(request, "Your account is ready. Welcome.")
        return HttpResponseRedirect(reverse("members:dashboard"))
    return render(request, "members/activate.html", {"form": form})


@never_cache
@login_required
def dashboard(request):
    """ "My union": the member's own sector, Local and Chapter, and where to get help."""
    member = getattr(request.user, "member", None)
    return render(
        request,
        "members/dashboard.html",
        {"member": member, "resource_centre": site_contact("member_resource_centre", request)},
    )
