"""Who may keep a copy of a response, decided in one place, and the shared page cache.

`cache_headers()` gives every response that has no Cache-Control of its own one, and
`Vary: Cookie`: public pages shown to anonymous visitors may be kept by browsers for
PUBLIC_PAGE_MAX_AGE and by shared caches (a CDN, the page cache below) for
PUBLIC_PAGE_SHARED_MAX_AGE; anything else is `private, no-cache`. Views that set their
own Cache-Control (meeting pages, the member API, Wagtail's refusals and previews)
keep theirs.

The page cache is Django's cache middleware, in the shared cache (Redis in
production), holding the public pages of anonymous visitors who send no cookies. Its
keys carry the site fragments' version (cms/site_fragments.py), so publishing,
unpublishing, moving or deleting a page, a privacy change or a settings save empties
it on every app server at once. A hit is answered before sessions, authentication or
CSRF run: no database query.
"""

from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers

from cms.site_fragments import fragment_version

# Decided elsewhere: the admin (never_cache), static and media files.
LEFT_ALONE = ("/admin/",)
# Document privacy comes from collections, which can change without a publish: never
# kept by shared caches (Wagtail marks only its refusals).
ALWAYS_PRIVATE = ("/documents/",)
PUBLIC_STATUSES = (200, 301, 404)


def cache_headers(request, response):
    """Set Cache-Control and Vary: Cookie on a response that has no Cache-Control yet."""
    if response.has_header("Cache-Control") or request.path_info.startswith(
        (*LEFT_ALONE, settings.STATIC_URL, settings.MEDIA_URL)
    ):
        return response
    patch_vary_headers(response, ["Cookie"])
    if is_public(request, response):
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PUBLIC_PAGE_MAX_AGE,
            s_maxage=settings.PUBLIC_PAGE_SHARED_MAX_AGE,
        )
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response


def is_public(request, response):
    """Whether anyone may be shown this response: the same for every anonymous visitor."""
    return (
        request.method in ("GET", "HEAD")
        and response.status_code in PUBLIC_STATUSES
        and not request.path_info.startswith(ALWAYS_PRIVATE)
        and is_anonymous(request)
        # A CSRF token in the page, or any cookie set, belongs to this visitor alone.
        and "CSRF_COOKIE_NEEDS_UPDATE" not in request.META
        and not response.cookies
        and not getattr(request, "is_preview", False)
    )


def is_anonymous(request):
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


class CacheHeadersMiddleware:
    """Applies `cache_headers()`; sits outside the session, CSRF and messages middleware
    so it sees the cookies they set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return cache_headers(request, self.get_response(request))


# The page cache ----------------------------------------------------------------------

# Django's cache middleware reads `self.key_prefix`, one value for every request; ours
# holds the fragment version read when the request came in, so a page rendered while an
# editor publishes is stored under the old version, which nobody reads again.
_key_prefix = ContextVar("page_cache_key_prefix", default=None)


def shares_cached_pages(request):
    """Whether a request may be answered from, and fill, the page cache.

    Only cookie-less visitors: a session (a member, an editor and their previews), the
    CSRF cookie or a pending message could change the page. No query string either, so
    the cache holds at most one copy of each page.
    """
    return (
        request.method in ("GET", "HEAD")
        and not request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.META.get("QUERY_STRING")
        # Wagtail's previews run a made-up request through the middleware.
        and not getattr(request, "is_dummy", False)
    )


class PageCacheKeyPrefix:
    def __init__(self, get_response):
        if not settings.PAGE_CACHE:
            raise MiddlewareNotUsed
        super().__init__(get_response)

    @property
    def key_prefix(self):
        return _key_prefix.get()

    @key_prefix.setter
    def key_prefix(self, value):
        """Django's __init__ sets the fixed prefix; the prefix is per request instead."""

    def with_prefix(self, request, method, *args):
        token = _key_prefix.set(request._page_cache_key_prefix)
        try:
            return method(request, *args)
        finally:
            _key_prefix.reset(token)


class FetchPageCacheMiddleware(PageCacheKeyPrefix, FetchFromCacheMiddleware):
    """Answers cookie-less GET requests from the page cache, before the session,
    authentication and CSRF middleware run."""

    def process_request(self, request):
        if not shares_cached_pages(request):
            return None  # no lookup, and UpdatePageCacheMiddleware stores nothing
        request._page_cache_key_prefix = (
            f"{settings.CACHE_MIDDLEWARE_KEY_PREFIX}.{fragment_version()}"
        )
        return self.with_prefix(request, super().process_request)


class UpdatePageCacheMiddleware(PageCacheKeyPrefix, UpdateCacheMiddleware):
    """Stores what FetchPageCacheMiddleware missed, if `cache_headers()` made it public.

    First in MIDDLEWARE, so the stored page carries every header the others add (the
    Content-Security-Policy, X-Frame-Options and the rest) and a hit is served with them.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        # Kept as long as shared caches may keep it, not the browsers' max-age.
        self.page_timeout = settings.PUBLIC_PAGE_SHARED_MAX_AGE

    def process_response(self, request, response):
        if not hasattr(request, "_page_cache_key_prefix"):
            return response
        return self.with_prefix(request, super().process_response, response)
