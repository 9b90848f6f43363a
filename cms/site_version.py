"""The version of the published site: one number, kept in the shared cache, that moves
whenever what pages show may have changed.

It keys everything cached from the page tree: the fragments every page repeats (the
main menu, breadcrumbs and the footer, cached with `{% wagtailcache %}`), whole pages in
the page cache (cms/caching.py), and page data that votes and the chair's page read
(a meeting's chairs, a vote's target item), and the pages' own rows that showing a page
reads (cms/page_routing.py). Anything that can change them (publishing, moving or
deleting a page, any other save of a page beyond its draft's bookkeeping, a page's
privacy, a document or image, the contact settings) bumps the version, so every app
server shows the change at once; nothing waits for a timeout.
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models.pages import COMMENTS_RELATION_NAME
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from cms import read_ahead

VERSION_KEY = "site-fragments-version"

# The version of the request being served (`serving`), so that every key a request
# builds from the version agrees, and the version is read once, not once a key.
_serving_version = ContextVar("serving_site_version", default=None)


def site_version():
    version = _serving_version.get()
    if version is not None:
        return version
    # Answered by the request's first read when it named the version (`request_reads`).
    version = read_ahead.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        if not read_ahead.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    return version


def request_site_version(request):
    """The site version, read once per request (every cache key the request builds
    from it then agrees with the others)."""
    version = getattr(request, "_site_version", None)
    if version is None:
        version = request._site_version = site_version()
    return version


@contextmanager
def serving(request):
    """While the request is served, `site_version()` answers the version the request
    read first (`request_site_version`): no second read of it by the chairs, the
    minutes link or anything else keyed on it."""
    token = _serving_version.set(request_site_version(request))
    try:
        yield
    finally:
        _serving_version.reset(token)


def _new_version():
    read_ahead.put(VERSION_KEY, time.time_ns(), timeout=None)
    # A change made while a request is served: what the request reads after it is
    # keyed on the new version.
    if _serving_version.get() is not None:
        _serving_version.set(None)


def bump_site_version(**kwargs):
    _new_version()
    # Again once the change is committed: a page rendered from the database in between
    # (the old content) was cached under the version set above, which is now left behind.
    transaction.on_commit(_new_version)


# What saving a draft (Wagtail's `save_revision`, its revisions and locking) writes to a
# page's row: never what the live page shows, so such a save leaves the version alone.
DRAFT_BOOKKEEPING = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
        COMMENTS_RELATION_NAME,
    }
)


def page_saved(sender, instance, update_fields=None, **kwargs):
    """A page saved other than by publishing, with more than its draft's bookkeeping (a
    page made or changed in code, say): its kept row (cms/page_routing.py) is left behind."""
    if update_fields is None or not update_fields <= DRAFT_BOOKKEEPING:
        bump_site_version()


def connect_signals():
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page, PageViewRestriction, Site, get_page_models

    from home.models import MemberResourceCentre, PrivacyOfficer
    from members.models import AreaCouncil, Chapter, Local, Sector

    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(bump_site_version, dispatch_uid=f"site-fragments-{signal!r}")
    post_delete.connect(bump_site_version, sender=Page, dispatch_uid="site-fragments-delete")
    # Each page type sends its own post_save (multi-table inheritance, not its parents'):
    # listened to for every page type, and for no other model's saves.
    for model in get_page_models():
        post_save.connect(
            page_saved, sender=model, dispatch_uid=f"site-fragments-saved-{model._meta.label}"
        )
    # A page made private (or public) is not a publish; a document or image replaced
    # changes its address in the pages that show it.
    changed = (
        MemberResourceCentre,
        PrivacyOfficer,
        PageViewRestriction,
        # Which site answers a host, and its root page (cms/page_routing.py).
        Site,
        get_document_model(),
        get_image_model(),
        # The units' names, on meeting pages and the dashboard (their shared parts).
        Sector,
        AreaCouncil,
        Local,
        Chapter,
    )
    for model in changed:
        for signal in (post_save, post_delete):
            signal.connect(
                bump_site_version,
                sender=model,
                dispatch_uid=f"site-fragments-{signal!r}-{model.__name__}",
            )


def context(request):
    """Context processor: the version cached fragments are keyed on."""
    return {"site_version": request_site_version(request)}
