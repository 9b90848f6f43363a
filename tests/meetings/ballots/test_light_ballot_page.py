"""The light voting page: the open item and its form in one small request, for members
on a slow connection; the vote's answer (the receipt) comes back to it."""

import gzip
import re

import pytest
from django.urls import reverse

from tests.meeting_fixtures import meeting_under_way, receipt_shown

pytestmark = pytest.mark.django_db

LIGHT_LIMIT = 15_000  # bytes compressed: the budget for 2G


@pytest.fixture
def agm(home_page):
    return meeting_under_way(home_page)


def light_url(agm):
    return agm["meeting"].url + "vote/"


def test_the_light_page_is_one_small_request_with_the_open_item_and_its_form(client, agm):
    client.force_login(agm["voter"].account)

    response = client.get(light_url(agm))

    html = response.content.decode()
    assert response.status_code == 200
    assert agm["item"].title in html and "Cast my vote" in html
    assert 'name="csrfmiddlewaretoken"' in html
    # Nothing else to fetch: no stylesheet, script, image or icon file.
    assert not re.search(r"<script\b|<link\b[^>]*stylesheet|<img\b", html)
    assert '<link rel="icon" href="data:,">' in html
    assert len(gzip.compress(response.content, 9)) < LIGHT_LIMIT


def test_a_vote_from_the_light_page_answers_there_with_the_receipt_once(client, agm):
    client.force_login(agm["voter"].account)
    item = agm["item"]
    choice = item.choices.get(label="For").pk

    response = client.post(
        reverse("meetings:vote", args=[agm["meeting"].pk, item.pk]),
        {"choice": [choice], "light": "1"},
    )

    assert response.status_code == 302 and response["Location"] == light_url(agm)
    answer = client.get(light_url(agm)).content.decode()
    assert "Your vote is recorded" in answer and receipt_shown(answer)
    again = client.get(light_url(agm)).content.decode()
    assert "Your vote is recorded" in again and not receipt_shown(again)
    assert "Cast my vote" not in again


def test_the_light_page_says_why_someone_cannot_vote(client, agm):
    client.force_login(agm["outsider"].account)

    html = client.get(light_url(agm)).content.decode()

    assert "This meeting is for members of" in html and "Cast my vote" not in html
