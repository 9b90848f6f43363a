"""The member's own API token page: create (shown once), replace, revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from members.api.access import issue_token, revoke_token
from members.audience import signed_in_member


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token_page(request):
    """Let a confirmed member hold one token for programs that read their data.

    The key is shown only in the response to "create"; the database keeps a hash.
    """
    member = signed_in_member(request)
    context = {"member": member, "new_key": None}
    if request.method == "POST":
        if member is None:
            return render(request, "members/api_token.html", context, status=403)
        action = request.POST.get("action")
        if action == "create":
            context["new_key"] = issue_token(request.user)
        elif action == "revoke":
            revoke_token(request.user)
            messages.success(request, "Your API token is revoked. Programs using it are refused.")
            return HttpResponseRedirect(reverse("member_api_token"))
        else:
            return render(request, "members/api_token.html", context, status=400)
    context["token"] = Token.objects.filter(user=request.user).first() if member else None
    return render(request, "members/api_token.html", context)
