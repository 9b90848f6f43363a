"""The member's side of proxies: the meeting page's proxy section, the request form and
withdrawal. A member only ever gives their own proxy: the forms carry no giver, and the
holder is named by member ID and family name (no list of members to browse)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils import timezone

from meetings.proxies.rules import ProxyRefused, member_proxies, request_proxy, withdraw_proxy


def proxy_context(meeting, member, eligibility, proxies=None):
    """What the meeting page's proxy section shows the member: the proxy they gave last
    (any status), the proxies they hold, and whether they may ask now. From the shared
    cache (`member_proxies`, unless the page has read them already): no query on most
    page loads."""
    if not eligibility or meeting.proxy_cap == 0:
        return {}
    if proxies is None:
        proxies = member_proxies(meeting.pk, member)
    given = proxies.last_given
    return {
        "proxy_given": given,
        "proxies_held_here": proxies.holding,
        "may_request_proxy": (given is None or not given.is_active)
        and not any(p.is_active for p in proxies.holding)
        and timezone.now() < meeting.starts_at,
    }


def give_proxy(request, meeting):
    """The member's request to give their proxy (staff approve it)."""
    if request.method != "POST":
        return HttpResponseRedirect(meeting.url + "#proxy")
    member = meeting.attending_member(request)
    try:
        proxy = request_proxy(
            meeting,
            member,
            request.POST.get("member_id", ""),
            request.POST.get("family_name", ""),
        )
    except ProxyRefused as refused:
        messages.error(request, refused.message, extra_tags="proxy")
    else:
        messages.success(
            request,
            f"You asked to give your proxy to {proxy.holder.full_name}. Membership staff "
            "will approve it before the meeting.",
            extra_tags="proxy",
        )
    return HttpResponseRedirect(meeting.url + "#proxy")


def take_back_proxy(request, meeting):
    """The giver withdraws their request, or their proxy before the meeting starts."""
    if request.method != "POST":
        return HttpResponseRedirect(meeting.url + "#proxy")
    member = meeting.attending_member(request)
    try:
        withdraw_proxy(meeting, member)
    except ProxyRefused as refused:
        messages.error(request, refused.message, extra_tags="proxy")
    else:
        messages.success(
            request, "Your proxy is withdrawn: you will vote yourself.", extra_tags="proxy"
        )
    return HttpResponseRedirect(meeting.url + "#proxy")
