"""A query compiled once (cms/prepared_queries.py) gives what its queryset gives, for
every value it is run with, related objects and deferred fields included."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.prepared_queries import PreparedQuery
from members.models import Chapter, Member
from tests.member_fixtures import member_with_account, two_chapters

pytestmark = pytest.mark.django_db


def members_by_account(account_id):
    return (
        Member.objects.filter(account_id=account_id)
        .select_related("local__sector", "chapter__local")
        .order_by()[:1]
    )


def test_a_prepared_query_gives_the_querysets_instances_for_each_value():
    chapter, other = two_chapters()
    first = member_with_account(chapter)
    second = member_with_account(other)
    query = PreparedQuery(members_by_account)

    for member in (first, second, first):
        [found] = query(member.account_id)
        [expected] = members_by_account(member.account_id)
        assert found.pk == expected.pk == member.pk
        assert {f.attname: getattr(found, f.attname) for f in Member._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in Member._meta.concrete_fields
        }
        with CaptureQueriesContext(connection) as queries:
            assert found.local.sector.name == member.local.sector.name
            assert found.chapter.local.number == member.chapter.local.number
        assert len(queries) == 0  # read with the member, as select_related does


def test_a_prepared_query_finds_nothing_for_an_unknown_value_and_runs_one_query():
    query = PreparedQuery(members_by_account)
    query(-1)

    with CaptureQueriesContext(connection) as queries:
        assert query(123456) == []

    assert len(queries) == 1


def test_a_prepared_query_keeps_deferred_fields_deferred():
    chapter, _ = two_chapters()
    member = member_with_account(chapter)
    query = PreparedQuery(
        lambda account_id: Member.objects.filter(account_id=account_id).only("standing")[:1]
    )

    [found] = query(member.account_id)

    assert found.get_deferred_fields() >= {"given_name", "email"}
    assert found.standing == member.standing and found.given_name == member.given_name


def test_a_prepared_query_sets_annotations():
    from django.db.models import Exists, OuterRef

    chapter, other = two_chapters()
    chaired = member_with_account(chapter)
    chapter.chair = chaired
    chapter.save()
    plain = member_with_account(other)
    query = PreparedQuery(
        lambda pk: Member.objects.filter(pk=pk).annotate(
            chairs=Exists(Chapter.objects.filter(chair=OuterRef("pk")))
        )
    )

    assert [m.chairs for m in query(chaired.pk)] == [True]
    assert [m.chairs for m in query(plain.pk)] == [False]


def test_a_queryset_with_prefetches_is_refused():
    query = PreparedQuery(lambda pk: Member.objects.filter(pk=pk).prefetch_related("local"))

    with pytest.raises(ValueError, match="plain model querysets"):
        query(1)


# Prepared on the server (PostgreSQL, kept connections) ---------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"
)


def prepared_statements(text):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE NOT from_sql AND statement LIKE %s",
            [f"%{text}%"],
        )
        return [row[0] for row in cursor.fetchall()]


@postgresql_only
def test_on_a_kept_connection_the_query_is_prepared_once_and_gives_the_same(monkeypatch, settings):
    settings.PREPARED_QUERIES_ON_SERVER = True
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    chapter, other = two_chapters()
    first, second = member_with_account(chapter), member_with_account(other)
    query = PreparedQuery(members_by_account)

    for _ in range(3):
        for member in (first, second):
            [found] = query(member.account_id)
            assert found.pk == member.pk
            assert found.chapter.local.number == member.chapter.local.number
            assert found.updated_at == Member.objects.get(pk=member.pk).updated_at

    assert prepared_statements('FROM "members_member"') == [6]  # one statement, run 6 times
    with CaptureQueriesContext(connection) as queries:
        query(first.account_id)
    [logged] = queries.captured_queries  # logged as Django logs its own, values and all
    assert f'"members_member"."account_id" = {first.account_id}' in logged["sql"]


@postgresql_only
def test_not_prepared_when_the_settings_forbid_it_or_the_connection_is_not_kept(
    monkeypatch, settings
):
    member = member_with_account(two_chapters()[0])
    query = PreparedQuery(members_by_account)

    settings.PREPARED_QUERIES_ON_SERVER = False  # behind pgbouncer in transaction mode
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    query(member.account_id)
    settings.PREPARED_QUERIES_ON_SERVER = True
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    query(member.account_id)

    assert prepared_statements('FROM "members_member"') == []
