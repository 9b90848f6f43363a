"""Claiming a member account with a member ID: nothing leaks, nobody takes over an ID."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from members.factories import MemberFactory
from members.models import Member
from tests.member_fixtures import give_account

pytestmark = pytest.mark.django_db

SIGN_UP = "/account/sign-up/"


def sign_up(client, member_id, family_name, email, **extra):
    return client.post(
        SIGN_UP,
        {"member_id": member_id, "family_name": family_name, "email": email},
        REMOTE_ADDR=extra.get("ip", "203.0.113.5"),
    )


def activation_link(message):
    match = re.search(r"http://testserver(/account/activate/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def rostered(db):
    return MemberFactory(member_id="004217", family_name="Okafor", email="ada.okafor@example.org")


def test_sign_up_answers_are_identical_for_unknown_known_and_claimed_ids(client, rostered):
    other = MemberFactory(member_id="004218", family_name="Lind", email="lind@example.org")
    give_account(other)

    responses = [
        sign_up(client, "999999", "Nobody", "someone@example.org"),  # unknown ID
        sign_up(client, "004217", "Okafor", "ada.okafor@example.org"),  # known, no account
        sign_up(client, "004218", "Lind", "lind@example.org"),  # already has an account
        sign_up(client, "004217", "Okafor", "attacker@example.net"),  # wrong email
    ]

    assert {r.status_code for r in responses} == {302}
    assert {r["Location"] for r in responses} == {reverse("members:sign_up_sent")}
    # Each request got exactly one email, to the address typed in.
    assert [m.to for m in mail.outbox] == [
        ["someone@example.org"],
        ["ada.okafor@example.org"],
        ["lind@example.org"],
        ["attacker@example.net"],
    ]
    # The unknown ID and the wrong email get the very same message: nothing to tell them apart.
    assert mail.outbox[0].subject == mail.outbox[3].subject
    assert mail.outbox[0].body == mail.outbox[3].body
    assert "already have one" in mail.outbox[2].body


def test_matching_roster_email_creates_an_account_that_activates_by_link(client, rostered):
    sign_up(client, "004217", "okafor", "Ada.Okafor@example.org")

    rostered.refresh_from_db()
    user = rostered.account
    assert user is not None and not user.has_usable_password()
    assert not EmailAddress.objects.get(user=user).verified

    link = activation_link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    response = client.post(
        link, {"new_password1": "plum orchard ladder 42", "new_password2": "plum orchard ladder 42"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("members:dashboard")
    assert EmailAddress.objects.get(user=user).verified
    # The link works once only.
    assert client.get(link).status_code == 400

    client.logout()
    signed_in = client.post(
        reverse("account_login"),
        {"login": "ada.okafor@example.org", "password": "plum orchard ladder 42"},
    )
    assert signed_in.status_code == 302
    dashboard = client.get(reverse("members:dashboard"))
    assert "Hello " + rostered.given_name in dashboard.content.decode()


def test_email_not_matching_the_roster_never_creates_an_account(client, rostered):
    sign_up(client, "004217", "Okafor", "attacker@example.net")

    rostered.refresh_from_db()
    assert rostered.account is None
    assert not get_user_model().objects.filter(email="attacker@example.net").exists()
    assert "/account/activate/" not in mail.outbox[0].body


def test_member_with_no_roster_email_gets_an_account_waiting_for_approval(client):
    member = MemberFactory(member_id="000731", family_name="Tremblay", email="")

    sign_up(client, "000731", "Tremblay", "tremblay.home@example.org")

    member.refresh_from_db()
    assert member.account is not None
    assert member.account_needs_approval
    assert "check the account is yours" in mail.outbox[0].body


def test_second_sign_up_for_a_claimed_id_creates_nothing(client, rostered):
    give_account(rostered)
    users_before = get_user_model().objects.count()

    sign_up(client, "004217", "Okafor", "ada.okafor@example.org")

    assert get_user_model().objects.count() == users_before
    assert "already have one" in mail.outbox[0].body


def test_unverified_account_cannot_sign_in_or_see_member_pages(client, rostered):
    give_account(rostered, verified=False, password="plum orchard ladder 42")

    response = client.post(
        reverse("account_login"), {"login": rostered.email, "password": "plum orchard ladder 42"}
    )

    # allauth sends a verification email instead of signing in.
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    assert reverse("members:dashboard") not in response.get("Location", "")


def test_malformed_member_id_is_refused_with_a_clear_message_and_no_email(client):
    response = sign_up(client, "12a45", "Okafor", "ada@example.org")

    assert response.status_code == 200
    assert "exactly six digits" in response.content.decode()
    assert mail.outbox == []


def test_sign_up_is_rate_limited_per_member_id(client, rostered):
    for attempt in range(3):
        assert (
            sign_up(
                client, "004217", "Wrong", f"x{attempt}@example.org", ip=f"198.51.100.{attempt}"
            ).status_code
            == 302
        )

    limited = sign_up(client, "004217", "Wrong", "x9@example.org", ip="198.51.100.77")

    assert limited.status_code == 429
    assert len(mail.outbox) == 3


def test_sign_up_is_rate_limited_per_ip(client):
    for n in range(10):
        assert sign_up(client, f"{n:06d}", "Nobody", "n@example.org").status_code == 302

    assert sign_up(client, "000099", "Nobody", "n@example.org").status_code == 429


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


def test_concurrent_looking_double_sign_up_links_one_account(client, rostered):
    sign_up(client, "004217", "Okafor", "ada.okafor@example.org")
    sign_up(client, "004217", "Okafor", "ada.okafor@example.org", ip="203.0.113.9")

    assert get_user_model().objects.filter(email__iexact="ada.okafor@example.org").count() == 1
    assert Member.objects.get(member_id="004217").account is not None


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
