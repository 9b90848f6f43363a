"""Purging a CDN (Wagtail's frontend cache) when a page leaves its public address.

Wagtail purges a page from the configured frontend caches when it is published or
unpublished. A page also stops being public at its address when it is made private,
deleted, moved or given a new slug, and none of those is a publish: without the purges
here a CDN would go on showing it to anyone, for up to PUBLIC_PAGE_SHARED_MAX_AGE. Each
change purges the page and every live page below it, at their old addresses and (for a
move or a new slug) their new ones, where a 404 may have been kept. Our own page cache
(cms/caching.py) is emptied for the same changes by cms/site_version.py.

Nothing is sent unless WAGTAILFRONTENDCACHE names a backend (production settings do when
a CDN is configured), and nothing before the change is committed.
"""

import threading

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_slug_changed, post_page_move, pre_page_move

_before_move = threading.local()


def purging():
    return bool(getattr(settings, "WAGTAILFRONTENDCACHE", None))


def tree_urls(page):
    """The full URLs of a page and of every live page below it, as a CDN keeps them."""
    batch = PurgeBatch()
    batch.add_pages(page.get_descendants(inclusive=True).live().defer_streamfields())
    return batch.urls


def purge_after_commit(urls):
    if urls:
        batch = PurgeBatch(urls)
        transaction.on_commit(batch.purge)


def restriction_changed(instance, **kwargs):
    """A page made private, or public again, and so is everything below it."""
    if not purging():
        return
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:  # None: the page itself is being deleted (page_deleted purges)
        purge_after_commit(tree_urls(page))


def page_deleted(instance, **kwargs):
    """Runs for the deleted page and for each page below it (one row at a time)."""
    if purging() and instance.live:
        batch = PurgeBatch()
        batch.add_page(instance)
        purge_after_commit(batch.urls)


def page_moving(instance, **kwargs):
    if purging():
        _before_move.urls = tree_urls(instance)


def page_moved(instance, **kwargs):
    if purging():
        old = getattr(_before_move, "urls", set())
        _before_move.urls = set()
        purge_after_commit(old | tree_urls(instance))


def slug_changed(instance, instance_before, **kwargs):
    """The page and everything below it answer at new addresses; the old ones redirect."""
    if not purging():
        return
    new_root, old_root = instance.get_full_url(), instance_before.get_full_url()
    new = tree_urls(instance)
    old = set()
    if new_root and old_root:
        old = {old_root + url[len(new_root) :] for url in new if url.startswith(new_root)}
    purge_after_commit(old | new)


def connect_signals():
    for signal in (post_save, post_delete):
        signal.connect(
            restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"frontend-purge-{signal!r}",
        )
    pre_delete.connect(page_deleted, sender=Page, dispatch_uid="frontend-purge-delete")
    pre_page_move.connect(page_moving, dispatch_uid="frontend-purge-pre-move")
    post_page_move.connect(page_moved, dispatch_uid="frontend-purge-move")
    page_slug_changed.connect(slug_changed, dispatch_uid="frontend-purge-slug")
