"""Admin registrations for the page-component library."""

from wagtail import hooks

from cms.new_page_forms import UnionPageViewSet
from members.choosers import (
    chapter_chooser_viewset,
    local_chooser_viewset,
    sector_chooser_viewset,
)


@hooks.register("register_admin_viewset")
def register_unit_choosers():
    # The members-only component picks sectors, Locals and Chapters with these.
    return [sector_chooser_viewset, local_chooser_viewset, chapter_chooser_viewset]


# After Wagtail's own viewset for all pages (order 0), which this one replaces.
@hooks.register("register_admin_viewset", order=1)
def register_page_views():
    return UnionPageViewSet()
