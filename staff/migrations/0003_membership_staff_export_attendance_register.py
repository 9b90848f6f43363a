"""Membership staff export meetings' attendance registers for the union's records.

The register names who attended and when, so it has a permission of its own
(`meetings.export_attendance_register`) rather than riding on the mailing list's.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MEMBERSHIP_STAFF = "Membership staff"


def grant(apps, schema_editor):
    # post_migrate, which normally creates permissions, runs after every migration.
    meetings = apps.get_app_config("meetings")
    meetings.models_module = True
    create_permissions(meetings, apps=apps, verbosity=0)
    meetings.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MEMBERSHIP_STAFF).first()
    if group is not None:
        group.permissions.add(
            Permission.objects.get(
                content_type__app_label="meetings", codename="export_attendance_register"
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MEMBERSHIP_STAFF).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="meetings", codename="export_attendance_register"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0002_scrutineers_group"),
        ("meetings", "0012_attendance_register"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
