"""Meeting materials are for eligible members only, whatever URL reaches them."""

from django.http import HttpResponseForbidden
from django.template.loader import render_to_string
from wagtail import hooks

from meetings.materials import may_download


@hooks.register("before_serve_document")
def protect_meeting_materials(document, request):
    allowed = may_download(document, request)
    if allowed is None or allowed:
        return None
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    return HttpResponseForbidden(
        render_to_string("meetings/material_refused.html", request=request)
    )
