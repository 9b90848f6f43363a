"""Admin hooks of the staff app: the dashboard's "Coming up" panel."""

from wagtail import hooks

from staff.dashboard import ComingUpPanel, works_on_pages


@hooks.register("construct_homepage_panels")
def add_coming_up_panel(request, panels):
    if works_on_pages(request.user):
        panels.append(ComingUpPanel())
