"""A Chapter AGM under way, with two members who may attend and one who may not."""

import pytest
from django.test import Client

from tests.meeting_fixtures import chapter_meeting_started
from tests.member_fixtures import give_account, member_of


@pytest.fixture
def agm(home_page):
    meeting, chair, chapter, other_chapter = chapter_meeting_started(home_page, quorum=2)
    ada = member_of(chapter, given_name="Ada", family_name="Lovelace")
    bea = member_of(chapter, given_name="Bea", family_name="Arthur")
    outsider = member_of(other_chapter)
    for member in (ada, bea, outsider):
        give_account(member)
    return {"meeting": meeting, "chair": chair, "ada": ada, "bea": bea, "outsider": outsider}


def client_for(member):
    client = Client()
    client.force_login(member.account)
    return client


def enter(member, meeting):
    client = client_for(member)
    response = client.get(meeting.url)
    assert response.status_code == 200
    return client, response.content.decode()
