"""Privacy staff read the access log in the admin; nobody edits it there."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from members.factories import MemberFactory
from members.models import AccessLogEntry

pytestmark = pytest.mark.django_db

INDEX = "/admin/members/accesslogentry/"


def staff_user(django_user_model, *codenames):
    user = django_user_model.objects.create_user(
        "privacy", "privacy@northwind.example", "pw-long-enough-1"
    )
    group = Group.objects.create(name="Privacy officer (test)")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in codenames:
        group.permissions.add(Permission.objects.get(codename=codename))
    user.groups.add(group)
    return user


def entry(member_ids, what):
    return AccessLogEntry.objects.create(
        actor_name="Chidi Chair",
        role="Chapter chair",
        action="view",
        what=what,
        member_ids=member_ids,
    )


def test_privacy_staff_find_every_entry_that_touched_a_member(client, django_user_model):
    a, b = MemberFactory(member_id="004217"), MemberFactory(member_id="004218")
    entry([a.member_id, b.member_id], "Contact list of Chapter 1")
    entry([b.member_id], "Contact card of member 004218")
    entry(["104217"], "Someone else")
    client.force_login(staff_user(django_user_model, "view_accesslogentry"))

    html = client.get(INDEX, {"q": "004217"}).content.decode()

    assert "Contact list of Chapter 1" in html
    assert "Contact card of member 004218" not in html
    assert "Someone else" not in html


def test_access_log_has_no_add_edit_or_delete_in_the_admin(client, admin_user):
    logged = entry(["004217"], "Contact list")
    client.force_login(admin_user)

    assert client.get(INDEX).status_code == 200
    for url in (f"{INDEX}create/", f"{INDEX}edit/{logged.pk}/", f"{INDEX}delete/{logged.pk}/"):
        response = client.post(url, {"what": "tampered"})
        # Refused as the admin refuses any view the user lacks permission for.
        assert response.status_code == 302, url
        assert response["Location"] == "/admin/", url
    assert AccessLogEntry.objects.get().what == "Contact list"


def test_staff_without_the_permission_cannot_open_the_access_log(client, django_user_model):
    client.force_login(staff_user(django_user_model))

    response = client.get(INDEX)

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
