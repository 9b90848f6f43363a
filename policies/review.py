"""The Privacy Officer's review of policy pages.

A change to a policy (the privacy statement above all) goes live only when the
Privacy Officer approves it:

* Only people with the ``policies.approve_policy`` permission (the Privacy
  officer group) and superusers may publish, unpublish or schedule a policy
  page, wherever it sits in the page tree. Moderators' publish permission on the
  rest of the site does not reach policies (`PolicyPermissionTester`).
* Everyone else submits the change to the "Privacy Officer's approval"
  workflow: the active workflow with an approval task for a group holding that
  permission. Policy pages use it whatever workflow the pages around them use.
* When the Privacy Officer approves, the policy's "last reviewed" date becomes
  today, on the live page and in the revision that went live
  (`stamp_review_date`).
"""

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from wagtail.models import PagePermissionTester, Workflow, WorkflowState
from wagtail.signals import workflow_approved

APPROVE_POLICY = "policies.approve_policy"


def may_approve_policies(user):
    """True for the Privacy Officer (and superusers): they alone publish policy pages."""
    return bool(user and user.is_active and user.has_perm(APPROVE_POLICY))


def policy_review_workflow():
    """The active workflow in which a group that may approve policies signs off, or None."""
    if not getattr(settings, "WAGTAIL_WORKFLOW_ENABLED", True):
        return None
    approvers = Q(
        workflow_tasks__task__active=True,
        workflow_tasks__task__groupapprovaltask__groups__permissions__content_type__app_label=(
            "policies"
        ),
        workflow_tasks__task__groupapprovaltask__groups__permissions__codename="approve_policy",
    )
    return Workflow.objects.filter(approvers, active=True).order_by("pk").first()


class PolicyPermissionTester(PagePermissionTester):
    """Page permissions on a policy page: publishing belongs to the Privacy Officer alone.

    Publish permission from the page tree is taken away from everyone else, and
    given to holders of ``policies.approve_policy`` wherever the page is. Editing
    is unchanged, so editors still write the change and submit it.
    """

    def __init__(self, user, page):
        super().__init__(user, page)
        if user.is_active and not user.is_superuser:
            if may_approve_policies(user):
                self.permissions = self.permissions | {"publish"}
            else:
                self.permissions = self.permissions - {"publish"}


def stamp_review_date(sender, instance, user=None, **kwargs):
    """When the Privacy Officer approves a policy, its "last reviewed" date becomes today.

    The workflow has already published the latest revision; the date is written
    to the live page and to that revision, so the next edit starts from it.
    Nothing is published again.
    """
    from policies.models import PolicyPage

    if not may_approve_policies(user):
        return
    page = PolicyPage.objects.filter(pk=instance.object_id).first()
    if page is None:
        return
    today = timezone.localdate()
    PolicyPage.objects.filter(pk=page.pk).update(last_reviewed=today)
    for revision in {page.live_revision, page.latest_revision} - {None}:
        revision.content["last_reviewed"] = today.isoformat()
        revision.save(update_fields=["content"])


def connect():
    workflow_approved.connect(
        stamp_review_date, sender=WorkflowState, dispatch_uid="policies.stamp_review_date"
    )
