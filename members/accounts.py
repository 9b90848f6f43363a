"""Member accounts: claiming a roster entry with a member ID, and activating it.

An account is claimed with member ID + family name + personal email. The page
answers every valid request the same way and in the same time: the view only
queues `members.tasks.answer_sign_up` and redirects, and the task, after the
response, does the roster work and sends the one email that says what happened.
So neither the page nor its timing tells whether a member ID exists.

What the roster decides:

- An unknown member ID, or a known one with another family name, gets the
  "details did not match" email, word for word the same, and nothing else: no
  account, and nobody else is written to, so IDs cannot be probed or claimed
  without the name that goes with them.
- ID and family name match, no account yet:
  - the address is the roster's personal email: an account, ready once the
    emailed link confirms the address and sets the password;
  - there is no email on the roster, or a different one: the same, but the
    account waits for the Member Resource Centre's approval
    (`Member.account_needs_approval`, which staff untick in the roster) before
    it may enter meetings or vote. The email to the new address is the same in
    both cases and never shows roster data; the address on file, if any, is
    told that an account was asked for with a new address.
- ID and family name match and the member already has an account: the owner's
  own address (the account's or the roster's) is reminded how to sign in; any
  other address is told the ID already has an account under another address,
  and the address on file hears about the request.
"""

import secrets
from dataclasses import dataclass
from enum import Enum

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from wagtail.models import Site

from home.models import MemberResourceCentre
from members.models import Member


class MemberAccountAdapter(DefaultAccountAdapter):
    """allauth runs sign-in, sign-out, password reset and email change; sign-up is ours."""

    def is_open_for_signup(self, request):
        return False


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """One-use activation links: the token dies once the password is set."""

    key_salt = "members.accounts.ActivationTokenGenerator"


activation_token = ActivationTokenGenerator()


class SignUpOutcome(Enum):
    """What happened to a sign-up request. Never shown on the page; it picks the emails."""

    CREATED = "created"
    CREATED_NEEDS_APPROVAL = "created_needs_approval"
    ALREADY_HAS_ACCOUNT = "already_has_account"
    HAS_ACCOUNT_UNDER_ANOTHER_ADDRESS = "has_account_under_another_address"
    NOT_MATCHED = "not_matched"


# Outcomes where someone asked, with an address not on file, for a member's account:
# the address on file (if there is one) is told.
ASKED_WITH_A_NEW_ADDRESS = (
    SignUpOutcome.CREATED_NEEDS_APPROVAL,
    SignUpOutcome.HAS_ACCOUNT_UNDER_ANOTHER_ADDRESS,
)


@dataclass
class SignUpResult:
    outcome: SignUpOutcome
    member: Member | None = None


def _same_email(a, b):
    return bool(a) and bool(b) and a.strip().casefold() == b.strip().casefold()


def _address_taken(email):
    """The address already belongs to an account (another member's, a staff login)."""
    return (
        EmailAddress.objects.filter(email__iexact=email).exists()
        or get_user_model().objects.filter(email__iexact=email).exists()
    )


def request_account(member_id, family_name, email, *, site_url):
    """Handle a sign-up request and send the emails that explain the result.

    Runs in the task queue (`members.tasks.answer_sign_up`), never in the
    request. `site_url` is the address of the site the member used
    ("https://host/"), for the links in the emails. Returns the outcome for
    logs and tests.
    """
    # allauth keeps addresses in lower case and looks them up that way.
    email = email.strip().lower()
    with transaction.atomic():
        # Lock the roster row so two simultaneous requests cannot both create an account.
        member = (
            Member.objects.select_for_update()
            .filter(member_id=member_id.strip(), family_name__iexact=family_name.strip())
            .first()
        )
        result = _decide(member, email)
        if result.outcome in (SignUpOutcome.CREATED, SignUpOutcome.CREATED_NEEDS_APPROVAL):
            _create_account(
                member,
                email,
                needs_approval=result.outcome == SignUpOutcome.CREATED_NEEDS_APPROVAL,
            )
        # Sent inside the transaction: if the mail server refuses, no account is left
        # behind without its link, and asking again starts afresh.
        _send(_sign_up_emails(result, email, site_url))
    return result


def _decide(member, email):
    if member is None:
        # Unknown ID or wrong family name: the same answer, so IDs cannot be probed.
        return SignUpResult(SignUpOutcome.NOT_MATCHED)
    if member.account_id is not None:
        if _same_email(member.account.email, email) or _same_email(member.email, email):
            return SignUpResult(SignUpOutcome.ALREADY_HAS_ACCOUNT, member)
        return SignUpResult(SignUpOutcome.HAS_ACCOUNT_UNDER_ANOTHER_ADDRESS, member)
    if _address_taken(email):
        return SignUpResult(SignUpOutcome.NOT_MATCHED)
    if _same_email(member.email, email):
        return SignUpResult(SignUpOutcome.CREATED, member)
    # No email on the roster, or an out-of-date one: the Member Resource Centre
    # confirms the account is the member's before it counts for meetings.
    return SignUpResult(SignUpOutcome.CREATED_NEEDS_APPROVAL, member)


def _create_account(member, email, *, needs_approval):
    user = get_user_model().objects.create_user(
        # Usernames are internal; members sign in with their email.
        username=f"member-{secrets.token_hex(8)}",
        email=email,
        first_name=member.given_name,
        last_name=member.family_name,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    member.account = user
    member.account_needs_approval = needs_approval
    member.save(update_fields=["account", "account_needs_approval", "updated_at"])
    return user


def activation_path(user):
    return reverse(
        "members:activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_token.make_token(user),
        },
    )


def _sign_up_emails(result, email, site_url):
    """The answer to the address given and, where the request came from a new
    address, the notice to the address on file."""
    root = site_url.rstrip("/")
    site = Site.objects.filter(is_default_site=True).first()
    context = {
        "outcome": result.outcome.value,
        "member": result.member,
        "sign_in_url": root + reverse("account_login"),
        "reset_url": root + reverse("account_reset_password"),
        "sign_up_url": root + reverse("members:sign_up"),
        "resource_centre": MemberResourceCentre.for_site(site) if site else None,
    }
    if result.outcome in (SignUpOutcome.CREATED, SignUpOutcome.CREATED_NEEDS_APPROVAL):
        context["activation_url"] = root + activation_path(result.member.account)
    messages = [_email(f"members/email/sign_up_{result.outcome.value}", context, email)]
    on_file = result.member.email if result.member else ""
    if result.outcome in ASKED_WITH_A_NEW_ADDRESS and on_file and not _same_email(on_file, email):
        messages.append(_email("members/email/sign_up_new_address_notice", context, on_file))
    return messages


def _email(template, context, to):
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    return EmailMessage(
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}{subject}",
        body=render_to_string(f"{template}.txt", context),
        to=[to],
        headers={"Auto-Submitted": "auto-generated"},
    )


def _send(messages):
    with get_connection() as connection:
        connection.send_messages(messages)


def activate_account(user, password):
    """Set the password and mark the address verified: the account can now sign in."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
