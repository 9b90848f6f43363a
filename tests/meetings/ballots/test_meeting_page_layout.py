"""The member's meeting page puts what the member must do now first (without
JavaScript too): with an item open, a "Voting is open" link under the title and the
ballot above the joining details, the open item before closed ones, and the closed
results folded away; with nothing open, the latest result unfolded."""

import re

import pytest
from django.urls import reverse

from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import close_item, open_item
from meetings.factories import BallotItemFactory
from tests.meeting_fixtures import meeting_under_way

pytestmark = pytest.mark.django_db

VOTING_NOW = "Voting is open: go to the ballot"


@pytest.fixture
def agm(home_page):
    agm = meeting_under_way(home_page)
    first = agm["item"]
    cast_vote(agm["voter"], first, [first.choices.get(label="For").pk])
    close_item(first, agm["chair"])
    agm["closed"] = first
    agm["second"] = BallotItemFactory(meeting=agm["meeting"], title="Motion 2: paid parking")
    return agm


def member_page(client, agm):
    client.force_login(agm["voter"].account)
    return client.get(agm["meeting"].url).content.decode()


def voting_now_link(html):
    """The "Voting is open" paragraph under the title, or None."""
    found = re.search(r'<p id="voting-now"[^>]*>.*?</p>', html, re.S)
    return found.group(0) if found else None


def details_of(html, title):
    """The opening tag of the folding result of the closed item with that title."""
    article = html[html.index(f">{title}</h3>") :]
    return re.search(r'<details class="ballot-item__result"[^>]*>', article).group(0)


def test_with_an_item_open_the_link_and_the_ballot_come_before_the_joining_details(client, agm):
    open_item(agm["second"], agm["chair"])

    html = member_page(client, agm)

    link = voting_now_link(html)
    assert link and "hidden" not in link and VOTING_NOW in link
    assert html.index(VOTING_NOW) < html.index("<dt>When</dt>")
    assert html.index('id="ballot"') < html.index('id="room-heading"')
    # The open item first, then the earlier results, folded.
    assert html.index(">Motion 2: paid parking</h3>") < html.index(">Earlier results</h3>")
    assert html.index(">Earlier results</h3>") < html.index(f">{agm['closed'].title}</h3>")
    assert " open" not in details_of(html, agm["closed"].title)
    assert "Result: Carried." in html


def test_with_nothing_open_the_link_is_hidden_and_the_latest_result_unfolded(client, agm):
    html = member_page(client, agm)

    assert 'hidden><a class="button" href="#ballot">' in voting_now_link(html)
    assert html.index('id="room-heading"') < html.index('id="ballot"')
    assert details_of(html, agm["closed"].title).endswith(" open>")


def test_the_link_is_not_offered_to_a_member_who_may_not_attend(client, agm):
    open_item(agm["second"], agm["chair"])
    client.force_login(agm["outsider"].account)

    html = client.get(agm["meeting"].url).content.decode()

    assert VOTING_NOW not in html


def test_the_scripts_ballot_fragment_keeps_open_items_first(client, agm):
    open_item(agm["second"], agm["chair"])
    client.force_login(agm["voter"].account)

    fragment = client.get(agm["meeting"].url + "ballot/").content.decode()

    assert fragment.index(">Motion 2: paid parking</h3>") < fragment.index(
        f">{agm['closed'].title}</h3>"
    )


def test_after_voting_another_tab_shows_the_recorded_state_not_the_ballot(client, agm):
    item = open_item(agm["second"], agm["chair"])
    cast_vote(agm["voter"], item, [item.choices.get(label="For").pk])  # in the first tab

    html = member_page(client, agm)  # the second tab, or a refresh

    assert "You voted on this item." in html and "check it here" in html
    assert "Cast my vote" not in html and 'name="choice"' not in html


def test_a_vote_sent_again_from_a_stale_tab_without_javascript_shows_the_recorded_state(
    client, agm
):
    item = open_item(agm["second"], agm["chair"])
    cast_vote(agm["voter"], item, [item.choices.get(label="For").pk])
    client.force_login(agm["voter"].account)

    response = client.post(
        reverse("meetings:vote", args=[agm["meeting"].pk, item.pk]),
        {"choice": [item.choices.get(label="Against").pk]},
        follow=True,
    )

    html = response.content.decode()
    assert "You have already voted on this item." in html
    assert "You voted on this item." in html and "Cast my vote" not in html
