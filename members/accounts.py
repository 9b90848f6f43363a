"""Member accounts: claiming a roster entry with a member ID, and activating it.

An account is claimed with member ID + family name + personal email. The answer
on the page is always the same, whatever the roster holds, so the form cannot
be used to learn whether a member ID exists or already has an account; the
email sent to the address given says what happened. Only a match with the
roster's personal email creates an account straight away; a member with no
email on the roster gets an account that waits for staff approval. The address
is verified by the activation link, which is also where the password is set.
"""

import secrets
from dataclasses import dataclass
from enum import Enum

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

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
    """What happened to a sign-up request. Never shown on the page; it picks the email."""

    CREATED = "created"
    CREATED_NEEDS_APPROVAL = "created_needs_approval"
    ALREADY_HAS_ACCOUNT = "already_has_account"
    NOT_MATCHED = "not_matched"


@dataclass
class SignUpResult:
    outcome: SignUpOutcome
    member: Member | None = None


def _same_email(a, b):
    return bool(a) and bool(b) and a.strip().casefold() == b.strip().casefold()


def request_account(member_id, family_name, email, *, request):
    """Handle a sign-up request and send the one email that explains the result.

    Returns the outcome for logging and tests; callers must show the same page
    whatever it is.
    """
    # allauth keeps addresses in lower case and looks them up that way.
    email = email.strip().lower()
    with transaction.atomic():
        # Lock the roster row so two simultaneous requests cannot both create an account.
        member = (
            Member.objects.select_for_update()
            .filter(member_id=member_id, family_name__iexact=family_name.strip())
            .first()
        )
        if member is None:
            result = SignUpResult(SignUpOutcome.NOT_MATCHED)
        elif member.account_id is not None:
            # Only the owner's own address hears that the account exists.
            if _same_email(member.account.email, email) or _same_email(member.email, email):
                result = SignUpResult(SignUpOutcome.ALREADY_HAS_ACCOUNT, member)
            else:
                result = SignUpResult(SignUpOutcome.NOT_MATCHED)
        elif member.email and not _same_email(member.email, email):
            result = SignUpResult(SignUpOutcome.NOT_MATCHED)
        elif EmailAddress.objects.filter(email__iexact=email).exists() or (
            get_user_model().objects.filter(email__iexact=email).exists()
        ):
            # The address already belongs to another account (a staff login, say).
            result = SignUpResult(SignUpOutcome.NOT_MATCHED)
        else:
            needs_approval = not member.email
            _create_account(member, email, needs_approval=needs_approval)
            result = SignUpResult(
                SignUpOutcome.CREATED_NEEDS_APPROVAL if needs_approval else SignUpOutcome.CREATED,
                member,
            )
    _send_sign_up_email(result, email, request)
    return result


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


def activation_url(user, request):
    path = reverse(
        "members:activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_token.make_token(user),
        },
    )
    return request.build_absolute_uri(path)


def _send_sign_up_email(result, email, request):
    context = {
        "outcome": result.outcome.value,
        "member": result.member,
        "sign_in_url": request.build_absolute_uri(reverse("account_login")),
        "reset_url": request.build_absolute_uri(reverse("account_reset_password")),
    }
    if result.outcome in (SignUpOutcome.CREATED, SignUpOutcome.CREATED_NEEDS_APPROVAL):
        context["activation_url"] = activation_url(result.member.account, request)
    template = f"members/email/sign_up_{result.outcome.value}"
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    body = render_to_string(f"{template}.txt", context)
    from django.conf import settings

    message = EmailMultiAlternatives(
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}{subject}", body=body, to=[email]
    )
    message.send()


def activate_account(user, password):
    """Set the password and mark the address verified: the account can now sign in."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
