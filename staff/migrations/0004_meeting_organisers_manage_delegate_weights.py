"""Meeting organisers set delegates' weights for delegate meetings, one at a time or by
importing the delegate list: they prepare the meeting's ballot, and the weights are
part of how it is counted."""

from django.db import migrations

from staff.permission_grants import grant_meetings_permissions

CODENAMES = [f"{action}_delegateweight" for action in ("add", "change", "delete", "view")]


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0003_membership_staff_export_attendance_register"),
        ("meetings", "0018_delegate_weights"),
    ]

    operations = [
        migrations.RunPython(*grant_meetings_permissions("Meeting organisers", CODENAMES))
    ]
