"""A request's small cache entries read in one round trip.

A member's meeting page needs a handful of entries from the shared cache, each kept by
its own module: the meeting's polled state, its chairs, the member's attendance,
proxies and vote weight, the page's shared parts. Read one by one they cost a round
trip each, and a round trip to Redis costs more CPU than the entry is worth. So the
page names them first, `reading(keys)` fetches them all with one MGET, and each
module's `get(key)` is answered from what was read; a key not named (or read outside
`reading`) goes to the cache as before.

Reads nest: a page's own read runs inside the one its request started with
(`request_reads`: the site version, the session and the route), and `get` answers from
either.

What was read is this request's view of the cache, as the site version is read once a
request: a module that fills a missing entry does it with `put(key, ...)`, which
writes through to the cache and keeps the value for the rest of the request, so a
second reader finds it rather than filling it again.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache

_read = ContextVar("read_ahead", default=None)


class _Read:
    def __init__(self, keys, outer):
        self.keys = set(keys)
        self.found = cache.get_many(list(self.keys)) if self.keys else {}
        self.outer = outer

    def naming(self, key):
        """The innermost read that named `key`, or None."""
        read = self
        while read is not None and key not in read.keys:
            read = read.outer
        return read


@contextmanager
def reading(keys):
    """Read `keys` in one round trip; `get` answers them while the block runs."""
    token = _read.set(_Read(keys, _read.get()))
    try:
        yield
    finally:
        _read.reset(token)


def _naming(key):
    read = _read.get()
    return read.naming(key) if read is not None else None


def get(key):
    """The cache's value for `key` (None when absent), from the read-ahead if it named it."""
    read = _naming(key)
    if read is not None:
        return read.found.get(key)
    return cache.get(key)


def put(key, value, timeout):
    """`cache.set`, and the value kept for the rest of the read-ahead."""
    cache.set(key, value, timeout)
    read = _naming(key)
    if read is not None:
        read.found[key] = value


def add(key, value, timeout):
    """`cache.add` (only if absent); the value the cache then holds is kept as read."""
    added = cache.add(key, value, timeout)
    read = _naming(key)
    if read is not None:
        if added:
            read.found[key] = value
        else:
            # Someone else's newer value: ask the cache next time.
            while read is not None:
                read.keys.discard(key)
                read = _naming(key)
    return added


def is_read(key):
    """Whether a read-ahead of this request named `key`."""
    return _naming(key) is not None


def session_key(store):
    """The shared cache's key for a session store (cms/sessions.py), or None when it
    names no valid session (a request's cookie is then not read)."""
    prefix = getattr(store, "cache_key_prefix", None)
    key = getattr(store, "session_key", None)  # validated, and never made up: no load
    return prefix + key if prefix and key else None


def request_reads(request, keys=()):
    """`reading` what nearly every signed-in request reads first, with `keys`: the site
    version (`request_site_version` answers it) and the session. One round trip instead
    of one for each."""
    from cms.site_version import VERSION_KEY

    # Unless the page cache has read the version already (cms/caching.py).
    first = [*keys] if hasattr(request, "_site_version") else [VERSION_KEY, *keys]
    if (key := session_key(getattr(request, "session", None))) is not None:
        first.append(key)
    return reading(first)
