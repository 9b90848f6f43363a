"""The Scrutineers group: the tellers a meeting names hold its sealed ballots' key.

They need nothing of the admin but to sign in (their work is on each meeting's chair
page and their ballot passphrase page), so the group has only admin access. Being in
the group is what lets staff appoint someone a meeting's scrutineer.
"""

from django.db import migrations

SCRUTINEERS = "Scrutineers"


def create_group(apps, schema_editor):
    # The admin's permissions exist: 0001 created every app's before it ran.
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SCRUTINEERS)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin")
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=SCRUTINEERS).delete()


class Migration(migrations.Migration):
    dependencies = [("staff", "0001_staff_groups_and_workflows")]

    operations = [migrations.RunPython(create_group, remove_group)]
