"""The staff groups, each with exactly the permissions its role needs, and the workflows.

Written by hand. On a site where the groups already exist, their permissions
are set to exactly what is written here; the people in them stay. Wagtail's
default "Editors" group becomes "Communications editors"; its "Moderators"
group and "Moderators approval" workflow are kept, with the permissions below.
See staff/roles.py for what each group is for.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COMMUNICATIONS_EDITORS = "Communications editors"
MODERATORS = "Moderators"
MEMBERSHIP_STAFF = "Membership staff"
PRIVACY_OFFICER = "Privacy officer"
MEETING_ORGANISERS = "Meeting organisers"

ACCESS_ADMIN = "wagtailadmin.access_admin"
ROSTER_MODELS = ("member", "local", "chapter", "sector", "areacouncil")

MODEL_PERMISSIONS = {
    COMMUNICATIONS_EDITORS: [ACCESS_ADMIN],
    MODERATORS: [ACCESS_ADMIN],
    MEMBERSHIP_STAFF: [
        ACCESS_ADMIN,
        *(
            f"members.{action}_{model}"
            for model in ROSTER_MODELS
            for action in ("add", "change", "delete", "view")
        ),
        "members.import_roster",
        "members.view_contact_information",
        "meetings.export_mailing_list",
    ],
    PRIVACY_OFFICER: [
        ACCESS_ADMIN,
        "members.view_accesslogentry",
        "members.view_member",
        "members.view_contact_information",
        "home.change_privacyofficer",
        "policies.approve_policy",
    ],
    MEETING_ORGANISERS: [
        ACCESS_ADMIN,
        *(f"meetings.{action}_ballotitem" for action in ("add", "change", "delete", "view")),
    ],
}

# Page permissions on the root page: they hold on whatever home page the site has.
ROOT_PAGE_PERMISSIONS = {
    COMMUNICATIONS_EDITORS: ["add_page", "change_page"],
    MODERATORS: ["change_page", "publish_page"],
}
# Meeting organisers' are on the Meetings index (staff.roles.set_up_meetings_index
# gives them on an index created later).
MEETINGS_INDEX_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]

# Image and document permissions in the root collection (and so in every collection).
COLLECTION_PERMISSIONS = {
    COMMUNICATIONS_EDITORS: [
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ],
    # To keep the images and documents of a page they are reviewing.
    MODERATORS: ["wagtailimages.choose_image", "wagtaildocs.choose_document"],
    # Meeting materials.
    MEETING_ORGANISERS: ["wagtaildocs.add_document", "wagtaildocs.choose_document"],
}

# (workflow and task name, the approving group)
CONTENT_WORKFLOW = ("Moderators approval", MODERATORS)
POLICY_WORKFLOW = ("Privacy Officer's approval", PRIVACY_OFFICER)
MEETINGS_WORKFLOW = ("Meeting organisers' approval", MEETING_ORGANISERS)


def ensure_permissions(apps):
    """Create every app's permissions now: post_migrate, which normally does it, runs later."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def set_up_groups(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    MeetingIndexPage = apps.get_model("meetings", "MeetingIndexPage")

    def permission(label):
        app_label, codename = label.split(".")
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    def page_permission(codename):
        return permission(f"wagtailcore.{codename}")

    if not Group.objects.filter(name=COMMUNICATIONS_EDITORS).exists():
        Group.objects.filter(name="Editors").update(name=COMMUNICATIONS_EDITORS)

    groups = {}
    for name, labels in MODEL_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([permission(label) for label in labels])
        GroupPagePermission.objects.filter(group=group).delete()
        GroupCollectionPermission.objects.filter(group=group).delete()
        groups[name] = group

    root_page = Page.objects.filter(depth=1).order_by("path").first()
    if root_page is not None:
        for name, codenames in ROOT_PAGE_PERMISSIONS.items():
            for codename in codenames:
                GroupPagePermission.objects.create(
                    group=groups[name], page=root_page, permission=page_permission(codename)
                )

    meetings_indexes = list(MeetingIndexPage.objects.values_list("pk", flat=True))
    for index_id in meetings_indexes:
        for codename in MEETINGS_INDEX_PAGE_PERMISSIONS:
            GroupPagePermission.objects.create(
                group=groups[MEETING_ORGANISERS],
                page_id=index_id,
                permission=page_permission(codename),
            )

    root_collection = Collection.objects.filter(depth=1).order_by("path").first()
    if root_collection is not None:
        for name, labels in COLLECTION_PERMISSIONS.items():
            for label in labels:
                GroupCollectionPermission.objects.create(
                    group=groups[name], collection=root_collection, permission=permission(label)
                )

    task_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )

    def approval_workflow(name, group_name):
        task = GroupApprovalTask.objects.filter(name=name).order_by("pk").first()
        if task is None:
            task = GroupApprovalTask.objects.create(name=name, content_type=task_type)
        task.active = True
        task.save()
        task.groups.set([groups[group_name]])
        workflow = Workflow.objects.filter(name=name).order_by("pk").first()
        if workflow is None:
            workflow = Workflow.objects.create(name=name)
        workflow.active = True
        workflow.save()
        if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
            WorkflowTask.objects.create(
                workflow=workflow, task=task, sort_order=workflow.workflow_tasks.count()
            )
        return workflow

    content_workflow = approval_workflow(*CONTENT_WORKFLOW)
    # Found by its approvers (policies.review.policy_review_workflow), not by the tree.
    approval_workflow(*POLICY_WORKFLOW)
    meetings_workflow = approval_workflow(*MEETINGS_WORKFLOW)

    if root_page is not None:
        WorkflowPage.objects.update_or_create(
            page=root_page, defaults={"workflow": content_workflow}
        )
    for index_id in meetings_indexes:
        WorkflowPage.objects.update_or_create(
            page_id=index_id, defaults={"workflow": meetings_workflow}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
        ("home", "0002_components_members_only_and_aimed_pages"),
        ("members", "0003_access_log"),
        ("meetings", "0006_ballot_free_slots"),
        ("policies", "0003_policy_approval_permission"),
    ]

    operations = [
        # Nothing to undo: the groups and workflows stay when this is unapplied.
        migrations.RunPython(set_up_groups, migrations.RunPython.noop),
    ]
