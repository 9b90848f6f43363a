"""Who may use the member API, how they prove it, and how often.

Only confirmed members get data: the same answer `signed_in_member` gives the
site's pages, asked of the user the API authenticated (by token or session).
Tokens are stored as a hash, so the key a member copies from their token page
exists nowhere else: not in the database, not in a backup.
"""

import hashlib
import secrets

from django.db import transaction
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from cms.prepared_queries import PreparedQuery
from meetings.ballots import rate_counting
from members.audience import (
    keep_signed_in_member,
    signed_in_member,
    signed_in_voter,
    with_their_member,
)

NOT_A_MEMBER = (
    "This account is not linked to a member of the union, so the member API has nothing "
    "for it. Members create their account with their member ID."
)
NOT_CONFIRMED = "Confirm your email address with the link we sent you before using the member API."


def token_digest(key):
    """What the database stores for a token key (SHA-256, cut to the column's 40 characters)."""
    return hashlib.sha256(key.encode()).hexdigest()[:40]


@transaction.atomic
def issue_token(user):
    """A new API token for the user, replacing any earlier one. Returns the key, once."""
    Token.objects.filter(user=user).delete()
    key = secrets.token_hex(20)
    Token.objects.create(user=user, key=token_digest(key))
    return key


def revoke_token(user):
    """Delete the user's API token; programs using it are refused from the next request."""
    Token.objects.filter(user=user).delete()


def _token_with_user(digest):
    # The user's roster entry comes too, as the sign-in backends' user query brings it:
    # a vote by token reads token, user and member in one statement.
    return with_their_member(Token.objects.select_related("user"), "user__").filter(key=digest)[:1]


# Compiled once per process (cms/prepared_queries.py): on every token request, votes
# included, compiling the token-and-user join cost more than running it.
TOKEN_WITH_USER = PreparedQuery(_token_with_user)


class MemberTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (`Authorization: Token <key>`), against hashed keys.

    The same checks and answers as DRF's `authenticate_credentials`, with the token and
    its user read by a query compiled once."""

    def authenticate_credentials(self, key):
        token = next(iter(TOKEN_WITH_USER(token_digest(key))), None)
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        keep_signed_in_member(token.user, token.member_confirmed)
        return (token.user, token)


def api_member(request, view=None):
    """The confirmed member making this API request, or None.

    DRF hands the user it authenticated (token or session) to the underlying
    Django request, so the site's one rule applies unchanged. A view that only
    casts votes loads the member as `signed_in_voter` does (same rule, fewer fields).
    """
    request.user  # noqa: B018 - runs DRF's authentication before the rule is asked
    if getattr(view, "loads_voter_only", False):
        return signed_in_voter(request._request)
    return signed_in_member(request._request)


class IsConfirmedMember(BasePermission):
    """A member whose account email is verified. Others are told why they are refused."""

    message = NOT_A_MEMBER

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False  # DRF answers 401 with how to authenticate
        if api_member(request, view) is not None:
            return True
        from members.models import Member

        if Member.objects.filter(account=request.user).exists():
            self.message = NOT_CONFIRMED
        return False


class SlidingWindowThrottle:
    """A DRF cache throttle counted in Redis by `rate_counting`'s script: the same sliding
    window as DRF's, in one round trip (DRF reads the history and writes it back: two, and
    two requests at once can both pass on the last place). Without Redis (the
    local-memory cache of development and tests), DRF's own counting."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            allowed = rate_counting.consume_key(
                f"rate:{self.key}", self.num_requests, self.duration
            )
        except RedisError:
            return True  # as DRF's throttle does when the cache cannot be read
        if allowed is None:
            return super().allow_request(request, view)
        self.history = None  # counted in Redis: `wait` says the whole window
        return allowed

    def wait(self):
        if self.history is None:
            return self.duration
        return super().wait()


class MemberAPIUserThrottle(SlidingWindowThrottle, UserRateThrottle):
    """Requests per signed-in user, counted in the shared cache (every app server agrees)."""

    scope = "member_api_user"


class MemberAPIAnonThrottle(SlidingWindowThrottle, AnonRateThrottle):
    """Requests per IP address from clients that are not signed in."""

    scope = "member_api_anon"


class MemberAPIView(APIView):
    """Base of the member API's views: authentication, the member rule, throttles, no caching.

    Set here rather than in REST_FRAMEWORK defaults so the public Wagtail API v2
    keeps its own behaviour.
    """

    # Token first: an anonymous request is then answered 401 with `WWW-Authenticate: Token`.
    authentication_classes = [MemberTokenAuthentication, SessionAuthentication]
    permission_classes = [IsConfirmedMember]
    throttle_classes = [MemberAPIUserThrottle, MemberAPIAnonThrottle]
    renderer_classes = [JSONRenderer]

    @property
    def member(self):
        return api_member(self.request, self)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Personal data: never kept by a shared cache, nor by the browser.
        patch_cache_control(response, private=True, no_store=True)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        return response
