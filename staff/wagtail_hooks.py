"""Admin hooks of the staff app: the dashboard's "Coming up" panel, and the page
editor's approvals (staff/approvals.py)."""

from wagtail import hooks

from staff.approvals import approving_page_viewset
from staff.dashboard import ComingUpPanel, works_on_pages


@hooks.register("construct_homepage_panels")
def add_coming_up_panel(request, panels):
    if works_on_pages(request.user):
        panels.append(ComingUpPanel())


@hooks.register("register_admin_viewset")
def register_approving_page_viewset():
    # For every page type: Wagtail registers its base page viewset first (order=-1).
    return approving_page_viewset
