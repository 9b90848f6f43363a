"""A request's small cache entries read in one round trip.

A member's meeting page needs a handful of entries from the shared cache, each kept by
its own module: the meeting's polled state, its chairs, the member's attendance,
proxies and vote weight, the page's shared parts. Read one by one they cost a round
trip each, and a round trip to Redis costs more CPU than the entry is worth. So the
page names them first, `reading(keys)` fetches them all with one MGET, and each
module's `get(key)` is answered from what was read; a key not named (or read outside
`reading`) goes to the cache as before.

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
    def __init__(self, keys):
        self.keys = set(keys)
        self.found = cache.get_many(list(self.keys)) if self.keys else {}


@contextmanager
def reading(keys):
    """Read `keys` in one round trip; `get` answers them while the block runs."""
    token = _read.set(_Read(keys))
    try:
        yield
    finally:
        _read.reset(token)


def get(key):
    """The cache's value for `key` (None when absent), from the read-ahead if it named it."""
    read = _read.get()
    if read is not None and key in read.keys:
        return read.found.get(key)
    return cache.get(key)


def put(key, value, timeout):
    """`cache.set`, and the value kept for the rest of the read-ahead."""
    cache.set(key, value, timeout)
    read = _read.get()
    if read is not None and key in read.keys:
        read.found[key] = value


def add(key, value, timeout):
    """`cache.add` (only if absent); the value the cache then holds is kept as read."""
    added = cache.add(key, value, timeout)
    read = _read.get()
    if read is not None and key in read.keys:
        if added:
            read.found[key] = value
        else:
            read.keys.discard(key)  # someone else's newer value: ask the cache next time
    return added
