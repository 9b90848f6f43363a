"""Demo sign-ins for staff: an editor with every right, and one sign-in per staff role.

Each role's account is in its group only (staff/roles.py), so the demo shows what
each role sees of the admin. The passwords are published in the README: demo only.
An account that already exists keeps its password and groups.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from staff.roles import (
    COMMUNICATIONS_EDITORS,
    MEETING_ORGANISERS,
    MEMBERSHIP_STAFF,
    MODERATORS,
    PRIVACY_OFFICER,
    SCRUTINEERS,
)

EDITOR_USERNAME = "editor"
EDITOR_EMAIL = "editor@northwind.example"
EDITOR_PASSWORD = "northwind-demo-editor"  # noqa: S105 - a published demo sign-in

# (username, group, what they do)
STAFF_PASSWORD = "northwind-demo-staff"  # noqa: S105 - a published demo sign-in
STAFF_SIGN_INS = [
    ("communications", COMMUNICATIONS_EDITORS, "writes pages and guides, submits them"),
    ("moderator", MODERATORS, "approves and publishes pages and guides"),
    ("privacy-officer", PRIVACY_OFFICER, "approves policy changes; access log; roster read-only"),
    ("organiser", MEETING_ORGANISERS, "meeting pages and ballot items"),
    ("membership", MEMBERSHIP_STAFF, "roster, roster import, mailed-notice lists"),
    ("scrutineer", SCRUTINEERS, "unlocks the demo AGMs' sealed ballots on their chair page"),
]
# The demo scrutineer's ballot passphrase (it locks their key to the sealed ballots).
SCRUTINEER_USERNAME = "scrutineer"
BALLOT_PASSPHRASE = "northwind-demo-tellers"  # noqa: S105 - a published demo passphrase


def load_editor(*, note):
    """A superuser for editors. Returns the demo password, or None if it has been changed."""
    user_model = get_user_model()
    editor = user_model.objects.filter(username=EDITOR_USERNAME).first()
    if editor is None:
        user_model.objects.create_superuser(
            username=EDITOR_USERNAME, email=EDITOR_EMAIL, password=EDITOR_PASSWORD
        )
        note(True, f'Editor sign-in "{EDITOR_USERNAME}"')
        return EDITOR_PASSWORD
    note(False, f'Editor sign-in "{EDITOR_USERNAME}"')
    # An existing account keeps its password: never reset it behind someone's back.
    return EDITOR_PASSWORD if editor.check_password(EDITOR_PASSWORD) else None


def load_staff(*, note):
    """One sign-in per staff role, in that role's group only.

    Returns (username, group, what they do, password or None when it has been
    changed) for each.
    """
    user_model = get_user_model()
    sign_ins = []
    for username, group_name, does in STAFF_SIGN_INS:
        group = Group.objects.filter(name=group_name).first()
        user = user_model.objects.filter(username=username).first()
        created = user is None
        if created:
            user = user_model.objects.create_user(
                username=username,
                email=f"{username}@northwind.example",
                password=STAFF_PASSWORD,
            )
            if group is not None:
                user.groups.add(group)
        note(created, f'Staff sign-in "{username}" ({group_name})')
        if username == SCRUTINEER_USERNAME and created:
            from meetings.ballots.sealing import set_scrutineer_passphrase

            set_scrutineer_passphrase(user, BALLOT_PASSPHRASE)
        password = STAFF_PASSWORD if user.check_password(STAFF_PASSWORD) else None
        sign_ins.append((username, group_name, does, password))
    return sign_ins
