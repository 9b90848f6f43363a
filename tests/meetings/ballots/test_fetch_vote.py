"""A vote sent by the meeting page's script (X-Requested-With: fetch): the answer is only
the item's "your vote is recorded" part with the receipt, or the refusal, and it costs no
more queries than the plain form's vote."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import Choice
from meetings.factories import BallotItemFactory
from tests.meeting_fixtures import (
    chair_account,
    chapter_meeting_begun,
    receipt_shown,
    recorded,
    unlock,
)
from tests.member_fixtures import member_with_account, two_chapters

pytestmark = pytest.mark.django_db

FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def agm(home_page):
    chapter_a, chapter_b = two_chapters()
    chair = chair_account()
    meeting = chapter_meeting_begun(home_page, chapter_a)
    voters = [member_with_account(chapter_a, given_name=name) for name in ("Ada", "Bea", "Cy")]
    outsider = member_with_account(chapter_b)
    item = open_item(BallotItemFactory(meeting=meeting, title="Motion 1: safe staffing"), chair)
    return {
        "meeting": meeting,
        "voters": voters,
        "outsider": outsider,
        "item": item,
        "chair": chair,
    }


def vote_url(agm):
    return reverse("meetings:vote", args=[agm["meeting"].pk, agm["item"].pk])


def for_choice(item):
    return Choice.objects.get(item=item, label="For").pk


def test_the_script_gets_only_the_items_recorded_part_with_the_receipt(client, agm, mailoutbox):
    item, voter = agm["item"], agm["voters"][0]
    client.force_login(voter.account)

    response = client.post(vote_url(agm), {"choice": [for_choice(item)]}, headers=FETCH)

    html = response.content.decode()
    receipt = receipt_shown(html)
    assert response.status_code == 200 and receipt
    assert html.startswith(f'<div class="ballot-item__voted" role="status" data-item="{item.pk}">')
    assert (
        "Your vote is recorded." in html and f'<strong class="receipt">{receipt}</strong>' in html
    )
    # Only the item's part: not the ballot, its other items or the vote form.
    assert "<section" not in html and "Cast my vote" not in html and "<h3" not in html
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}
    # The receipt is kept nowhere else, and no message waits for the next page.
    assert not any(name.startswith("ballot-receipt-") for name in response.cookies)
    assert "messages" not in response.cookies
    # The receipt's email form posts to the meeting page's route, with a CSRF token.
    action = agm["meeting"].url + agm["meeting"].reverse_subpage("email_receipt", args=[item.pk])
    assert f'action="{action}"' in html and 'name="csrfmiddlewaretoken"' in html
    signed = re.search(r'name="receipt" value="([^"]+)"', html).group(1)
    client.post(action, {"receipt": signed})
    assert len(mailoutbox) == 1 and receipt in mailoutbox[0].body


def test_a_fetch_vote_makes_no_more_queries_than_the_plain_forms(
    client, agm, django_assert_max_num_queries
):
    item, (first, second, third) = agm["item"], agm["voters"]
    vote = {"choice": [for_choice(item)]}
    # The item's first vote fills the shared cache (the vote's item and meeting, choices).
    client.force_login(first.account)
    assert client.post(vote_url(agm), vote).status_code == 302
    client.force_login(second.account)
    with CaptureQueriesContext(connection) as plain:
        assert client.post(vote_url(agm), vote).status_code == 302
    client.force_login(third.account)

    with django_assert_max_num_queries(len(plain)):
        response = client.post(vote_url(agm), vote, headers=FETCH)

    assert response.status_code == 200 and 'class="receipt"' in response.content.decode()
    assert recorded(item) == (3, 3, 0)


def test_a_vote_from_a_second_tab_gets_the_recorded_state_not_the_form_again(client, agm):
    item, member = agm["item"], agm["voters"][0]
    cast_vote(member, item, [for_choice(item)])  # in the first tab
    client.force_login(member.account)
    before = recorded(item)

    response = client.post(vote_url(agm), {"choice": [for_choice(item)]}, headers=FETCH)

    html = response.content.decode()
    assert html.startswith(f'<div class="ballot-item__voted" role="status" data-item="{item.pk}">')
    assert "You voted on this item already" in html and "check it here" in html
    assert "Cast my vote" not in html and 'name="choice"' not in html
    assert receipt_shown(html) is None  # shown once, in the first tab
    assert recorded(item) == before


@pytest.mark.parametrize("case", ["closed", "outsider", "unknown", "none"])
def test_refusals_through_the_script_show_their_message_and_change_nothing(client, agm, case):
    item, member = agm["item"], agm["voters"][0]
    choices = [for_choice(item)]
    expected = {
        "closed": "Voting on this item is not open.",
        "unknown": "That choice is not on this ballot.",
        "none": "Choose an option (you can choose “Abstain”).",
    }.get(case)
    if case == "closed":
        unlock(agm["meeting"])
        close_item(item, agm["chair"])
    elif case == "outsider":
        member = agm["outsider"]
        expected = agm["meeting"].eligibility(member).reason
    elif case == "unknown":
        choices = ["999999"]
    elif case == "none":
        choices = []
    client.force_login(member.account)
    before = recorded(item)

    response = client.post(vote_url(agm), {"choice": choices}, headers=FETCH)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<div class="ballot__errors" role="alert" data-item="{item.pk}">')
    assert f"<p>{escape(f'{item.title}: {expected}')}</p>" in html
    assert "receipt" not in html and "<section" not in html
    assert "messages" not in response.cookies  # said once, here, not again on the next page
    assert recorded(item) == before
