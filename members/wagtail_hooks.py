"""Admin hooks for the members app: the Membership menu, roster import and the access log."""

from django.urls import path
from wagtail import hooks
from wagtail_modeladmin.options import modeladmin_register

from members.admin_views import roster_import_view
from members.modeladmin import AccessLogAdmin, MembershipGroup

modeladmin_register(MembershipGroup)
modeladmin_register(AccessLogAdmin)


@hooks.register("register_admin_urls")
def register_roster_import_url():
    return [path("roster-import/", roster_import_view, name="members_roster_import")]
