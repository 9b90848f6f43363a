"""Admin and serving hooks of the meetings app.

Meeting materials are for eligible members only, whatever URL reaches them;
staff allowed to export it get a meeting's mailing list from the page's actions.
"""

from django.contrib.auth.models import Permission
from django.http import HttpResponseForbidden
from django.template.loader import render_to_string
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from meetings.attendance.views import register_csv
from meetings.materials import may_download
from meetings.models import MeetingPage
from meetings.notices.admin_views import (
    MailedNoticeMeetingsView,
    mailed_notice_meetings_view,
    mailing_list_view,
)
from meetings.proxies.admin_views import (
    ProxyMeetingsView,
    proxy_meetings_view,
    proxy_register_csv,
    proxy_register_view,
)


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


# The mailed notice: a "Mailing list" action on meeting pages, for staff allowed to export it;
# beside it, "Ballot items": the meeting's items in their own admin listing.


@hooks.register("register_admin_urls")
def register_mailing_list_url():
    return [
        path(
            "meetings/<int:meeting_id>/mailing-list/",
            mailing_list_view,
            name="meetings_mailing_list",
        ),
        path(
            "meetings/mailed-notices/",
            mailed_notice_meetings_view,
            name="meetings_mailed_notices",
        ),
        path(
            "meetings/<int:meeting_id>/attendance-register/",
            register_csv,
            name="meetings_attendance_register",
        ),
        path("meetings/proxies/", proxy_meetings_view, name="meetings_proxies"),
        path(
            "meetings/<int:meeting_id>/proxies/",
            proxy_register_view,
            name="meetings_proxy_register",
        ),
        path(
            "meetings/<int:meeting_id>/proxies/register.csv",
            proxy_register_csv,
            name="meetings_proxy_register_csv",
        ),
    ]


class MailedNoticesMenuItem(MenuItem):
    def is_shown(self, request):
        return MailedNoticeMeetingsView.may_use(request.user)


@hooks.register("register_admin_menu_item")
def register_mailed_notices_menu_item():
    # Membership staff hold no page permissions: this is their way to the mailing lists.
    return MailedNoticesMenuItem(
        "Mailed notices",
        reverse("meetings_mailed_notices"),
        name="mailed-notices",
        icon_name="mail",
        order=310,
    )


class ProxiesMenuItem(MenuItem):
    def is_shown(self, request):
        return ProxyMeetingsView.may_use(request.user)


@hooks.register("register_admin_menu_item")
def register_proxies_menu_item():
    # Membership staff's way to the proxy registers (they hold no page permissions).
    return ProxiesMenuItem(
        "Proxies", reverse("meetings_proxies"), name="proxies", icon_name="group", order=311
    )


def _mailing_list_button(page, user, priority):
    if page.specific_class is MeetingPage and MailedNoticeMeetingsView.may_use(user):
        yield Button(
            "Mailing list for the mailed notice",
            reverse("meetings_mailing_list", args=[page.pk]),
            icon_name="mail",
            priority=priority,
        )


def _ballot_items_button(page, user, priority):
    from meetings.ballots.admin import ballot_item_viewset, meeting_items_url

    if (
        page.specific_class is MeetingPage
        and page.pk
        and ballot_item_viewset.permission_policy.user_has_any_permission(
            user, ["add", "change", "view"]
        )
    ):
        yield Button(
            "Ballot items",
            meeting_items_url(page.pk),
            icon_name="tasks",
            priority=priority,
        )


@hooks.register("register_page_header_buttons")
def mailing_list_header_button(page, user, view_name=None, next_url=None):
    yield from _mailing_list_button(page, user, priority=80)
    yield from _ballot_items_button(page, user, priority=70)


@hooks.register("register_page_listing_more_buttons")
def mailing_list_listing_button(page, user, next_url=None):
    yield from _mailing_list_button(page, user, priority=70)
    yield from _ballot_items_button(page, user, priority=60)


@hooks.register("register_permissions")
def register_mailing_list_permission():
    return Permission.objects.filter(
        content_type__app_label="meetings",
        codename__in=["export_mailing_list", "export_attendance_register", "manage_proxies"],
    )


# Ballot items: staff prepare motions, budgets and elections (meetings/ballots/admin.py).


@hooks.register("register_admin_viewset")
def register_ballot_item_viewset():
    from meetings.ballots.admin import ballot_item_viewset

    return ballot_item_viewset


@hooks.register("register_admin_viewset")
def register_delegate_weight_viewset():
    from meetings.ballots.admin import delegate_weight_viewset

    return delegate_weight_viewset


# The choosers of a meeting's chairs and scrutineers (meetings/choosers.py).


@hooks.register("register_admin_viewset")
def register_meeting_people_choosers():
    from meetings.choosers import meeting_chair_chooser_viewset, meeting_scrutineer_chooser_viewset

    return [meeting_chair_chooser_viewset, meeting_scrutineer_chooser_viewset]
