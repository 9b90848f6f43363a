"""Django's and allauth's authentication backends, finding the signed-in user with a query
compiled once per process.

Every request from a signed-in person loads their user (`request.user`), and the
busiest requests are a meeting's votes and member pages. Django's `ModelBackend.get_user`
turns `User.objects.get(pk=...)` into SQL again on each of them, which costs more CPU
than the database spends answering it; here the query is compiled once
(cms/prepared_queries.py) and gives the same user, with the same check that the
account may sign in (`user_can_authenticate`: not deactivated). Signing in, permissions
and everything else are the two backends' own.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model

from cms.prepared_queries import PreparedQuery


def _user(pk):
    return get_user_model()._default_manager.filter(pk=pk).order_by()[:1]


USER_BY_PK = PreparedQuery(_user)


class CompiledUserLookup:
    def get_user(self, user_id):
        found = USER_BY_PK(user_id)
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(CompiledUserLookup, django_backends.ModelBackend):
    """Django's backend (staff sign in to the admin with a username)."""


class AuthenticationBackend(CompiledUserLookup, allauth_backends.AuthenticationBackend):
    """allauth's backend (members sign in with their email address)."""
