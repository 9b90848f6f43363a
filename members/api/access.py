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
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from members.audience import signed_in_member, signed_in_voter

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


class MemberTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (`Authorization: Token <key>`), against hashed keys."""

    def authenticate_credentials(self, key):
        return super().authenticate_credentials(token_digest(key))


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


class MemberAPIUserThrottle(UserRateThrottle):
    """Requests per signed-in user, counted in the shared cache (every app server agrees)."""

    scope = "member_api_user"


class MemberAPIAnonThrottle(AnonRateThrottle):
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
