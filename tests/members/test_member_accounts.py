"""Member accounts once made: sign-in, sign-out, password reset, email change, no admin.

Signing up is in test_sign_up.py."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from members.factories import MemberFactory
from tests.member_fixtures import give_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def rostered(db):
    return MemberFactory(member_id="004217", family_name="Okafor", email="ada.okafor@example.org")


def test_unverified_account_cannot_sign_in_or_see_member_pages(client, rostered):
    give_account(rostered, verified=False, password="plum orchard ladder 42")

    response = client.post(
        reverse("account_login"), {"login": rostered.email, "password": "plum orchard ladder 42"}
    )

    # allauth sends a verification email instead of signing in.
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    assert reverse("members:dashboard") not in response.get("Location", "")


def test_failed_sign_ins_are_rate_limited(client, rostered):
    give_account(rostered, password="plum orchard ladder 42")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": rostered.email, "password": "wrong guess"})

    response = client.post(
        reverse("account_login"), {"login": rostered.email, "password": "plum orchard ladder 42"}
    )

    # Even the right password is refused while the account is locked out.
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_member_account_has_no_admin_access(client, rostered):
    user = give_account(rostered)
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_password_reset_mail_goes_only_to_known_accounts_and_page_is_the_same(client, rostered):
    give_account(rostered)

    known = client.post(reverse("account_reset_password"), {"email": rostered.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    to = [m.to[0] for m in mail.outbox]
    assert rostered.email in to
    reset_mail = next(m for m in mail.outbox if m.to == [rostered.email])
    assert "/account/password/reset/key/" in reset_mail.body


def test_changing_email_takes_effect_only_after_the_new_address_is_verified(client, rostered):
    user = give_account(rostered, password="plum orchard ladder 42")
    client.force_login(user)

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "ada.new@example.org"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "ada.okafor@example.org"
    confirmation = next(m for m in mail.outbox if m.to == ["ada.new@example.org"])
    key_url = re.search(r"http://testserver(/account/confirm-email/\S+/)", confirmation.body)
    client.post(key_url.group(1))

    user.refresh_from_db()
    assert user.email == "ada.new@example.org"
    assert EmailAddress.objects.get(user=user, email="ada.new@example.org").verified


def test_sign_out_needs_a_post_and_ends_the_session(client, rostered):
    client.force_login(give_account(rostered))

    client.get(reverse("account_logout"))
    assert "_auth_user_id" in client.session

    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
