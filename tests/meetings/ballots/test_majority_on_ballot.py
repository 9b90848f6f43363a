"""The ballot says what an item needs before the member votes (two-thirds for a
budget that needs it), in the same words the result uses afterwards."""

import pytest

from meetings.ballots.chairing import open_item
from meetings.ballots.models import BallotItem
from meetings.ballots.results import decide, majority_needed
from meetings.factories import BallotItemFactory
from tests.meeting_fixtures import meeting_under_way

pytestmark = pytest.mark.django_db


@pytest.fixture
def agm(home_page):
    return meeting_under_way(home_page)


def open_on_page(client, agm, **fields):
    item = open_item(BallotItemFactory(meeting=agm["meeting"], **fields), agm["chair"])
    client.force_login(agm["voter"].account)
    html = client.get(agm["meeting"].url).content.decode()
    article = html[html.index(f">{item.title}</h3>") :]
    return article[: article.index("</article>")]


def test_a_two_thirds_budget_says_so_on_the_ballot_before_voting(client, agm):
    ballot = open_on_page(
        client, agm, kind=BallotItem.Kind.BUDGET, majority=BallotItem.Majority.TWO_THIRDS
    )

    needed = "To carry, it needs two-thirds of the votes cast (abstentions do not count)."
    assert needed in ballot
    assert ballot.index(needed) < ballot.index("Cast my vote")


def test_a_simple_majority_motion_says_more_than_half(client, agm):
    ballot = open_on_page(client, agm)

    assert "To carry, it needs more than half of the votes cast" in ballot


def test_a_majority_election_says_what_a_candidate_needs(client, agm):
    ballot = open_on_page(client, agm, kind=BallotItem.Kind.ELECTION, requires_majority=True)

    assert "To be elected, a candidate needs more than half of the votes cast" in ballot


def test_the_ballot_and_the_result_name_the_same_majority():
    item = BallotItem(kind=BallotItem.Kind.BUDGET, majority=BallotItem.Majority.TWO_THIRDS)
    result = decide(
        kind=item.kind,
        majority=item.majority,
        seats=1,
        requires_majority=False,
        choices=[(1, "For", False), (2, "Against", False)],
        counts={1: 6, 2: 4},
        ballots_cast=10,
    )

    assert result.outcome == "Defeated (two-thirds needed)."
    assert "two-thirds of the votes cast" in majority_needed(item)
