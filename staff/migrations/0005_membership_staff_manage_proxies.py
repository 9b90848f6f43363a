"""Membership staff keep meetings' proxy registers: they approve or refuse members'
requests, enter signed paper proxy forms and export the register
(`meetings.manage_proxies`)."""

from django.db import migrations

from staff.permission_grants import grant_meetings_permissions


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0004_meeting_organisers_manage_delegate_weights"),
        ("meetings", "0021_proxies"),
    ]

    operations = [
        migrations.RunPython(*grant_meetings_permissions("Membership staff", ["manage_proxies"]))
    ]
