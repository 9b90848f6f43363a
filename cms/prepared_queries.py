"""Queries of a fixed shape, compiled to SQL once per process and run with new values.

Turning a queryset into SQL is most of what Django's ORM costs on a busy request: the
signed-in member (a join of four tables) took about 2 ms of CPU on every vote and
every member page, the page a URL names about as much, while the database answered
each in a fraction of that. Those queries never change shape, only the value looked
for, so `PreparedQuery` compiles the queryset once (with stand-in values), keeps the
SQL and what Django needs to turn rows into model instances (the compiler's select
list and converters), and afterwards only runs the SQL with the new values and builds
the instances the way Django's own `ModelIterable` does: the same objects, with the
same related objects filled in, and `select_related` and `only` honoured.

Only for querysets that yield model instances (annotations included), without
prefetches or extra selects: `PreparedQuery` refuses the others when it compiles them.

On PostgreSQL the SQL is also prepared on the server, once per connection, when the
connection is kept between requests (CONN_MAX_AGE) and nothing in between forbids it
(PREPARED_QUERIES_ON_SERVER: off behind pgbouncer in transaction mode). PostgreSQL
then plans each query once instead of on every run: planning the signed-in member's
join (eight tables) took about 2 ms of the server's CPU on every member page, running
it 0.2 ms. Django itself never prepares (client-side binding); only these queries are.
"""

import functools
import threading

from django.conf import settings
from django.db import connections
from django.db.models.query import get_related_populators


class PreparedQuery:
    """`PreparedQuery(lambda account_id: Member.objects.filter(account_id=account_id)[:1])`,
    then `query(42)` is the list of instances that queryset would give for 42."""

    # Stand-in values, unlikely to occur in a query's own parameters, found in the
    # compiled parameters and replaced by the real values on each run.
    STAND_INS = (-918_273_645, -918_273_646, -918_273_647, -918_273_648)

    def __init__(self, build):
        self.build = build
        self._compiled = {}
        self._lock = threading.Lock()

    def __call__(self, *values):
        connection = connections[self._db(values)]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            with self._lock:
                compiled = self._compile(connection.alias, len(values))
                self._compiled[connection.vendor] = compiled
        return list(compiled.run(connection, values))

    def _db(self, values):
        db = getattr(self, "_db_alias", None)
        if db is None:
            db = self._db_alias = self.build(*values).db
        return db

    def _compile(self, db, count):
        stand_ins = self.STAND_INS[:count]
        queryset = self.build(*stand_ins)
        query = queryset.query
        if query.extra or queryset._prefetch_related_lookups:
            raise ValueError("PreparedQuery takes plain model querysets only")
        if queryset._iterable_class.__name__ != "ModelIterable":
            raise ValueError("PreparedQuery takes querysets of model instances only")
        compiler = query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = []
        for stand_in in stand_ins:
            # A text column's value comes out as the stand-in's digits.
            found = [n for n, param in enumerate(params) if param in (stand_in, str(stand_in))]
            if len(found) != 1:
                raise ValueError(f"each value must appear once in the SQL: {stand_in}")
            positions.append(found[0])
        return CompiledQuery(db, compiler, sql, params, positions)


class CompiledQuery:
    def __init__(self, db, compiler, sql, params, positions):
        self.db = db
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.positions = positions
        klass_info = compiler.klass_info
        select = compiler.select
        self.model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_slice = slice(start, end)
        self.init_list = [column[0].target.attname for column in select[start:end]]
        self.select = select
        self.klass_info = klass_info
        self.annotations = list(compiler.annotation_col_map.items())
        # What Django's results_iter would work out again on every run: the converters
        # of the selected columns (the same for every run of the same SQL).
        fields = [column[0] for column in select[: compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise ValueError("PreparedQuery takes querysets without composite fields")
        self.converters = compiler.get_converters(fields)
        # What fills in the select_related objects: worked out from the select list alone
        # and never changed by filling in (Django's iterable builds them on every run).
        self.related_populators = get_related_populators(klass_info, select, db)

    def run(self, connection, values):
        params = list(self.params)
        for position, value in zip(self.positions, values, strict=True):
            params[position] = value
        with cursor_for(connection) as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return
        related_populators = self.related_populators
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        for row in rows:
            instance = self.model.from_db(self.db, self.init_list, row[self.model_slice])
            for populator in related_populators:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            yield instance


# Prepared on the server ----------------------------------------------------------------


def prepares_on_server(connection):
    """Whether this connection's compiled queries are prepared on the server: PostgreSQL,
    allowed by the settings, and a connection kept between requests (a connection used
    for one request would pay the extra PREPARE round trip every time)."""
    return (
        connection.vendor == "postgresql"
        and getattr(settings, "PREPARED_QUERIES_ON_SERVER", False)
        and connection.settings_dict.get("CONN_MAX_AGE") != 0
    )


def cursor_for(connection):
    """Django's cursor (wrapped as Django wraps its own: query logging, execute
    wrappers, error translation), binding on the server and preparing what it runs
    when `prepares_on_server`."""
    if not prepares_on_server(connection):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor(connection))


def _preparing_cursor(connection):
    """A psycopg cursor that binds on the server and prepares what it runs (psycopg keeps
    each statement prepared on its connection, by its text), set up as Django's
    `create_cursor` sets up its own."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django opens connections with psycopg's preparing off (None), which would
        # refuse even an explicit prepare. Django's own cursors bind on the client and
        # never prepare, whatever the threshold; this one prepares what it runs at once.
        raw.prepare_threshold = NEVER_BY_COUNT
    cursor = _preparing_cursor_class()(raw)
    tzloader = raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != tzloader.timezone:
        register_tzloader(connection.timezone, cursor)
    return cursor


# psycopg prepares a server-binding cursor's query once it has run this many times
# (only such cursors count): never, in effect; this module's cursor asks each time.
NEVER_BY_COUNT = 2**31


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            result = super().execute(query, params, prepare=True, binary=binary)
            # psycopg leaves the executed query unset when it runs a prepared statement;
            # Django's query log (DEBUG, tests, the benches) reads it from there.
            self._query = _LoggedQuery(self.connection, query, params)
            return result

    return PreparingCursor


class _LoggedQuery:
    """The SQL with its values in it, as Django logs a query, worked out only if read."""

    def __init__(self, connection, sql, params):
        self.connection, self.sql, self.params = connection, sql, params

    @property
    def query(self):
        from psycopg import ClientCursor

        return ClientCursor(self.connection).mogrify(self.sql, self.params).encode()
