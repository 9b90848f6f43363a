"""Weighted delegate votes: a delegate's weight counts in every tally, ranked ones too,
and a weighted ballot is split into unit ballots so a rare weight cannot single it out."""

import pytest
from django.test import Client
from django.urls import reverse

from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import Ballot, BallotItem, Choice, DelegateWeight, RankedTally
from meetings.ballots.results import item_result
from meetings.factories import BallotItemFactory, CandidateFactory
from members.api.access import issue_token
from tests.meeting_fixtures import meeting_under_way, receipt_shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention(home_page):
    agm = meeting_under_way(home_page, voters=3)
    heavy, light, _ = agm["voters"]
    DelegateWeight.objects.create(meeting=agm["meeting"], member=heavy, weight=37)
    return agm


def choice(item, label):
    return Choice.objects.get(item=item, label=label).pk


def test_a_delegates_weight_counts_in_the_tally(convention):
    item = convention["item"]
    heavy, light, other = convention["voters"]
    cast_vote(heavy, item, [choice(item, "Against")])
    cast_vote(light, item, [choice(item, "For")])
    cast_vote(other, item, [choice(item, "For")])
    close_item(item, convention["chair"])

    result = item_result(item)
    votes = {row.label: row.votes for row in result.choices}
    assert votes == {"For": 2, "Against": 37, "Abstain": 0}
    assert result.ballots_cast == 39 and result.carried is False


def test_a_weighted_ballot_is_stored_as_unit_ballots_like_any_other(convention):
    """The counted ballots hold no weight: the heavy delegate's vote is 37 rows, each a
    single ballot with its own receipt, one of them the delegate's own."""
    item = convention["item"]
    heavy, light, _ = convention["voters"]
    client = Client()
    client.force_login(heavy.account)
    client.post(
        reverse("meetings:vote", args=[convention["meeting"].pk, item.pk]),
        {"choice": [choice(item, "Against")]},
    )
    url = convention["meeting"].url
    receipt = receipt_shown(client.get(url).content.decode())
    assert receipt
    cast_vote(light, item, [choice(item, "For")])
    close_item(item, convention["chair"])

    rows = list(Ballot.objects.filter(item=item).values_list("choices", "receipt"))
    assert len(rows) == 38
    against = [code for held, code in rows if held == str(choice_position(item, "Against"))]
    assert len(against) == 37 and len(set(against)) == 37  # no code repeated
    assert against.count(receipt) == 1  # the delegate finds their own receipt, once
    # Every counted row has the same fields, with the same shape, as an unweighted one.
    assert {len(code) for _, code in rows} == {10}


def choice_position(item, label):
    return Choice.objects.get(item=item, label=label).position


def test_weights_count_in_a_ranked_election(convention):
    meeting = convention["meeting"]
    item = BallotItemFactory(meeting=meeting, kind=BallotItem.Kind.RANKED, seats=1, title="Chair")
    for name in ["Ada Okafor", "Ben Marsh"]:
        CandidateFactory(item=item, name=name)
    item = open_item(item, convention["chair"])
    heavy, light, other = convention["voters"]
    cast_vote(heavy, item, [choice(item, "Ben Marsh")])
    cast_vote(light, item, [choice(item, "Ada Okafor")])
    cast_vote(other, item, [choice(item, "Ada Okafor")])
    close_item(item, convention["chair"])

    table = RankedTally.objects.get(item=item).table
    assert table["valid_ballots"] == 39
    assert table["stages"][0]["votes"] == ["2", "37"]
    assert table["elected"] == ["Ben Marsh"]


def test_the_delegate_sees_their_weight_on_the_page_and_in_the_api(convention):
    heavy, light, _ = convention["voters"]
    client = Client()
    client.force_login(heavy.account)
    html = client.get(convention["meeting"].url).content.decode()
    assert "carrying <strong>37 votes</strong>" in html
    api = Client(HTTP_AUTHORIZATION=f"Token {issue_token(heavy.account)}")
    ballot = api.get(f"/api/member/v1/meetings/{convention['meeting'].pk}/ballot/").json()
    assert ballot["vote_weight"] == 37
    client.force_login(light.account)
    assert "carrying" not in client.get(convention["meeting"].url).content.decode()


def test_staff_set_weights_in_the_admin(convention, admin_client):
    response = admin_client.get("/admin/delegate-weights/")
    assert response.status_code == 200
    assert "37" in response.content.decode()


def test_a_weight_changed_in_the_admin_shows_at_once(convention):
    heavy = convention["voters"][0]
    client = Client()
    client.force_login(heavy.account)
    client.get(convention["meeting"].url)
    weight = DelegateWeight.objects.get(member=heavy)
    weight.weight = 12
    weight.save()
    assert (
        "carrying <strong>12 votes</strong>"
        in client.get(convention["meeting"].url).content.decode()
    )
    weight.delete()
    assert "carrying" not in client.get(convention["meeting"].url).content.decode()
