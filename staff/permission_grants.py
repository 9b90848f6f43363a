"""What the staff migrations that give a group more of the meetings app's permissions share:
`RunPython(*grant_meetings_permissions(group, codenames))` adds them going forward and
removes them going back."""

from django.contrib.auth.management import create_permissions


def grant_meetings_permissions(group_name, codenames):
    """(grant, revoke) functions for RunPython: `group_name` gets (or loses) the meetings
    app's permissions `codenames`; a missing group is left alone."""

    def permissions(apps):
        Permission = apps.get_model("auth", "Permission")
        return Permission.objects.filter(content_type__app_label="meetings", codename__in=codenames)

    def group(apps):
        return apps.get_model("auth", "Group").objects.filter(name=group_name).first()

    def grant(apps, schema_editor):
        # post_migrate, which normally creates permissions, runs after every migration.
        meetings = apps.get_app_config("meetings")
        meetings.models_module = True
        create_permissions(meetings, apps=apps, verbosity=0)
        meetings.models_module = None
        found = group(apps)
        if found is not None:
            wanted = permissions(apps)
            if wanted.count() != len(codenames):
                raise LookupError(f"The meetings app lacks one of the permissions {codenames}.")
            found.permissions.add(*wanted)

    def revoke(apps, schema_editor):
        found = group(apps)
        if found is not None:
            found.permissions.remove(*permissions(apps))

    return grant, revoke
