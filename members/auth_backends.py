"""Django's and allauth's authentication backends, finding the signed-in user with a query
compiled once per process.

Every request from a signed-in person loads their user (`request.user`), and the
busiest requests are a meeting's votes and member pages. Django's `ModelBackend.get_user`
turns `User.objects.get(pk=...)` into SQL again on each of them, which costs more CPU
than the database spends answering it; here the query is compiled once
(cms/prepared_queries.py) and gives the same user, with the same check that the
account may sign in (`user_can_authenticate`: not deactivated). The same query brings the
user's roster entry as `members.audience.signed_in_member` finds it, so a member's page
reads both in one query rather than two. Signing in, permissions and everything else
are the two backends' own.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends

from members.audience import keep_signed_in_member, users_with_their_member

USER_WITH_MEMBER = users_with_their_member()


class CompiledUserLookup:
    def get_user(self, user_id):
        # The user with their roster entry, one query: every member page asks for both.
        found = USER_WITH_MEMBER(user_id)
        user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):
            return None
        keep_signed_in_member(user, user.member_confirmed)
        return user


class ModelBackend(CompiledUserLookup, django_backends.ModelBackend):
    """Django's backend (staff sign in to the admin with a username)."""


class AuthenticationBackend(CompiledUserLookup, allauth_backends.AuthenticationBackend):
    """allauth's backend (members sign in with their email address)."""
