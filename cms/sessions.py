"""Django's cached-database sessions, read with the request's other first reads.

The session engine (SESSION_ENGINE when the shared cache is Redis): Django's
`cached_db` store, whose cache read is answered from the request's read-ahead
(cms/read_ahead.py) when the request read the session with its site version and route
(`request_reads`): one round trip to Redis fewer on every member page. Everything else,
the database behind the cache, writing and expiry, is Django's.
"""

from django.contrib.sessions.backends import cached_db

from cms import read_ahead


class SessionStore(cached_db.SessionStore):
    def load(self):
        key = read_ahead.session_key(self)
        if key is not None and read_ahead.is_read(key):
            data = read_ahead.get(key)
            if data is not None:
                return data
        return super().load()  # not read ahead, or not in the cache: Django's way
