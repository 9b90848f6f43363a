"""Previewing a page as the public, or a member of one sector, would see it.

Page types whose body can hold members-only sections offer these preview modes
(`MemberViewPreviewMixin`), picked from the preview panel's "Preview mode" menu:

* "Every section (editor's view)", the default: every members-only section is
  shown, labelled with who sees it.
* "Public view (not signed in)": what a visitor sees; members-only sections
  give way to the invitation to sign in.
* "Member of <sector>", one per sector: the sections a member of that sector
  could see, including those aimed at one of its Locals or Chapters. The others
  are replaced by a one-line note saying they are hidden.

The members-only component and the home page ask `preview_audience(request)`.
"""

from dataclasses import dataclass

EDITOR_VIEW = ""
PUBLIC_VIEW = "public"
SECTOR_VIEW_PREFIX = "sector-"


@dataclass(frozen=True)
class PreviewAudience:
    """Who a preview is shown as: the public (``sector`` None) or a member of a sector."""

    label: str
    sector: object = None

    @property
    def signed_in(self):
        return self.sector is not None

    def sees(self, audience):
        """Whether a members-only section for this `Audience` shows in this preview."""
        return self.sector is not None and audience.reaches_sector(self.sector)


def preview_audience(request):
    """The audience a preview is shown as, or None outside a preview and in the editor's view."""
    if request is None or not getattr(request, "is_preview", False):
        return None
    if not hasattr(request, "_preview_audience"):
        request._preview_audience = _audience_for(getattr(request, "preview_mode", "") or "")
    return request._preview_audience


def _audience_for(mode):
    from members.models import Sector

    if mode == PUBLIC_VIEW:
        return PreviewAudience("the public (not signed in)")
    if mode.startswith(SECTOR_VIEW_PREFIX):
        sector = Sector.objects.filter(slug=mode.removeprefix(SECTOR_VIEW_PREFIX)).first()
        if sector is not None:
            return PreviewAudience(f"a member of {sector.name}", sector)
    return None


class MemberViewPreviewMixin:
    """Preview modes for a page with members-only sections: editor's, public, and per sector."""

    @property
    def preview_modes(self):
        from members.models import Sector

        return [
            (EDITOR_VIEW, "Every section (editor's view)"),
            (PUBLIC_VIEW, "Public view (not signed in)"),
            *(
                (f"{SECTOR_VIEW_PREFIX}{slug}", f"Member of {name}")
                for slug, name in Sector.objects.order_by("name").values_list("slug", "name")
            ),
        ]
