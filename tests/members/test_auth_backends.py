"""The site's authentication backends (members/auth_backends.py): Django's and allauth's,
finding a request's signed-in user with a query compiled once per process. They must give
the user Django's own lookup gives, and refuse whom it refuses; the same query brings the
member `signed_in_member` finds, and no member it would not."""

import pytest
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from members.audience import signed_in_member
from members.auth_backends import AuthenticationBackend, ModelBackend
from tests.member_fixtures import give_account, member_of, member_with_account, two_chapters

pytestmark = pytest.mark.django_db

BACKENDS = [ModelBackend, AuthenticationBackend]


def field_values(user):
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


@pytest.mark.parametrize("backend", BACKENDS)
def test_it_finds_the_user_django_finds(backend, site_user):
    others = [
        get_user_model().objects.create_user(username=f"other-{n}", password="a long passphrase")
        for n in range(2)
    ]
    for user in [site_user, *others]:
        found = backend().get_user(user.pk)
        assert found is not None
        assert field_values(found) == field_values(django_backends.ModelBackend().get_user(user.pk))
        assert found._state.db == "default" and not found._state.adding


@pytest.mark.parametrize("backend", BACKENDS)
def test_it_refuses_a_deactivated_account_and_an_unknown_one(backend, site_user):
    site_user.is_active = False
    site_user.save()
    assert backend().get_user(site_user.pk) is None
    assert backend().get_user(site_user.pk + 1000) is None


def test_a_deactivated_account_is_signed_out_of_its_open_session(site_user, client):
    client.force_login(site_user)  # through the first backend listed: the site's
    assert client.session["_auth_user_backend"] == "members.auth_backends.ModelBackend"
    assert client.get("/my-union/").status_code == 200  # signed in
    site_user.is_active = False
    site_user.save()
    response = client.get("/my-union/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_members_sign_in_with_their_email_through_allauth(site_user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=site_user, email=site_user.email, verified=True, primary=True)
    client = Client()
    response = client.post(
        "/account/login/", {"login": site_user.email, "password": "a long passphrase"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "members.auth_backends.AuthenticationBackend"
    assert int(client.session["_auth_user_id"]) == site_user.pk


def signed_in_request(user_id, backend):
    request = RequestFactory().get("/my-union/")
    request.user = backend().get_user(user_id)
    return request


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_user_comes_with_the_member_signed_in_member_finds_in_one_query(backend):
    chapter, _ = two_chapters()
    member = member_with_account(chapter)
    unconfirmed = member_of(chapter)
    give_account(unconfirmed, verified=False)

    with CaptureQueriesContext(connection) as queries:
        request = signed_in_request(member.account_id, backend)
        found = signed_in_member(request)
        assert found.local.sector.name and found.chapter.local.number  # its units, loaded
    assert len(queries) == 1
    assert found.pk == member.pk and found.account_id == request.user.pk

    # Whom the member lookup refuses, the user's lookup refuses too: no confirmed account.
    request = signed_in_request(unconfirmed.account_id, backend)
    assert signed_in_member(request) is None
    assert request.user == unconfirmed.account


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_user_who_is_no_member_is_signed_in_without_one(backend, site_user):
    with CaptureQueriesContext(connection) as queries:
        request = signed_in_request(site_user.pk, backend)
        assert request.user == site_user and signed_in_member(request) is None
    assert len(queries) == 1
