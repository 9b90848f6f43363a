"""Close voting, Re-run and "Voting is over" cannot be undone, so they ask first.
Without JavaScript the chair gets a confirmation page: a GET shows the question with a
form that posts `confirmed`; a POST without it shows the same page and changes nothing.
(With JavaScript the chair's page asks in a dialog: tests/browser/test_chair_confirmation.py.)
"""

import pytest
from django.test import Client

from meetings.ballots.casting import cast_vote
from meetings.ballots.chairing import close_item
from meetings.ballots.models import BallotItem, ChairAction
from meetings.ballots.sealing import current_meeting_key
from tests.meeting_fixtures import meeting_under_way

pytestmark = pytest.mark.django_db


@pytest.fixture
def agm(home_page):
    agm = meeting_under_way(home_page)
    agm["client"] = Client()
    agm["client"].force_login(agm["chair"])
    return agm


def act_url(agm, action):
    return f"{agm['meeting'].url}chair/{action}/{agm['item'].pk}/"


def state(agm):
    return BallotItem.objects.get(pk=agm["item"].pk).state


def assert_asks(response, question, yes):
    html = response.content.decode()
    assert response.status_code == 200
    assert question in html
    assert '<input type="hidden" name="confirmed" value="yes">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f"Yes, {yes}</button>" in html
    assert "No, back to the chair's page</a>" in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_close_voting_asks_first_and_changes_nothing_until_confirmed(agm, method):
    response = getattr(agm["client"], method)(act_url(agm, "close"))

    assert_asks(response, "Close voting on “Motion 1: safe staffing”?", "close voting")
    assert state(agm) == BallotItem.State.OPEN
    assert not ChairAction.objects.filter(action=ChairAction.Action.CLOSE).exists()


def test_close_voting_confirmed_closes_the_item(agm):
    response = agm["client"].post(act_url(agm, "close"), {"confirmed": "yes"})

    assert response.status_code == 302
    assert state(agm) == BallotItem.State.CLOSED


def test_rerun_asks_first_and_adds_nothing_until_confirmed(agm):
    close_item(agm["item"], agm["chair"])
    items = BallotItem.objects.count()

    asked = agm["client"].post(act_url(agm, "rerun"))

    assert_asks(asked, "Re-run “Motion 1: safe staffing” as a new item?", "re-run it")
    assert BallotItem.objects.count() == items
    agm["client"].post(act_url(agm, "rerun"), {"confirmed": "yes"})
    assert BallotItem.objects.count() == items + 1


def test_opening_an_item_needs_no_confirmation(agm):
    later = BallotItem.objects.create(meeting=agm["meeting"], title="Motion 2", position=9)

    agm["client"].post(f"{agm['meeting'].url}chair/open/{later.pk}/")

    later.refresh_from_db()
    assert later.state == BallotItem.State.OPEN


@pytest.mark.parametrize("method", ["get", "post"])
def test_ending_the_voting_asks_first_and_keeps_the_key_until_confirmed(agm, method):
    cast_vote(agm["voter"], agm["item"], [agm["item"].choices.get(label="For").pk])
    close_item(agm["item"], agm["chair"])
    url = f"{agm['meeting'].url}chair/end-voting/"

    asked = getattr(agm["client"], method)(url)

    assert_asks(asked, "Voting is over: destroy the ballot key?", "destroy the ballot key")
    assert current_meeting_key(agm["meeting"]) is not None
    agm["client"].post(url, {"confirmed": "yes"})
    assert current_meeting_key(agm["meeting"]) is None


def test_only_the_chairs_are_asked(agm):
    agm["client"].force_login(agm["voter"].account)

    assert agm["client"].get(act_url(agm, "close")).status_code == 403
    assert agm["client"].get(f"{agm['meeting'].url}chair/end-voting/").status_code == 403


def test_the_chairs_page_holds_each_question_in_a_dialog_of_its_form(agm):
    html = agm["client"].get(f"{agm['meeting'].url}chair/").content.decode()

    form = html[html.index(f'action="{act_url(agm, "close")}"') :]
    form = form[: form.index("</form>")]
    assert "data-confirm" in form and '<dialog class="chair-confirm"' in form
    assert "Close voting on “Motion 1: safe staffing”?" in form
    assert 'name="confirmed" value="yes"' in form
