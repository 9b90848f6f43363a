"""Membership staff keep meetings' proxy registers: they approve or refuse members'
requests, enter signed paper proxy forms and export the register
(`meetings.manage_proxies`)."""

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
            Permission.objects.get(content_type__app_label="meetings", codename="manage_proxies")
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MEMBERSHIP_STAFF).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="meetings", codename="manage_proxies"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0004_meeting_organisers_manage_delegate_weights"),
        ("meetings", "0021_proxies"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
