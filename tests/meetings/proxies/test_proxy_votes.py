"""Voting with a proxy: through the one cast path, the voter record in the giver's name,
each ballot sealed and counted apart, lapsing when the giver votes in person, and never
for a member whose proxy the voter does not hold."""

import pytest
from django.db import connection

from meetings.attendance.models import AttendanceRecord
from meetings.attendance.register import attendance_for, present_count, sign_out
from meetings.ballots.casting import VoteRefused, cast_vote
from meetings.ballots.chairing import close_item
from meetings.ballots.models import Ballot, VoterRecord
from meetings.ballots.results import tally
from meetings.proxies.models import Proxy
from tests.meeting_fixtures import choice
from tests.meetings.proxies.proxy_fixtures import approved, open_motion, proxy_meeting


@pytest.fixture
def voting(home_page):
    setup = proxy_meeting(home_page, started=True)
    giver, holder, other = setup["members"][:3]
    setup.update(
        giver=giver,
        holder=holder,
        other=other,
        proxy=approved(setup["meeting"], giver, holder),
        item=open_motion(setup["meeting"], setup["chair"]),
    )
    return setup


def refusal(work, *args, **kwargs):
    with pytest.raises(VoteRefused) as error:
        work(*args, **kwargs)
    return error.value


@pytest.mark.django_db
def test_the_holder_votes_for_themselves_and_for_the_giver_each_counted(voting):
    item, giver, holder = voting["item"], voting["giver"], voting["holder"]

    own = cast_vote(holder, item, [choice(item, "For")])
    for_giver = cast_vote(holder, item, [choice(item, "Against")], on_behalf_of=giver.member_id)

    assert own != for_giver
    assert set(VoterRecord.objects.filter(item=item).values_list("member", flat=True)) == {
        holder.pk,
        giver.pk,
    }
    close_item(item, voting["chair"])
    assert sorted(Ballot.objects.filter(item=item).values_list("receipt", flat=True)) == sorted(
        [own, for_giver]
    )
    counts, cast = tally(item)
    positions = dict(item.choices.values_list("label", "position"))
    assert (counts[positions["For"]], counts[positions["Against"]], cast) == (1, 1, 2)


@pytest.mark.django_db
def test_a_second_vote_for_the_giver_is_refused(voting):
    item, giver, holder = voting["item"], voting["giver"], voting["holder"]
    cast_vote(holder, item, [choice(item, "For")], on_behalf_of=giver.member_id)

    error = refusal(cast_vote, holder, item, [choice(item, "For")], on_behalf_of=giver.member_id)

    assert error.code == "already_voted"
    assert giver.full_name in error.message
    # The giver's own vote on that item is refused too: one vote per member per item.
    assert refusal(cast_vote, giver, item, [choice(item, "For")]).code == "already_voted"
    assert VoterRecord.objects.filter(item=item).count() == 1
    # ...and a refused in-person vote does not lapse the proxy.
    voting["proxy"].refresh_from_db()
    assert voting["proxy"].status == "approved"


@pytest.mark.django_db
def test_another_member_cannot_vote_with_a_proxy_they_do_not_hold(voting):
    item, giver, other = voting["item"], voting["giver"], voting["other"]

    forged = refusal(cast_vote, other, item, [choice(item, "For")], on_behalf_of=giver.member_id)
    unknown = refusal(cast_vote, other, item, [choice(item, "For")], on_behalf_of="999999")

    assert forged.code == unknown.code == "no_proxy"
    assert forged.message == unknown.message
    assert not VoterRecord.objects.exists()


@pytest.mark.django_db
def test_a_requested_proxy_cannot_be_used_until_approved(voting):
    item, holder, other = voting["item"], voting["holder"], voting["other"]
    third = voting["members"][3]
    Proxy.objects.create(
        meeting=voting["meeting"], giver=third, holder=other, source=Proxy.Source.MEMBER_REQUEST
    )
    error = refusal(cast_vote, other, item, [choice(item, "For")], on_behalf_of=third.member_id)
    assert error.code == "no_proxy"
    assert holder  # the fixture's approved proxy is someone else's


@pytest.mark.django_db
def test_the_giver_voting_in_person_lapses_the_proxy_for_the_rest_of_the_meeting(voting):
    item, giver, holder = voting["item"], voting["giver"], voting["holder"]
    second = open_motion(voting["meeting"], voting["chair"], title="Motion 2: budget")
    # The holder voted for the giver on the first item...
    cast_vote(holder, item, [choice(item, "For")], on_behalf_of=giver.member_id)

    # ...then the giver votes in person on the second.
    cast_vote(giver, second, [choice(second, "Against")])

    voting["proxy"].refresh_from_db()
    assert voting["proxy"].status == "lapsed" and voting["proxy"].ended_at is not None
    third = open_motion(voting["meeting"], voting["chair"], title="Motion 3")
    error = refusal(cast_vote, holder, third, [choice(third, "For")], on_behalf_of=giver.member_id)
    assert error.code == "no_proxy"
    # The first item's vote for the giver stays: one record each, in the giver's name.
    assert list(VoterRecord.objects.filter(member=giver).values_list("item", flat=True)) in (
        [item.pk, second.pk],
        [second.pk, item.pk],
    )


@pytest.mark.django_db
def test_the_giver_must_still_be_eligible(voting):
    item, giver, holder = voting["item"], voting["giver"], voting["holder"]
    giver.standing = "suspended"
    giver.save()
    error = refusal(cast_vote, holder, item, [choice(item, "For")], on_behalf_of=giver.member_id)
    assert error.code == "giver_ineligible"
    assert not VoterRecord.objects.exists()


@pytest.mark.django_db
def test_a_proxy_ballot_is_sealed_like_any_other(voting):
    item, giver, holder = voting["item"], voting["giver"], voting["holder"]
    cast_vote(holder, item, [choice(item, "For")])
    cast_vote(holder, item, [choice(item, "For")], on_behalf_of=giver.member_id)

    sealed = [bytes(s) for s in VoterRecord.objects.values_list("sealed_ballot", flat=True)]
    # Same choice, same length, unrelated bytes: nothing tells the proxy's ballot apart.
    assert len(sealed[0]) == len(sealed[1]) and sealed[0] != sealed[1]
    columns = {f.column for f in VoterRecord._meta.concrete_fields} | {
        f.column for f in Ballot._meta.concrete_fields
    }
    assert not any("proxy" in column for column in columns)


# Attendance: the giver counts present by proxy while the holder is in the room -------


@pytest.mark.django_db
def test_the_holder_checking_in_checks_the_giver_in_by_proxy(voting):
    meeting, giver, holder = voting["meeting"], voting["giver"], voting["holder"]

    attendance_for(meeting, holder, room_is_open=True)

    stays = dict(AttendanceRecord.objects.values_list("member", "by_proxy"))
    assert stays == {holder.pk: False, giver.pk: True}
    assert present_count(meeting) == 2  # the quorum counts the giver

    # The giver arriving in person ends the by-proxy stay: counted once, in person.
    shown = attendance_for(meeting, giver, room_is_open=True)
    assert shown.present and not shown.by_proxy
    assert present_count(meeting) == 2
    in_person = AttendanceRecord.objects.get(member=giver, left_at__isnull=True)
    assert in_person.by_proxy is False


@pytest.mark.django_db
def test_the_holder_signing_out_takes_the_giver_out_with_them(voting):
    meeting, giver, holder = voting["meeting"], voting["giver"], voting["holder"]
    attendance_for(meeting, holder, room_is_open=True)

    sign_out(meeting, holder)

    assert present_count(meeting) == 0
    assert AttendanceRecord.objects.get(member=giver).left_at is not None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_holder_and_giver_voting_at_once_give_one_vote_for_the_giver(home_page):
    from tests.meetings.proxies.test_proxy_rules import run_at_once

    setup = proxy_meeting(home_page, started=True)
    giver, holder = setup["members"][:2]
    approved(setup["meeting"], giver, holder)
    item = open_motion(setup["meeting"], setup["chair"])
    for_id = choice(item, "For")
    jobs = [
        lambda: cast_vote(holder, item, [for_id], on_behalf_of=giver.member_id),
        lambda: cast_vote(giver, item, [for_id]),
    ] * 5

    def work(n):
        try:
            jobs[n]()
        except VoteRefused as refused:
            assert refused.code in ("already_voted", "proxy_ended", "no_proxy"), refused.code

    outcomes = run_at_once(len(jobs), work)

    assert set(outcomes) == {"ok"}, outcomes
    assert VoterRecord.objects.filter(item=item, member=giver).count() == 1


@pytest.mark.django_db
def test_a_proxy_approved_while_the_holder_is_in_the_room_checks_the_giver_in(home_page):
    from django.contrib.auth import get_user_model

    from meetings.proxies.rules import enter_paper_proxy

    setup = proxy_meeting(home_page, started=True)
    meeting, (giver, holder, *_) = setup["meeting"], setup["members"]
    attendance_for(meeting, holder, room_is_open=True)
    staff = get_user_model().objects.create_user("staff", "s@northwind.example", "x" * 16)

    enter_paper_proxy(meeting, giver, holder, staff)

    assert AttendanceRecord.objects.get(member=giver, left_at__isnull=True).by_proxy is True
    assert present_count(meeting) == 2


@pytest.mark.django_db
def test_staff_ending_a_proxy_mid_meeting_stops_the_holders_votes_for_the_giver(voting):
    """The giver telephones once the meeting has started (their page no longer lets them
    withdraw): staff end the proxy. Votes cast before stand; the next is refused, the
    giver leaves the register, and their page says why."""
    from django.test import Client

    from meetings.proxies.rules import ProxyRefused, end_proxy
    from tests.staff_fixtures import staff_member

    meeting, giver, holder, item = (voting[k] for k in ("meeting", "giver", "holder", "item"))
    cast_vote(holder, item, [choice(item, "For")], on_behalf_of=giver.member_id)
    attendance_for(meeting, holder, room_is_open=True)
    later = open_motion(meeting, voting["chair"], title="Motion 2: the budget")
    staff = staff_member("membership")

    with pytest.raises(ProxyRefused) as no_reason:
        end_proxy(meeting, voting["proxy"].pk, staff, "  ")
    assert no_reason.value.code == "no_reason"
    end_proxy(meeting, voting["proxy"].pk, staff, "The member asked by telephone.")

    assert (
        refusal(cast_vote, holder, later, [choice(later, "For")], on_behalf_of=giver.member_id).code
        == "no_proxy"
    )
    assert VoterRecord.objects.filter(member=giver).count() == 1  # the earlier vote stands
    assert present_count(meeting) == 1  # the holder; the giver was there only by proxy
    with pytest.raises(ProxyRefused) as again:
        end_proxy(meeting, voting["proxy"].pk, staff, "Twice.")
    assert again.value.code == "not_approved"
    client = Client()
    client.force_login(giver.account)
    page = client.get(meeting.url).content.decode()
    assert "Membership staff ended your proxy" in page
    assert "The member asked by telephone." in page
    # The giver may now vote in person.
    assert cast_vote(giver, later, [choice(later, "Against")])
