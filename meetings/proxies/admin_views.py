"""The proxy register in the Wagtail admin, for membership staff (`meetings.manage_proxies`).

Staff see a meeting's register, approve or refuse members' requests, enter proxies
from signed paper forms and export the register as CSV. Seeing the register and
exporting it are both written to the access log: it names members.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse

from cms.admin_pages import PermissionNeededAdminPage
from cms.exports import PersonalData, csv_response
from meetings.proxies.models import Proxy
from meetings.proxies.rules import (
    REGISTER_COLUMNS,
    ProxyRefused,
    approve_proxy,
    end_proxy,
    enter_paper_proxy,
    proxy_register,
    refuse_proxy,
    register_rows,
)

STAFF_ROLE = "membership staff"
PERMISSION = "meetings.manage_proxies"


def _meeting(meeting_id):
    from meetings.models import MeetingPage

    return get_object_or_404(MeetingPage, pk=meeting_id)


class ProxyMeetingsView(PermissionNeededAdminPage):
    """The meetings whose proxy registers staff keep, soonest first (their way in: they
    hold no page permissions)."""

    permission = PERMISSION
    template_name = "meetings/admin/proxy_meetings.html"
    header_icon = "group"
    page_title = "Proxies"
    PAST_MEETINGS = 10

    def get_context_data(self, **kwargs):
        from django.db.models import Count, Q

        from meetings.models import MeetingPage

        context = super().get_context_data(**kwargs)
        meetings = MeetingPage.objects.annotate(
            waiting=Count("proxies", filter=Q(proxies__status=Proxy.Status.REQUESTED)),
            approved=Count("proxies", filter=Q(proxies__status=Proxy.Status.APPROVED)),
        )
        context["upcoming"] = meetings.upcoming()
        context["past"] = meetings.past()[: self.PAST_MEETINGS]
        return context


class ProxyRegisterView(PermissionNeededAdminPage):
    """One meeting's proxy register: every proxy, the requests to decide, and the form
    for a signed paper proxy."""

    permission = PERMISSION
    template_name = "meetings/admin/proxy_register.html"
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        self.meeting = _meeting(kwargs["meeting_id"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def page_title(self):
        return f"Proxy register: {self.meeting.title}"

    def get(self, request, *args, **kwargs):
        # Read and logged here, not in the context: the refusal page builds a context too.
        self.proxies = list(proxy_register(self.meeting))
        if self.proxies:
            PersonalData(
                what=f"Proxy register of {self.meeting.title}",
                members=[p.giver for p in self.proxies] + [p.holder for p in self.proxies],
                role=STAFF_ROLE,
                reason=f"Proxy register of meeting {self.meeting.pk}",
            ).record(request, "view")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            meeting=self.meeting,
            proxies=getattr(self, "proxies", []),
            csv_url=reverse("meetings_proxy_register_csv", args=[self.meeting.pk]),
        )
        return context

    def post(self, request, meeting_id):
        from members.models import Member

        action = request.POST.get("action")
        try:
            if action == "approve":
                proxy = approve_proxy(self.meeting, request.POST.get("proxy"), request.user)
                done = f"Approved: {proxy.holder.full_name} holds {proxy.giver.full_name}'s proxy."
            elif action == "refuse":
                proxy = refuse_proxy(
                    self.meeting,
                    request.POST.get("proxy"),
                    request.user,
                    request.POST.get("reason", ""),
                )
                done = f"Refused: {proxy.giver.full_name}'s proxy for {proxy.holder.full_name}."
            elif action == "end":
                proxy = end_proxy(
                    self.meeting,
                    request.POST.get("proxy"),
                    request.user,
                    request.POST.get("reason", ""),
                )
                done = (
                    f"Ended: {proxy.holder.full_name} no longer holds "
                    f"{proxy.giver.full_name}'s proxy."
                )
            elif action == "paper":
                ids = [request.POST.get(k, "").strip() for k in ("giver", "holder")]
                found = {m.member_id: m for m in Member.objects.filter(member_id__in=ids)}
                missing = [i or "(empty)" for i in ids if i not in found]
                if missing:
                    raise ProxyRefused(
                        f"No member has the member ID {', '.join(missing)}.", "not_found"
                    )
                proxy = enter_paper_proxy(self.meeting, found[ids[0]], found[ids[1]], request.user)
                done = (
                    f"Entered from the paper form: {proxy.holder.full_name} holds "
                    f"{proxy.giver.full_name}'s proxy."
                )
            else:
                raise ProxyRefused("Choose what to do.", "no_action")
        except ProxyRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, done)
        return HttpResponseRedirect(request.path)


class ProxyRegisterCSV(PermissionNeededAdminPage):
    """The meeting's proxy register as CSV; access-logged."""

    permission = PERMISSION
    page_title = "Proxy register"

    def get(self, request, meeting_id):
        meeting = _meeting(meeting_id)
        rows = register_rows(meeting)
        return csv_response(
            request,
            filename=f"{meeting.slug or meeting.title}-proxy-register",
            header=REGISTER_COLUMNS,
            rows=rows,
            personal=PersonalData(
                what=f"Proxy register of {meeting.title} (CSV)",
                members=[row[0] for row in rows] + [row[3] for row in rows],
                role=STAFF_ROLE,
                reason=f"Proxy register of meeting {meeting.pk}",
            ),
        )


proxy_meetings_view = ProxyMeetingsView.as_view()
proxy_register_view = ProxyRegisterView.as_view()
proxy_register_csv = ProxyRegisterCSV.as_view()
