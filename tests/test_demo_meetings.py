"""The demo's meetings: demo members see their own meetings and enter them; others cannot."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from meetings.models import MeetingPage
from members.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

MAYA = "maya.okonkwo.000011@members.northwind.example"  # Chapter 041/001
SAM = "sam.whitehorse.000014@members.northwind.example"  # Chapter 063/002


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())
    return MeetingPage.objects.get(slug="riverside-chapter-agm")


def sign_in(client, email):
    response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_demo_has_a_chapter_agm_under_way_a_local_agm_and_an_area_council_meeting(demo):
    meetings = {m.slug: m for m in MeetingPage.objects.live()}

    assert set(meetings) == {
        "riverside-chapter-agm",
        "local-041-agm",
        "capital-region-area-council",
    }
    assert demo.room_is_open()
    assert demo.materials.count() == 2


def test_demo_member_enters_their_chapter_agm_and_downloads_its_materials(client, demo):
    sign_in(client, MAYA)

    dashboard = client.get(reverse("members:dashboard")).content.decode()
    page = client.get(demo.url).content.decode()
    material = demo.materials.first().document

    assert "Enter meeting" in dashboard and demo.title in dashboard
    assert demo.video_meeting_id in page
    download = client.get(material.url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_demo_member_of_another_chapter_is_refused(client, demo):
    sign_in(client, SAM)

    dashboard = client.get(reverse("members:dashboard")).content.decode()
    page = client.get(demo.url).content.decode()

    assert demo.title not in dashboard
    assert demo.video_meeting_id not in page
    assert "only" in page
    assert client.get(demo.materials.first().document.url).status_code == 403


def test_second_load_demo_keeps_the_meetings_as_they_are(demo):
    before = list(MeetingPage.objects.values_list("pk", "starts_at").order_by("pk"))

    call_command("load_demo", stdout=io.StringIO())

    assert list(MeetingPage.objects.values_list("pk", "starts_at").order_by("pk")) == before
