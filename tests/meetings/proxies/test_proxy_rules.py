"""The proxy rules: who may give a proxy to whom, the cap, no chains, one active proxy
per giver, approval, refusal, withdrawal, and concurrency on PostgreSQL."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.utils import timezone

from meetings.ballots.casting import cast_vote
from meetings.proxies.models import Proxy
from meetings.proxies.rules import (
    HOLDER_NOT_FOUND,
    ProxyRefused,
    approve_proxy,
    enter_paper_proxy,
    member_proxies,
    refuse_proxy,
    request_proxy,
    withdraw_proxy,
)
from members.models import Standing
from tests.meeting_fixtures import choice
from tests.meetings.proxies.proxy_fixtures import open_motion, proxy_meeting

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency needs PostgreSQL"
)


@pytest.fixture
def setup(home_page):
    return proxy_meeting(home_page)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("membership", "m@northwind.example", "x" * 16)


def refused(code, work, *args, **kwargs):
    """Run `work`, which must refuse with `code` and change nothing in the register."""
    before = list(Proxy.objects.values_list("pk", "status").order_by("pk"))
    with pytest.raises(ProxyRefused) as error:
        work(*args, **kwargs)
    assert error.value.code == code
    assert list(Proxy.objects.values_list("pk", "status").order_by("pk")) == before
    return error.value.message


@pytest.mark.django_db
def test_a_member_requests_a_proxy_by_member_id_and_family_name(setup):
    meeting, (giver, holder, *_) = setup["meeting"], setup["members"]

    proxy = request_proxy(meeting, giver, f" {holder.member_id} ", holder.family_name.upper())

    assert (proxy.giver, proxy.holder, proxy.status, proxy.source) == (
        giver,
        holder,
        Proxy.Status.REQUESTED,
        Proxy.Source.MEMBER_REQUEST,
    )
    # Not usable before staff approve it.
    assert member_proxies(meeting.pk, holder).held == ()


@pytest.mark.django_db
def test_a_wrong_name_an_unknown_id_and_an_outsider_get_the_same_words(setup):
    meeting, (giver, holder, *_) = setup["meeting"], setup["members"]
    outsider = setup["outsider"]

    wrong_name = refused(
        "holder_not_found", request_proxy, meeting, giver, holder.member_id, "Nobody"
    )
    unknown = refused("holder_not_found", request_proxy, meeting, giver, "999999", "Nobody")
    other_audience = refused(
        "holder_not_found", request_proxy, meeting, giver, outsider.member_id, outsider.family_name
    )

    assert wrong_name == unknown == other_audience == HOLDER_NOT_FOUND


@pytest.mark.django_db
def test_both_members_must_be_eligible(setup, staff):
    meeting, (giver, holder, third, *_) = setup["meeting"], setup["members"]
    holder.standing = Standing.SUSPENDED
    holder.save()

    refused("holder_not_found", request_proxy, meeting, giver, holder.member_id, holder.family_name)
    refused("holder_ineligible", enter_paper_proxy, meeting, giver, holder, staff)
    refused("giver_ineligible", enter_paper_proxy, meeting, holder, third, staff)
    refused("giver_ineligible", enter_paper_proxy, meeting, setup["outsider"], third, staff)


@pytest.mark.django_db
def test_no_proxy_to_oneself(setup):
    meeting, giver = setup["meeting"], setup["members"][0]
    refused("to_self", request_proxy, meeting, giver, giver.member_id, giver.family_name)


@pytest.mark.django_db
def test_one_active_proxy_per_giver(setup, staff):
    meeting, (giver, holder, other, *_) = setup["meeting"], setup["members"]
    request_proxy(meeting, giver, holder.member_id, holder.family_name)

    refused("already_given", request_proxy, meeting, giver, other.member_id, other.family_name)
    refused("already_given", enter_paper_proxy, meeting, giver, other, staff)


@pytest.mark.django_db
def test_no_chains_either_way(setup, staff):
    meeting, (a, b, c, d, *_) = setup["meeting"], setup["members"]
    request_proxy(meeting, a, b.member_id, b.family_name)  # a gives to b

    # b holds (a request counts), so b cannot give; a gives, so a cannot hold.
    refused("giver_holds", request_proxy, meeting, b, c.member_id, c.family_name)
    refused("holder_gives", request_proxy, meeting, d, a.member_id, a.family_name)
    refused("holder_gives", enter_paper_proxy, meeting, d, a, staff)


@pytest.mark.django_db
def test_the_cap_per_holder_set_on_the_meeting(setup, staff):
    meeting, (a, b, c, holder, *_) = setup["meeting"], setup["members"]
    assert meeting.proxy_cap == 1  # the default
    first = request_proxy(meeting, a, holder.member_id, holder.family_name)
    second = request_proxy(meeting, b, holder.member_id, holder.family_name)
    approve_proxy(meeting, first.pk, staff)

    message = refused("holder_full", approve_proxy, meeting, second.pk, staff)
    assert "already holds 1 proxy" in message
    refused("holder_full", enter_paper_proxy, meeting, c, holder, staff)

    meeting.proxy_cap = 2
    meeting.save()
    approve_proxy(meeting, second.pk, staff)
    assert len(member_proxies(meeting.pk, holder).held) == 2


@pytest.mark.django_db
def test_a_meeting_with_a_cap_of_0_takes_no_proxies(home_page, staff):
    setup = proxy_meeting(home_page, proxy_cap=0)
    a, b = setup["members"][:2]
    refused("no_proxies", enter_paper_proxy, setup["meeting"], a, b, staff)


@pytest.mark.django_db
def test_staff_approve_or_refuse_and_are_named(setup, staff):
    meeting, (a, b, c, d, *_) = setup["meeting"], setup["members"]
    one = request_proxy(meeting, a, b.member_id, b.family_name)
    two = request_proxy(meeting, c, d.member_id, d.family_name)

    approve_proxy(meeting, one.pk, staff)
    refuse_proxy(meeting, two.pk, staff, "The signature does not match.")

    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, one.decided_by, one.decided_at is not None) == ("approved", staff, True)
    assert (two.status, two.note) == ("refused", "The signature does not match.")
    refused("not_requested", approve_proxy, meeting, two.pk, staff)
    # A refused request frees the giver to ask someone else.
    request_proxy(meeting, c, d.member_id, d.family_name)


@pytest.mark.django_db
def test_a_paper_form_is_approved_as_it_is_entered(setup, staff):
    meeting, (a, b, *_) = setup["meeting"], setup["members"]
    proxy = enter_paper_proxy(meeting, a, b, staff)
    assert (proxy.status, proxy.source, proxy.decided_by) == ("approved", "paper", staff)
    assert [p.giver_member_id for p in member_proxies(meeting.pk, b).held] == [a.member_id]
    assert member_proxies(meeting.pk, a).given == proxy.pk


@pytest.mark.django_db
def test_the_giver_withdraws_before_the_meeting_not_after_it_starts(setup, staff):
    meeting, (a, b, *_) = setup["meeting"], setup["members"]
    proxy = enter_paper_proxy(meeting, a, b, staff)

    withdraw_proxy(meeting, a)
    proxy.refresh_from_db()
    assert proxy.status == "withdrawn"
    refused("not_found", withdraw_proxy, meeting, a)

    enter_paper_proxy(meeting, a, b, staff)
    meeting.starts_at = timezone.now() - timezone.timedelta(minutes=1)
    meeting.save()
    refused("too_late", withdraw_proxy, meeting, a)


@pytest.mark.django_db
def test_members_request_only_before_the_meeting_starts(home_page):
    setup = proxy_meeting(home_page, started=True)
    a, b = setup["members"][:2]
    refused("too_late", request_proxy, setup["meeting"], a, b.member_id, b.family_name)


@pytest.mark.django_db
def test_a_member_who_has_voted_cannot_give_a_proxy(home_page, staff):
    setup = proxy_meeting(home_page, started=True)
    meeting, (a, b, *_) = setup["meeting"], setup["members"]
    item = open_motion(meeting, setup["chair"])
    cast_vote(a, item, [choice(item, "For")])

    refused("giver_voted", enter_paper_proxy, meeting, a, b, staff)


# Concurrency (PostgreSQL: SQLite serialises writers) -----------------------------------


def run_at_once(count, work):
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(n):
        try:
            barrier.wait()
            work(n)
            outcomes[n] = "ok"
        except ProxyRefused as refusal:
            outcomes[n] = refusal.code
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[n] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_approvals_never_pass_the_cap(home_page, staff):
    setup = proxy_meeting(home_page, members=7)
    meeting, (holder, *givers) = setup["meeting"], setup["members"]
    requests = [
        request_proxy(meeting, giver, holder.member_id, holder.family_name) for giver in givers
    ]

    outcomes = run_at_once(len(requests), lambda n: approve_proxy(meeting, requests[n].pk, staff))

    assert sorted(outcomes) == ["holder_full"] * (len(requests) - 1) + ["ok"]
    assert Proxy.objects.filter(holder=holder, status="approved").count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_crossed_paper_forms_never_make_a_chain(home_page, staff):
    setup = proxy_meeting(home_page)
    meeting, (a, b, c, *_) = setup["meeting"], setup["members"]
    # a to b and b to c at once: one of them must be refused.
    pairs = [(a, b), (b, c)] * 3

    outcomes = run_at_once(
        len(pairs), lambda n: enter_paper_proxy(meeting, pairs[n][0], pairs[n][1], staff)
    )

    assert outcomes.count("ok") == 1, outcomes
    active = Proxy.objects.filter(status="approved")
    assert active.count() == 1
    assert not active.filter(giver__in=active.values("holder")).exists()
