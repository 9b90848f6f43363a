"""Staff logins: the admin is for staff only, and a staff password must be a strong one."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from members.factories import MemberFactory
from tests.member_fixtures import give_account

pytestmark = pytest.mark.django_db

ADD_USER = "wagtailusers_users:add"


def new_staff_user(admin_client, password, username="comms-editor"):
    return admin_client.post(
        reverse(ADD_USER),
        {
            "username": username,
            "email": f"{username}@northwind.example",
            "first_name": "Casey",
            "last_name": "Communications",
            "password1": password,
            "password2": password,
            "groups": [Group.objects.get_or_create(name="Editors")[0].pk],
        },
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short1!", "too short"),
        ("password1234", "too common"),
        ("739201846571", "entirely numeric"),
        ("comms-editor-1", "too similar"),
    ],
)
def test_a_weak_staff_password_is_refused_in_the_admin(admin_client, password, reason):
    response = new_staff_user(admin_client, password)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("password2", []))
    assert reason in errors
    assert not get_user_model().objects.filter(username="comms-editor").exists()


def test_a_strong_staff_password_is_accepted(admin_client):
    response = new_staff_user(admin_client, "lantern-quarry-sable-42")

    assert response.status_code == 302
    assert (
        get_user_model()
        .objects.get(username="comms-editor")
        .check_password("lantern-quarry-sable-42")
    )


@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/admin/users/"])
def test_the_admin_sends_anonymous_visitors_to_the_staff_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/admin/users/"])
def test_a_member_account_is_not_a_staff_login(client, path):
    member = MemberFactory()
    client.force_login(give_account(member))

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_a_member_cannot_sign_in_to_the_admin_with_their_own_password(client):
    member = MemberFactory()
    give_account(member, password="correct horse battery staple")

    client.post(
        reverse("wagtailadmin_login"),
        {"username": member.account.username, "password": "correct horse battery staple"},
    )

    # The password is right, but the account has no admin access: still sent to sign in.
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
