"""Approving a page from its editor: approve once, and land where the approver may go.

Reviewers approve (or request changes) from the editor's *More actions* menu, which
posts the form to Wagtail's edit view with ``action-workflow-action``. Wagtail's view
is kept; `ApprovingEditView` changes two things about it:

* **Where the approver lands.** Wagtail sends them to the page listing of the page's
  parent. The Privacy Officer holds no page permissions (they approve policies; see
  staff/roles.py), so may not open any listing, and after a successful approval was
  met by "Sorry, you do not have permission to access this area." An approver who
  cannot open that listing now lands on the dashboard, where Wagtail lands them
  after approving from its *Awaiting your review* panel, with Wagtail's own message.

* **A repeated action** (a double click on *Approve*). Wagtail checks that the action
  is available before it validates the form, then performs it reading the page's
  current task again. When the first click's approval lands in between, there is no
  task left and ``None.on_action`` is a 500; when it landed before, the check failed
  quietly and the post was saved as a new draft revision. Now the action runs with
  the page's workflow state locked (the second request waits for the first), and a
  repeated one is answered with what became of the approval and a redirect, changing
  nothing. The same answer replaces Wagtail's permission error for a reviewer, like
  the Privacy Officer, who may open the editor only while the page waits for them.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.pages.edit import EditView
from wagtail.models import WorkflowState
from wagtail.permission_policies.pages import PagePermissionPolicy

from cms.new_page_forms import UnionPageViewSet

UNCHANGED = "Nothing was changed."


def may_browse(user, page):
    """Whether the admin's page listing of ``page`` opens for ``user``."""
    return PagePermissionPolicy().explorable_instances(user).filter(pk=page.pk).exists()


def reviews(user, task_state, page):
    """Whether ``user`` is one of the reviewers of the task ``task_state`` was for."""
    return bool(task_state.task.specific.get_actions(page, user))


def what_became_of_the_approval(page, user):
    """The message for a workflow action with nothing left to act on, and its level:
    the page's latest workflow says whether it was approved, sent back or cancelled."""
    title = page.get_admin_display_title()
    state = (
        WorkflowState.objects.for_instance(page)
        .select_related("current_task_state__finished_by")
        .order_by("-created_at", "-pk")
        .first()
    )
    if state is None:
        return messages.warning, f"Page '{title}' is not waiting for approval. {UNCHANGED}"
    finished_by = state.current_task_state.finished_by if state.current_task_state else None
    if finished_by is None:
        by = ""
    elif finished_by == user:
        by = " by you"
    else:
        by = f" by {finished_by.get_full_name() or finished_by.get_username()}"
    if state.status == WorkflowState.STATUS_APPROVED:
        return messages.success, f"Page '{title}' has already been approved{by}. {UNCHANGED}"
    if state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        return (
            messages.warning,
            f"Changes to page '{title}' have already been requested{by}. {UNCHANGED}",
        )
    if state.status == WorkflowState.STATUS_CANCELLED:
        return messages.warning, f"The approval of page '{title}' was cancelled. {UNCHANGED}"
    # In progress, at a step this user does not review.
    return messages.warning, f"Page '{title}' is not waiting for your approval. {UNCHANGED}"


class ApprovingEditView(EditView):
    """Wagtail's page edit view, performing a workflow action once and landing the
    approver where they may go (see the top of this module)."""

    @property
    def posts_workflow_action(self):
        return self.request.method == "POST" and bool(
            self.request.POST.get("action-workflow-action")
        )

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            if not (self.posts_workflow_action and self.reviewed_the_finished_workflow()):
                raise
            # Refused before Wagtail read where to go next.
            self.next_url = get_valid_next_url_from_request(request)
            return self.answer_an_action_with_nothing_to_act_on()

    def reviewed_the_finished_workflow(self):
        """True when the page waits for no one and this user reviewed its last step."""
        page = getattr(self, "real_page_record", None)
        if page is None:
            return False
        state = WorkflowState.objects.for_instance(page).order_by("-created_at", "-pk").first()
        if state is None or state.status == WorkflowState.STATUS_IN_PROGRESS:
            return False
        task_state = state.current_task_state
        return task_state is not None and reviews(self.request.user, task_state, page)

    def post(self, request, *args, **kwargs):
        # Wagtail would quietly save the post as a draft instead.
        if self.posts_workflow_action and not self.workflow_action_is_valid():
            return self.answer_an_action_with_nothing_to_act_on()
        return super().post(request, *args, **kwargs)

    def perform_workflow_action(self):
        with transaction.atomic():
            # A second click waits here until the first one's approval is committed,
            # then finds no task in progress, where Wagtail would fail on None.
            in_progress = (
                WorkflowState.objects.for_instance(self.real_page_record)
                .filter(status=WorkflowState.STATUS_IN_PROGRESS)
                .select_for_update()
                .first()
            )
            if in_progress is None or not self.workflow_action_is_valid():
                return self.answer_an_action_with_nothing_to_act_on()
            return super().perform_workflow_action()

    def answer_an_action_with_nothing_to_act_on(self):
        level, message = what_became_of_the_approval(self.real_page_record, self.request.user)
        level(self.request, message)
        return self.redirect_away()

    def redirect_away(self):
        if not self.next_url and not may_browse(self.request.user, self.page.get_parent()):
            return redirect("wagtailadmin_home")
        return super().redirect_away()


class ApprovingPageViewSet(UnionPageViewSet):
    """The admin's page views: a new page created once per form (cms.new_page_forms),
    and the page editor's approvals made safe.

    Registered for every page type: it replaces Wagtail's base page viewset, which
    Wagtail registers first so that a site can do this. There is only one such viewset:
    extend this one.
    """

    edit_view_class = ApprovingEditView


approving_page_viewset = ApprovingPageViewSet()
