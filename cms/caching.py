"""Who may keep a copy of a response, decided in one place, and the shared page cache.

`cache_headers()` gives every response that has no Cache-Control of its own one, and
`Vary: Cookie`: public pages shown to anonymous visitors may be kept by browsers for
PUBLIC_PAGE_MAX_AGE and by shared caches (a CDN, the page cache below) for
PUBLIC_PAGE_SHARED_MAX_AGE; anything else is `private, no-cache`. Views that set their
own Cache-Control (meeting pages, the member API, Wagtail's refusals and previews)
keep theirs.

The page cache (`PageCacheMiddleware`) keeps those public pages in the shared cache
(Redis in production) for visitors who send no cookies. Each entry carries the site
fragments' version (cms/site_version.py), so publishing, unpublishing, moving or
deleting a page, a privacy change or a settings save retires every entry on every app
server at once. A hit costs one cache read and no database query. Under gunicorn the
WSGI application (`PageCacheApplication`, cms/wsgi.py) answers hits before Django's
handler runs at all (runserver too); the middleware answers them for every other way
in (ASGI, Django's test client) and stores what is rendered.

It is not Django's UpdateCacheMiddleware/FetchFromCacheMiddleware: with the version in
their key prefix a hit took three cache reads (the version, Django's header list, the
page) and their key building: four to five times the CPU of whitenoise serving the
stylesheet (bench/public_page.py measures both).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost, MiddlewareNotUsed
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from cms.site_version import VERSION_KEY, site_version

# Decided elsewhere: the admin says never_cache itself; static and media files (under
# STATIC_URL and MEDIA_URL) come with headers of their own.
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


def shares_cached_pages(request):
    """Whether a request may be answered from, and fill, the page cache.

    Only cookie-less visitors: a session (a member, an editor and their previews), the
    CSRF cookie or a pending message could change the page. No query string either, so
    the cache holds at most one copy of each page. Static files are whitenoise's.
    """
    return (
        request.method in ("GET", "HEAD")
        and not request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.META.get("QUERY_STRING")
        and not request.path_info.startswith((*LEFT_ALONE, settings.STATIC_URL))
        # Wagtail's previews run a made-up request through the middleware.
        and not getattr(request, "is_dummy", False)
    )


def header_values(response, name):
    return {part.strip().lower() for part in response.get(name, "").split(",")} - {""}


def may_be_stored(request, response):
    """Whether a response may be given to every cookie-less visitor of its address."""
    cache_control = header_values(response, "Cache-Control")
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        # Only what cache_headers() (or a view) made public.
        and "public" in cache_control
        and not {"private", "no-cache", "no-store"} & cache_control
        and not response.cookies
        # The key is the address alone: nothing but the (absent) cookies may change it.
        and header_values(response, "Vary") <= {"cookie"}
        # A nonce must differ on every response.
        and not getattr(request, "_csp_nonce", None)
    )


def page_key(request):
    address = f"{request.scheme}://{request.get_host()}{request.path}"
    # "2": pages stored as plain values (look_up); before, pickled HttpResponses.
    return "page:2:" + hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()


def look_up(request):
    """The page cache's key for a request that shares cached pages, the current version,
    and the stored page of that version (None when there is none): one cache read.

    A stored page is (status, reason, headers, body), plain values cheap to read back
    and to answer with, with or without an HttpResponse.
    """
    key = page_key(request)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or site_version()
    entry = found.get(key)
    return key, version, (entry[1] if entry is not None and entry[0] == version else None)


def store(key, version, response):
    page = (response.status_code, response.reason_phrase, list(response.items()), response.content)
    cache.set(key, (version, page), settings.PUBLIC_PAGE_SHARED_MAX_AGE)


# Set in the WSGI environ by PageCacheApplication after a miss: the key and version it
# read, so that the middleware does not read them again.
LOOKED_UP = "northwind.page_cache"


class PageCacheMiddleware:
    """Answers cookie-less visitors from the shared cache, and keeps the public pages it
    renders for them.

    First in MIDDLEWARE: a hit costs one cache read (the page and the version together)
    and nothing else runs, not even sessions or authentication; a stored page already
    carries every header the other middleware add (the Content-Security-Policy,
    X-Frame-Options and the rest). Each entry holds the fragment version read when its
    request came in, and only an entry of the current version is served, so a page
    rendered while an editor publishes is never shown after the publish.
    """

    def __init__(self, get_response):
        if not settings.PAGE_CACHE:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if not shares_cached_pages(request):
            return self.get_response(request)
        looked_up = request.META.get(LOOKED_UP)
        if looked_up is not None:
            key, version = looked_up
        else:
            key, version, page = look_up(request)
            if page is not None:
                status, _reason, headers, body = page
                return HttpResponse(body, status=status, headers=dict(headers))
        request._site_version = version
        response = self.get_response(request)
        if may_be_stored(request, response):
            store(key, version, response)
        return response


class PageCacheApplication:
    """The WSGI application gunicorn runs (cms/wsgi.py): Django's, with page-cache hits
    answered in front of it.

    A hit is answered from the stored status, headers and body before Django's handler
    builds its request, sends request_started and request_finished (and checks every
    database connection on each), runs the middleware or builds a response: what a hit
    cost beyond the static file (bench/public_page.py). Who shares cached pages and the
    key are decided by the same functions the middleware uses, on the same WSGIRequest
    Django would build; a miss is handed to Django with what was read.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if settings.PAGE_CACHE:
            request = WSGIRequest(environ)
            if shares_cached_pages(request):
                try:
                    key, version, page = look_up(request)
                except DisallowedHost:
                    pass  # Django answers it (400), and logs it
                else:
                    if page is not None:
                        status, reason, headers, body = page
                        start_response(f"{status} {reason}", headers)
                        return [body]
                    environ[LOOKED_UP] = (key, version)
        return self.application(environ, start_response)
