"""Approving a page from its editor: land where the approver may go.

Reviewers approve (or request changes) from the editor's *More actions* menu, which
posts the form to Wagtail's edit view with ``action-workflow-action``. Wagtail's view
is kept; `ApprovingEditView` changes where the approver lands afterwards.

Wagtail sends them to the page listing of the page's parent. The Privacy Officer
holds no page permissions (they approve policies; see staff/roles.py), so may not
open any listing, and after a successful approval was met by "Sorry, you do not have
permission to access this area." An approver who cannot open that listing now lands
on the dashboard, where Wagtail lands them after approving from its *Awaiting your
review* panel, with Wagtail's own message.
"""

from django.shortcuts import redirect
from wagtail.admin.views.pages.edit import EditView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.permission_policies.pages import PagePermissionPolicy


def may_browse(user, page):
    """Whether the admin's page listing of ``page`` opens for ``user``."""
    return PagePermissionPolicy().explorable_instances(user).filter(pk=page.pk).exists()


class ApprovingEditView(EditView):
    """Wagtail's page edit view, landing the approver where they may go (see the top
    of this module)."""

    def redirect_away(self):
        if not self.next_url and not may_browse(self.request.user, self.page.get_parent()):
            return redirect("wagtailadmin_home")
        return super().redirect_away()


class ApprovingPageViewSet(PageViewSet):
    """The admin's page views, with the page editor's approvals made safe.

    Registered for every page type: it replaces Wagtail's base page viewset, which
    Wagtail registers first so that a site can do this.
    """

    edit_view_class = ApprovingEditView


approving_page_viewset = ApprovingPageViewSet()
