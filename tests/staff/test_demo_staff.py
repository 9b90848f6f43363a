"""The demo's staff sign-ins: one per role, each in its group, each seeing its part of the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from meetings.models import MeetingPage
from policies.models import PolicyPage
from staff.demo import STAFF_PASSWORD, STAFF_SIGN_INS
from tests.demo_fixtures import load_demo
from tests.staff_fixtures import edit_url, is_refused

pytestmark = pytest.mark.django_db


def sign_in(username):
    client = Client()
    assert client.login(username=username, password=STAFF_PASSWORD)
    return client


def test_the_demo_prints_a_sign_in_per_role_and_puts_each_in_its_group_only():
    output = load_demo()

    assert STAFF_PASSWORD in output
    for username, group_name, _does in STAFF_SIGN_INS:
        user = get_user_model().objects.get(username=username)
        assert [group.name for group in user.groups.all()] == [group_name]
        assert not user.is_superuser
        assert f"{username}" in output and group_name in output

    second = load_demo()
    assert get_user_model().objects.filter(
        username__in=[u for u, *_ in STAFF_SIGN_INS]
    ).count() == len(STAFF_SIGN_INS)
    assert "created" not in second


def test_each_demo_sign_in_sees_its_part_of_the_admin():
    load_demo()
    privacy_statement = PolicyPage.objects.get(slug="privacy-statement")
    meeting = MeetingPage.objects.get(slug="riverside-chapter-agm")
    roster, access_log = "/admin/members/member/", "/admin/members/accesslogentry/"

    communications = sign_in("communications")
    assert communications.get(edit_url(privacy_statement)).status_code == 200
    assert is_refused(communications.get(roster))

    moderator = sign_in("moderator")
    assert not privacy_statement.permissions_for_user(
        get_user_model().objects.get(username="moderator")
    ).can_publish()
    assert is_refused(moderator.get(access_log))

    privacy = sign_in("privacy-officer")
    assert privacy.get(access_log).status_code == 200
    assert is_refused(privacy.get(edit_url(meeting)))

    organiser = sign_in("organiser")
    assert organiser.get(edit_url(meeting)).status_code == 200
    assert is_refused(organiser.get(roster))

    membership = sign_in("membership")
    assert membership.get(roster).status_code == 200
    assert membership.get(f"/admin/meetings/{meeting.pk}/mailing-list/").status_code == 200
    assert is_refused(membership.get(edit_url(meeting)))
