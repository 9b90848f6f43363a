"""Meeting organisers set delegates' weights for delegate meetings, one at a time or by
importing the delegate list: they prepare the meeting's ballot, and the weights are
part of how it is counted."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MEETING_ORGANISERS = "Meeting organisers"
CODENAMES = [f"{action}_delegateweight" for action in ("add", "change", "delete", "view")]


def grant(apps, schema_editor):
    # post_migrate, which normally creates permissions, runs after every migration.
    meetings = apps.get_app_config("meetings")
    meetings.models_module = True
    create_permissions(meetings, apps=apps, verbosity=0)
    meetings.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MEETING_ORGANISERS).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="meetings", codename__in=CODENAMES)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MEETING_ORGANISERS).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="meetings", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0003_membership_staff_export_attendance_register"),
        ("meetings", "0018_delegate_weights"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
