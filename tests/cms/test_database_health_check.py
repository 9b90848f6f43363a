"""The PostgreSQL health check that sends nothing (cms/postgresql/base.py): a kept
connection whose server process has gone is found unusable, so Django reconnects
instead of failing the request; a healthy idle one is kept."""

import time

import pytest
from django.db import connection, connections

pytestmark = [
    # The kept connection is one of its own, outside the test's transaction: the test
    # needs no committed data (and a transactional test without serialized_rollback
    # would leave the content types the other transactional tests restore).
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


@pytest.fixture
def kept_connection():
    kept = connections.create_connection("default")
    kept.ensure_connection()
    yield kept
    kept.close()


def test_a_healthy_idle_connection_is_usable(kept_connection):
    assert kept_connection.is_usable()
    with kept_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert kept_connection.is_usable()


def test_a_connection_whose_server_process_was_ended_is_not_usable(kept_connection):
    pid = kept_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    deadline = time.monotonic() + 10
    while kept_connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.01)  # the server's goodbye is on its way; waiting for a condition
    assert not kept_connection.is_usable()

    # What Django runs when a request starts, then the request's first statement.
    kept_connection.close_if_unusable_or_obsolete()
    with kept_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
