"""Django's PostgreSQL backend, with a connection health check that sends nothing.

With CONN_HEALTH_CHECKS (cms/settings/base.py) Django checks a kept connection before
a request first uses it, so that a request after a PostgreSQL restart reconnects
instead of failing. Django's check is a `SELECT 1`: a round trip to the server on
every request, a sixth of a vote's statements. An idle connection has nothing to read,
so this check looks at the socket instead, without waiting: anything there (the
server's "terminating connection" message before a shutdown, or the end of the
stream when it went away) means the connection is not usable and Django opens a new
one. Anything else psycopg already knows (closed, broken, a bad status) counts too.
A check that is wrong the other way costs only one reconnection.
"""

import select

import psycopg
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper
from psycopg import pq


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            # Within a transaction (tests, atomic requests): ask the server, as Django does.
            return super().is_usable()
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError, psycopg.Error):
            return False
        return not readable
