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
