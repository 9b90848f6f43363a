"""Membership staff export meetings' attendance registers for the union's records.

The register names who attended and when, so it has a permission of its own
(`meetings.export_attendance_register`) rather than riding on the mailing list's.
"""

from django.db import migrations

from staff.permission_grants import grant_meetings_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0002_scrutineers_group"),
        ("meetings", "0012_attendance_register"),
    ]

    operations = [
        migrations.RunPython(
            *grant_meetings_permissions("Membership staff", ["export_attendance_register"])
        )
    ]
