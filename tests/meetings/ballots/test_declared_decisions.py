"""Decisions outside the secret ballot (`meetings.ballots.declared`): acclamation, recorded
(named) votes, and counts taken in the room or by tellers, through the chair's page."""

import csv
import io

import pytest
from django.test import Client

from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import (
    BallotItem,
    ChairAction,
    Choice,
    OutsideCount,
    RecordedVote,
    VoterRecord,
)
from meetings.factories import BallotItemFactory, CandidateFactory
from members.api.access import issue_token
from members.models import AccessLogEntry
from tests.meeting_fixtures import meeting_under_way

pytestmark = pytest.mark.django_db


@pytest.fixture
def agm(home_page):
    return meeting_under_way(home_page, voters=3)


def chair_client(agm):
    client = Client()
    client.force_login(agm["chair"])
    return client


def chair_post(agm, action, item, data=None):
    url = f"{agm['meeting'].url}chair/{action}/{item.pk}/"
    return chair_client(agm).post(url, data or {}, follow=True)


def member_page(agm, member=None):
    client = Client()
    client.force_login((member or agm["voter"]).account)
    return client.get(agm["meeting"].url).content.decode()


def election(agm, names, seats, **fields):
    item = BallotItemFactory(
        meeting=agm["meeting"], kind=BallotItem.Kind.ELECTION, seats=seats, **fields
    )
    for name in names:
        CandidateFactory(item=item, name=name)
    return item


def choice(item, label):
    return Choice.objects.get(item=item, label=label).pk


# Acclamation ---------------------------------------------------------------------------


def test_the_chair_declares_candidates_elected_by_acclamation_in_one_step(agm):
    item = election(agm, ["Ada Okafor", "Ben Marsh"], seats=2, title="Trustees")
    assert (
        "Declare elected by acclamation"
        in chair_client(agm).get(agm["meeting"].url + "chair/").content.decode()
    )

    chair_post(agm, "acclaim", item)

    item.refresh_from_db()
    assert item.acclaimed and item.is_counted
    assert item.ballot_key is None and item.opened_at is None  # no vote was opened
    assert not VoterRecord.objects.filter(item=item).exists()
    logged = ChairAction.objects.get(item=item, action=ChairAction.Action.ACCLAIM)
    assert logged.actor == agm["chair"] and "Ada Okafor, Ben Marsh" in logged.note
    assert "Elected by acclamation: Ada Okafor, Ben Marsh." in member_page(agm)


def test_acclamation_is_refused_when_candidates_outnumber_seats(agm):
    item = election(agm, ["Ada Okafor", "Ben Marsh", "Cleo Tran"], seats=2, title="Trustees")

    html = chair_post(agm, "acclaim", item).content.decode()

    assert "3 candidates stand for 2 seats: open the vote instead." in html
    item.refresh_from_db()
    assert item.state == BallotItem.State.DRAFT and not item.acclaimed
    assert not ChairAction.objects.filter(action=ChairAction.Action.ACCLAIM).exists()


def test_only_a_chair_may_declare_an_acclamation(agm):
    item = election(agm, ["Ada Okafor"], seats=1, title="Secretary")
    member = Client()
    member.force_login(agm["voter"].account)
    response = member.post(f"{agm['meeting'].url}chair/acclaim/{item.pk}/")
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == BallotItem.State.DRAFT


# Recorded votes ------------------------------------------------------------------------


def test_a_recorded_vote_says_it_is_not_secret_and_lists_who_voted_what(agm):
    item = open_item(
        BallotItemFactory(meeting=agm["meeting"], title="Motion 2: strike fund", recorded=True),
        agm["chair"],
    )
    html = member_page(agm)
    open_part = html[html.index("Motion 2: strike fund") :]
    assert "This is a recorded vote: it is not secret." in open_part
    assert "Your vote is secret" not in open_part[: open_part.index("</article>")]

    first, second, _ = agm["voters"]
    cast_vote(first, item, [choice(item, "For")])
    cast_vote(second, item, [choice(item, "Against")])
    close_item(item, agm["chair"])

    names = {v.member_id: v.choices for v in RecordedVote.objects.filter(item=item)}
    assert names == {first.pk: "For", second.pk: "Against"}
    html = member_page(agm)
    assert "Recorded vote: how each member voted" in html
    assert f"{first.given_name} {first.family_name}" in html
    csv_text = chair_client(agm).get(agm["meeting"].url + "chair/results/").content.decode()
    rows = {row["choice"]: row for row in csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))}
    assert rows[f"recorded vote: {second.given_name} {second.family_name}"]["outcome"] == (
        "Against"
    )
    # Names leave the site in that CSV: the export is in the access log.
    entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.EXPORT)
    assert set(entry.member_ids) == {first.member_id, second.member_id}


def test_a_secret_vote_keeps_no_names(agm):
    item = agm["item"]
    cast_vote(agm["voter"], item, [choice(item, "For")])
    close_item(item, agm["chair"])
    assert not RecordedVote.objects.exists()
    assert "Recorded vote" not in member_page(agm)


# Counts taken outside the site ---------------------------------------------------------


def hands(item, voters, **votes):
    data = {"method": "hands", "voters": str(voters), "note": "tellers: J. Ruiz"}
    for label, number in votes.items():
        data[f"votes-{choice(item, label)}"] = str(number)
    return data


def test_a_show_of_hands_is_shown_apart_and_added_to_the_totals_when_the_chair_says(agm):
    item = agm["item"]
    cast_vote(agm["voter"], item, [choice(item, "For")])
    chair_post(agm, "outside", item, hands(item, 10, For=3, Against=7))
    close_item(item, agm["chair"])

    count = OutsideCount.objects.get(item=item)
    assert count.entered_by == agm["chair"] and count.voters == 10
    html = member_page(agm)
    assert "Counts taken outside the site (not in the totals above)" in html
    assert "Carried." in html  # the site's one ballot, For, alone

    chair_post(agm, "outside_in", item)

    html = member_page(agm)
    assert "(added to the totals above)" in html
    assert "Defeated." in html  # 4 for, 7 against
    api = Client(HTTP_AUTHORIZATION=f"Token {issue_token(agm['voter'].account)}")
    result = api.get(f"/api/member/v1/meetings/{agm['meeting'].pk}/ballot/").json()
    [closed] = result["closed_items"]
    assert closed["result"]["outside_added"] is True
    assert closed["result"]["outside_counts"][0]["votes"] == {
        "For": 3,
        "Against": 7,
        "Abstain": 0,
    }
    assert closed["result"]["ballots_cast"] == 11
    logged = set(ChairAction.objects.filter(item=item).values_list("action", flat=True))
    assert {ChairAction.Action.OUTSIDE, ChairAction.Action.OUTSIDE_IN} <= logged


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"method": "hands", "voters": "2", "votes-For": "5"}, "More votes than 2 members"),
        ({"method": "hands", "voters": "none"}, "Enter whole numbers of votes."),
        ({"method": "shout", "voters": "4"}, "Say how the count was taken"),
        ({"method": "hands", "voters": "0"}, "at least one"),
    ],
)
def test_a_count_that_cannot_be_right_is_refused_and_changes_nothing(agm, data, message):
    item = agm["item"]
    data = {
        key.replace("votes-For", f"votes-{choice(item, 'For')}"): value
        for key, value in data.items()
    }
    html = chair_post(agm, "outside", item, data).content.decode()
    assert message in html
    assert not OutsideCount.objects.exists()
    assert not ChairAction.objects.filter(action=ChairAction.Action.OUTSIDE).exists()


def test_a_ranked_election_takes_no_show_of_hands(agm):
    item = BallotItemFactory(
        meeting=agm["meeting"], kind=BallotItem.Kind.RANKED, seats=1, title="Chair"
    )
    for name in ["Ada Okafor", "Ben Marsh"]:
        CandidateFactory(item=item, name=name)
    item = open_item(item, agm["chair"])
    html = chair_post(agm, "outside", item, {"method": "hands", "voters": "3"}).content.decode()
    assert "A ranked election cannot take a show of hands" in html
    assert not OutsideCount.objects.exists()
