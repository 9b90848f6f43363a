"""The union's staff roles: the Wagtail groups staff accounts belong to.

The groups, their permissions and the workflows are created by this app's
migration (``staff/migrations/0001_staff_groups_and_workflows.py``), not by
hand, so every installation has the same roles:

* Communications editors: create and edit pages and guides, upload images and
  documents, and submit their changes for approval. They never publish.
* Moderators: approve and publish pages and guides (never policy pages).
* Membership staff: the roster and the union's structure, roster import, meetings'
  attendance registers (`0003_membership_staff_export_attendance_register.py`), their
  proxy registers (`0005_membership_staff_manage_proxies.py`), and
  the mailing lists for mailed meeting notices.
* Privacy officer: the access log, the roster read-only with contact details
  (to answer "what do you hold about me"), the Privacy Officer settings, and
  approving policy pages, which no other group may publish
  (policies/review.py).
* Meeting organisers: meeting pages, publishing included, their ballot items, and
  delegates' weights for delegate meetings
  (`0004_meeting_organisers_manage_delegate_weights.py`). No roster.
* Scrutineers (``0002_scrutineers_group.py``): the tellers staff appoint on a
  meeting, who hold the key to its sealed ballots. Admin sign-in only: their
  work is on the meeting's chair page and their ballot passphrase page.

Page permissions are given on the tree: editors and moderators on the root
page, so they hold on whatever home page the site has; meeting organisers on
the Meetings index, which may be created after the migration ran, so
`set_up_meetings_index` gives them their permissions (and the Meetings
workflow) whenever an index is created.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_save
from wagtail.models import GroupPagePermission, Workflow, WorkflowPage

COMMUNICATIONS_EDITORS = "Communications editors"
MODERATORS = "Moderators"
MEMBERSHIP_STAFF = "Membership staff"
PRIVACY_OFFICER = "Privacy officer"
MEETING_ORGANISERS = "Meeting organisers"
SCRUTINEERS = "Scrutineers"

# The page permissions meeting organisers hold on the Meetings index and below.
MEETING_ORGANISER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def set_up_meetings_index(index):
    """Give meeting organisers their pages: permissions and their own approval workflow.

    Meetings are not content: organisers publish them themselves, and a change an
    editor submits goes to the organisers rather than the moderators. Idempotent;
    does nothing when the organisers' group has been removed.
    """
    organisers = Group.objects.filter(name=MEETING_ORGANISERS).first()
    if organisers is None:
        return
    for codename in MEETING_ORGANISER_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=organisers,
            page_id=index.pk,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    workflow = (
        Workflow.objects.filter(
            active=True, workflow_tasks__task__groupapprovaltask__groups=organisers
        )
        .order_by("pk")
        .first()
    )
    if workflow is not None and not WorkflowPage.objects.filter(page_id=index.pk).exists():
        WorkflowPage.objects.create(page_id=index.pk, workflow=workflow)


def _meetings_index_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        set_up_meetings_index(instance)


def connect():
    from meetings.models import MeetingIndexPage

    post_save.connect(
        _meetings_index_created,
        sender=MeetingIndexPage,
        dispatch_uid="staff.meetings_index_created",
    )
