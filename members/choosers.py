"""Admin choosers for union units, used by page components and page fields.

Registered in members/wagtail_hooks.py; the block classes are importable at
model-load time so StreamField definitions can use them.
"""

from wagtail.admin.viewsets.chooser import ChooserViewSet

from members.models import Chapter, Local, Sector


class SectorChooserViewSet(ChooserViewSet):
    model = Sector
    icon = "group"
    choose_one_text = "Choose a sector"
    choose_another_text = "Choose another sector"


class LocalChooserViewSet(ChooserViewSet):
    model = Local
    icon = "group"
    choose_one_text = "Choose a Local"
    choose_another_text = "Choose another Local"


class ChapterChooserViewSet(ChooserViewSet):
    model = Chapter
    icon = "group"
    choose_one_text = "Choose a Chapter"
    choose_another_text = "Choose another Chapter"


sector_chooser_viewset = SectorChooserViewSet("sector_chooser")
local_chooser_viewset = LocalChooserViewSet("local_chooser")
chapter_chooser_viewset = ChapterChooserViewSet("chapter_chooser")

SectorChooserBlock = sector_chooser_viewset.get_block_class(
    name="SectorChooserBlock", module_path="members.choosers"
)
LocalChooserBlock = local_chooser_viewset.get_block_class(
    name="LocalChooserBlock", module_path="members.choosers"
)
ChapterChooserBlock = chapter_chooser_viewset.get_block_class(
    name="ChapterChooserBlock", module_path="members.choosers"
)
