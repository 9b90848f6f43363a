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
