"""Ranked elections end to end: the ranking form without JavaScript, its refusals, the
sealed path in rank order, the count stored at close, and the stage table on the page,
in the results CSV and in the member API."""

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from meetings.ballots.casting import VoteRefused, cast_vote
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import Ballot, BallotItem, ChairAction, Choice, RankedTally
from meetings.ballots.ranked import INSTANT_RUNOFF, SCOTTISH_STV
from meetings.factories import (
    BallotItemFactory,
    CandidateFactory,
)
from members.api.access import issue_token
from tests.meeting_fixtures import meeting_under_way, receipt_shown, recorded, unlock

pytestmark = pytest.mark.django_db

CANDIDATES = ["Ada Okafor", "Ben Marsh", "Cleo Tran"]


@pytest.fixture
def agm(home_page):
    """A Chapter AGM under way (its motion open) with seven members who may vote."""
    return meeting_under_way(home_page, voters=7)


def ranked_item(agm, *, seats=2, rule=SCOTTISH_STV, names=CANDIDATES):
    item = BallotItemFactory(
        meeting=agm["meeting"],
        kind=BallotItem.Kind.RANKED,
        seats=seats,
        counting_rule=rule,
        title="Chapter stewards",
    )
    for name in names:
        CandidateFactory(item=item, name=name)
    item = open_item(item, agm["chair"])
    unlock(agm["meeting"])
    return item


def ids(item, *labels):
    return [str(Choice.objects.get(item=item, label=label).pk) for label in labels]


def signed_in(member):
    client = Client()
    client.force_login(member.account)
    return client


def vote_url(agm, item):
    return reverse("meetings:vote", args=[agm["meeting"].pk, item.pk])


def post_ranking(agm, item, member, ranks):
    client = signed_in(member)
    client.post(vote_url(agm, item), {"rank": ranks})
    return client


def test_the_ballot_offers_one_labelled_menu_per_rank_and_states_the_rule(agm):
    item = ranked_item(agm)
    html = signed_in(agm["voters"][0]).get(agm["meeting"].url).content.decode()

    for number, word in enumerate(["1st", "2nd", "3rd"], start=1):
        menu_id = f"rank-{item.pk}-{number}"
        assert f'<label for="{menu_id}">{word} choice</label>' in html
        assert f'<select name="rank" id="{menu_id}"' in html
    assert f'id="rank-{item.pk}-4"' not in html  # as many ranks as candidates
    assert "Single transferable vote (Scottish STV rules 2007)" in html
    form = html[html.index('class="vote-form vote-form--ranked"') :]
    form = form[: form.index("</form>")]
    assert 'type="checkbox"' not in form and 'type="radio"' not in form
    assert "Abstain" not in form  # a ranked ballot has no Abstain


def test_a_ranking_is_sealed_and_counted_in_the_members_order(agm):
    item = ranked_item(agm)
    voter = agm["voters"][0]
    client = post_ranking(agm, item, voter, ids(item, "Cleo Tran", "Ada Okafor") + [""])
    assert receipt_shown(client.get(agm["meeting"].url).content.decode())
    close_item(item, agm["chair"])

    positions = {c.label: c.position for c in Choice.objects.filter(item=item)}
    [ballot] = Ballot.objects.filter(item=item)
    assert ballot.positions == [positions["Cleo Tran"], positions["Ada Okafor"]]


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        (lambda item: ids(item, "Ada Okafor", "Ada Okafor"), "more than once"),
        (lambda item: [ids(item, "Ada Okafor")[0], "", ids(item, "Ben Marsh")[0]], "2nd choice"),
        (lambda item: ids(item, *CANDIDATES) + ids(item, "Ada Okafor"), "rank at most 3"),
        (lambda item: ["", "", ""], "1st choice"),
    ],
    ids=["ranked twice", "gap", "more ranks than candidates", "nothing ranked"],
)
def test_a_bad_ranking_is_refused_plainly_and_changes_nothing(agm, ranks, message):
    item = ranked_item(agm)
    client = post_ranking(agm, item, agm["voters"][0], ranks(item))

    html = client.get(agm["meeting"].url).content.decode()
    assert message in html
    assert recorded(item) == (0, 0, 0)
    assert "Cast my vote" in html  # the member can still vote


def test_the_api_refuses_a_ranking_with_a_candidate_twice(agm):
    item = ranked_item(agm)
    voter = agm["voters"][0]
    with pytest.raises(VoteRefused) as refused:
        cast_vote(voter, item, ids(item, "Ben Marsh", "Ben Marsh"))
    assert refused.value.code == "ranked_twice"
    assert recorded(item) == (0, 0, 0)


def close_with_rankings(agm, item, rankings):
    for voter, ranking in zip(agm["voters"], rankings, strict=False):
        cast_vote(voter, item, ids(item, *ranking))
    return close_item(item, agm["chair"])


# Seven ballots, two seats: quota 7 // 3 + 1 = 3. Ada has 4 (surplus 1, a quarter of a
# vote a ballot, to Ben); then Cleo (1) is excluded and her ballot elects Ben.
SEVEN = [
    ["Ada Okafor", "Ben Marsh"],
    ["Ada Okafor", "Ben Marsh"],
    ["Ada Okafor", "Ben Marsh"],
    ["Ada Okafor", "Ben Marsh"],
    ["Ben Marsh"],
    ["Ben Marsh", "Cleo Tran"],
    ["Cleo Tran", "Ben Marsh"],
]


def test_closing_stores_the_count_and_the_page_shows_it_stage_by_stage(agm):
    item = close_with_rankings(agm, ranked_item(agm), SEVEN)

    table = RankedTally.objects.get(item=item).table
    assert table["quota"] == 3
    assert table["elected"] == ["Ada Okafor", "Ben Marsh"]
    assert [s["action"] for s in table["stages"]] == ["first preferences", "surplus"]
    assert table["stages"][1]["votes"] == ["3", "3", "1"]  # Ben 2 + 4 × 0.25 = 3: elected

    html = signed_in(agm["voters"][0]).get(agm["meeting"].url).content.decode()
    assert "Counted by Single transferable vote (Scottish STV rules 2007)" in html
    assert "quota 3 votes" in html
    assert "The count of Chapter stewards, stage by stage" in html
    assert "Surplus of Ada Okafor transferred" in html
    assert "Elected: Ada Okafor, Ben Marsh." in html


def test_the_minutes_carry_the_count_stage_by_stage(agm):
    from meetings.minutes.drafting import what_happened

    item = close_with_rankings(agm, ranked_item(agm), SEVEN)

    [row] = [row for row in what_happened(agm["meeting"])["items"] if row["item"] == item]
    lines = row["result"].splitlines()
    assert "Counted by Single transferable vote (Scottish STV rules 2007); quota 3 votes." in lines
    assert (
        "Stage 1: First preferences. Ada Okafor 4, Ben Marsh 2, Cleo Tran 1; exhausted 0. "
        "Elected: Ada Okafor." in lines
    )
    assert (
        "Stage 2: Surplus of Ada Okafor transferred. Ada Okafor 3, Ben Marsh 3, Cleo Tran 1; "
        "exhausted 0. Elected: Ben Marsh." in lines
    )


def test_the_results_csv_carries_every_stage(agm):
    item = close_with_rankings(agm, ranked_item(agm), SEVEN)
    chair = Client()
    chair.force_login(agm["chair"])

    response = chair.get(agm["meeting"].url + "chair/results/")

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_choice = {row["choice"]: row for row in rows if row["item"] == item.title}
    assert by_choice["counting rule"]["outcome"].startswith("Single transferable vote")
    assert by_choice["quota"]["votes"] == "3"
    assert by_choice["stage 1: Ada Okafor"]["votes"] == "4"
    assert by_choice["stage 2: Ben Marsh"]["votes"] == "3"
    assert "elected" in by_choice["stage 2: Ben Marsh"]["outcome"]
    assert ChairAction.objects.filter(action=ChairAction.Action.EXPORT).exists()


def test_the_member_api_carries_the_rule_and_the_stages(agm):
    item = ranked_item(agm)
    voter = agm["voters"][0]
    api = Client(HTTP_AUTHORIZATION=f"Token {issue_token(voter.account)}")
    ballot_url = f"/api/member/v1/meetings/{agm['meeting'].pk}/ballot/"
    open_items = api.get(ballot_url).json()["open_items"]
    [open_item_data] = [data for data in open_items if data["id"] == item.pk]
    assert open_item_data["kind"] == "ranked"
    assert open_item_data["counting_rule"].startswith("Single transferable vote")
    assert open_item_data["max_choices"] == 3

    # A vote through the API is the ranking in order of preference.
    response = api.post(
        f"{ballot_url}{item.pk}/vote/",
        {"choices": [int(i) for i in ids(item, "Ben Marsh", "Ada Okafor")]},
        content_type="application/json",
    )
    assert response.status_code == 201
    for other, ranking in zip(agm["voters"][1:], SEVEN[1:], strict=True):
        cast_vote(other, item, ids(item, *ranking))
    close_item(item, agm["chair"])

    [closed] = api.get(ballot_url).json()["closed_items"]
    ranked = closed["result"]["ranked"]
    assert ranked["rule"] == SCOTTISH_STV and ranked["quota"] == 3
    assert ranked["candidates"] == CANDIDATES
    assert ranked["stages"][0]["votes"] == ["3", "3", "1"]
    assert ranked["lots"] == []


def test_a_tie_decided_by_lot_is_recorded_and_shown(agm):
    item = ranked_item(agm, seats=1, rule=INSTANT_RUNOFF)
    item = close_with_rankings(agm, item, [["Ada Okafor"], ["Ben Marsh"], ["Cleo Tran"]])

    table = RankedTally.objects.get(item=item).table
    first_lot = table["lots"][0]
    assert sorted(first_lot["among"]) == sorted(CANDIDATES)
    assert first_lot["drawn"] in CANDIDATES
    html = signed_in(agm["voters"][0]).get(agm["meeting"].url).content.decode()
    assert re.search(r"Lot drawn by the site at stage 2 \(exclusion\)", html)
    assert "Instant-runoff" in html


def test_a_ranked_item_closed_with_no_ballots_elects_nobody(agm):
    close_item(ranked_item(agm), agm["chair"])
    html = signed_in(agm["voters"][0]).get(agm["meeting"].url).content.decode()
    assert "Nobody was elected." in html


def test_instant_runoff_is_refused_for_several_seats(agm):
    ranked = {"kind": BallotItem.Kind.RANKED, "counting_rule": INSTANT_RUNOFF}
    item = BallotItem(meeting=agm["meeting"], seats=3, title="Stewards", **ranked)
    with pytest.raises(ValidationError) as refused:
        item.clean()
    assert "counting_rule" in refused.value.message_dict


def test_staff_set_up_a_ranked_election_in_the_admin(agm, admin_client):
    response = admin_client.get(reverse("ballot_items:add"))
    html = response.content.decode()
    assert 'name="counting_rule"' in html
    assert "Ranked election" in html


def test_a_rerun_keeps_the_counting_rule(agm):
    from meetings.ballots.chairing import rerun_item

    item = close_item(ranked_item(agm, seats=1, rule=INSTANT_RUNOFF), agm["chair"])
    rerun = rerun_item(item, agm["chair"])
    assert rerun.is_ranked and rerun.counting_rule == INSTANT_RUNOFF
