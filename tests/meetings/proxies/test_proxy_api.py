"""Proxies through the member API: the ballot lists the proxies held and a ballot per
proxy on each open item; a vote with `on_behalf_of` goes through `cast_vote`."""

import pytest
from django.test import Client

from meetings.ballots.models import VoterRecord
from tests.meeting_fixtures import choice
from tests.meetings.proxies.proxy_fixtures import approved, open_motion, proxy_meeting

API = "/api/member/v1/"


@pytest.fixture
def voting(home_page):
    setup = proxy_meeting(home_page, started=True)
    giver, holder, other = setup["members"][:3]
    approved(setup["meeting"], giver, holder)
    setup.update(
        giver=giver, holder=holder, other=other, item=open_motion(setup["meeting"], setup["chair"])
    )
    return setup


def client_for(member):
    client = Client()
    client.force_login(member.account)
    return client


def vote(client, meeting, item, choices, **body):
    return client.post(
        f"{API}meetings/{meeting.pk}/ballot/{item.pk}/vote/",
        {"choices": choices, **body},
        content_type="application/json",
    )


@pytest.mark.django_db
def test_the_ballot_shows_the_proxies_held_and_a_ballot_for_each(voting):
    meeting, giver, holder = voting["meeting"], voting["giver"], voting["holder"]

    ballot = client_for(holder).get(f"{API}meetings/{meeting.pk}/ballot/").json()

    assert ballot["proxies_held"] == [
        {"on_behalf_of": giver.member_id, "giver_name": giver.full_name}
    ]
    assert ballot["open_items"][0]["proxy_ballots"] == [
        {"on_behalf_of": giver.member_id, "giver_name": giver.full_name, "has_voted": False}
    ]
    # Members who hold none see empty lists.
    theirs = client_for(voting["other"]).get(f"{API}meetings/{meeting.pk}/ballot/").json()
    assert theirs["proxies_held"] == [] and theirs["open_items"][0]["proxy_ballots"] == []


@pytest.mark.django_db
def test_the_holder_votes_for_themselves_and_the_giver(voting):
    meeting, item, giver, holder = (voting[k] for k in ("meeting", "item", "giver", "holder"))
    client = client_for(holder)

    mine = vote(client, meeting, item, [choice(item, "For")])
    theirs = vote(client, meeting, item, [choice(item, "For")], on_behalf_of=giver.member_id)
    again = vote(client, meeting, item, [choice(item, "For")], on_behalf_of=giver.member_id)

    assert (mine.status_code, theirs.status_code, again.status_code) == (201, 201, 409)
    assert mine.json()["receipt"] != theirs.json()["receipt"]
    assert set(VoterRecord.objects.values_list("member", flat=True)) == {holder.pk, giver.pk}
    ballot = client.get(f"{API}meetings/{meeting.pk}/ballot/").json()
    assert ballot["open_items"][0]["proxy_ballots"][0]["has_voted"] is True


@pytest.mark.django_db
def test_a_forged_on_behalf_of_is_refused_and_records_nothing(voting):
    meeting, item, giver = voting["meeting"], voting["item"], voting["giver"]

    response = vote(
        client_for(voting["other"]),
        meeting,
        item,
        [choice(item, "For")],
        on_behalf_of=giver.member_id,
    )

    assert response.status_code == 403 and response.json()["code"] == "no_proxy"
    assert not VoterRecord.objects.exists()
