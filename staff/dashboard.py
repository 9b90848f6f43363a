"""The admin dashboard's "Coming up" panel: upcoming meetings and pages waiting for approval.

Shown to staff who work on pages (any page permission) or who approve them (in
a group of an approval task); membership staff, who do neither, do not get it.
"""

from django.contrib.contenttypes.models import ContentType
from wagtail.admin.ui.components import Component
from wagtail.models import GroupApprovalTask, Page, WorkflowState
from wagtail.permission_policies.pages import PagePermissionPolicy

from meetings.models import MeetingPage

UPCOMING_MEETINGS = 6
WAITING_PAGES = 10


def edits_pages(user):
    return PagePermissionPolicy().user_has_any_permission(user, ["add", "change", "publish"])


def approves_pages(user):
    return user.is_superuser or (
        GroupApprovalTask.objects.filter(active=True, groups__user=user).exists()
    )


def works_on_pages(user):
    """Staff who edit, publish or approve pages."""
    return edits_pages(user) or approves_pages(user)


def upcoming_meetings(limit=UPCOMING_MEETINGS, now=None):
    """Meetings not yet over (their room still open), soonest first, published or not."""
    return MeetingPage.objects.upcoming(now).select_related(*MeetingPage.AUDIENCE_RELATED)[:limit]


def pages_waiting_for_approval(limit=WAITING_PAGES):
    """Pages submitted to a workflow and not yet approved, with the step they wait at."""
    states = list(
        WorkflowState.objects.active()
        .filter(base_content_type=ContentType.objects.get_for_model(Page))
        .select_related("current_task_state__task", "requested_by")
        .order_by("created_at")[:limit]
    )
    pages = Page.objects.in_bulk([int(state.object_id) for state in states])
    return [
        {
            "page": pages[int(state.object_id)],
            "waiting_for": state.current_task_state.task.name if state.current_task_state else "",
            "submitted_by": state.requested_by,
            "submitted_at": state.created_at,
            "in_progress": state.status == WorkflowState.STATUS_IN_PROGRESS,
        }
        for state in states
        if int(state.object_id) in pages
    ]


class ComingUpPanel(Component):
    name = "coming_up"
    template_name = "staff/coming_up_panel.html"
    order = 90  # before Wagtail's own panels

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        # Meetings are for those who edit pages; approvers alone see only what waits.
        context["meetings"] = upcoming_meetings() if edits_pages(user) else None
        waiting = pages_waiting_for_approval()
        for item in waiting:
            item["can_open"] = item["page"].permissions_for_user(user).can_edit()
        context["waiting"] = waiting
        return context
