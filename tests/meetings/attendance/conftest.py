"""A Chapter AGM under way, with two members who may attend and one who may not."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import AudienceKind
from tests.member_fixtures import give_account, member_of, two_chapters


@pytest.fixture
def agm(home_page):
    chapter, other_chapter = two_chapters()
    chair = get_user_model().objects.create_user("chair", "chair@northwind.example", "x" * 16)
    meeting = MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter,
        starts_at=timezone.now() - timezone.timedelta(minutes=5),
        quorum=2,
    )
    meeting.chairs.add(chair)
    meeting.save()
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
