"""Admin registrations for the page-component library."""

from wagtail import hooks

from members.choosers import (
    chapter_chooser_viewset,
    local_chooser_viewset,
    sector_chooser_viewset,
)


@hooks.register("register_admin_viewset")
def register_unit_choosers():
    # The members-only component picks sectors, Locals and Chapters with these.
    return [sector_chooser_viewset, local_chooser_viewset, chapter_chooser_viewset]


# The admin's views for every page type are one viewset: cms.new_page_forms' create
# view (a page created once per form, whatever autosave does) with staff.approvals' edit
# view (approvals a double click cannot repeat), registered by staff/wagtail_hooks.py.
