"""Cache versioning for the fragments every page repeats: the main menu and the footer.

The fragments are cached with `{% wagtailcache %}`, keyed on a version number
kept in the shared cache. Anything that can change them (publishing, moving or
deleting a page, editing the contact settings) bumps the version, so every app
server shows the change at once; nothing waits for a timeout.
"""

import time

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

VERSION_KEY = "site-fragments-version"


def fragment_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def bump_fragment_version(**kwargs):
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def connect_signals():
    from wagtail.models import Page

    from home.models import MemberResourceCentre, PrivacyOfficer

    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(bump_fragment_version, dispatch_uid=f"site-fragments-{signal!r}")
    post_delete.connect(bump_fragment_version, sender=Page, dispatch_uid="site-fragments-delete")
    for setting in (MemberResourceCentre, PrivacyOfficer):
        post_save.connect(
            bump_fragment_version, sender=setting, dispatch_uid=f"site-fragments-{setting.__name__}"
        )


def context(request):
    """Context processor: the version the cached fragments are keyed on."""
    return {"fragment_version": fragment_version()}
