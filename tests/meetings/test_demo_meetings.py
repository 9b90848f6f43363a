"""The demo's meetings: demo members see their own meetings and enter them; others cannot."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from meetings.models import MeetingPage
from members.demo import DEMO_PASSWORD
from members.models import Standing

pytestmark = pytest.mark.django_db

MAYA = "maya.okonkwo.000011@members.northwind.example"  # Chapter 041/001
SAM = "sam.whitehorse.000014@members.northwind.example"  # Chapter 063/002
RUTH = "ruth.lachance.000015@members.northwind.example"  # 041/001, holds Daniel's proxy


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


DANIEL = "daniel.tremblay.000012@members.northwind.example"  # chairs the Riverside AGM


def test_demo_meetings_have_quorums_their_audiences_can_reach(demo):
    for meeting in MeetingPage.objects.live():
        in_good_standing = meeting.audience_members().filter(standing=Standing.ACTIVE).count()
        # A real quorum: more than nobody, and well within the members who could come.
        assert 3 <= meeting.quorum <= in_good_standing // 4, (meeting.slug, in_good_standing)


def test_the_chair_of_the_demo_chapter_agm_sees_its_quorum(client, demo):
    sign_in(client, DANIEL)

    html = client.get(demo.url + "chair/").content.decode()

    assert "needed for quorum: <strong>no quorum yet</strong>" in html
    assert f" of {demo.quorum} needed for quorum" in html


def test_a_demo_loaded_before_meetings_had_quorums_gets_them(demo):
    quorums = dict(MeetingPage.objects.values_list("slug", "quorum"))
    MeetingPage.objects.update(quorum=0)

    output = io.StringIO()
    call_command("load_demo", "-v", "2", stdout=output)

    assert dict(MeetingPage.objects.values_list("slug", "quorum")) == quorums
    for meeting in MeetingPage.objects.all():
        # Published, so the live page and its next edit keep the quorum.
        assert meeting.live_revision.as_object().quorum == quorums[meeting.slug]
    assert "quorum 5" in output.getvalue()


def test_the_demo_chair_is_among_those_the_admin_offers_as_chairs(demo):
    from members.chairs import meeting_chair_candidates

    chairs = set(demo.chairs.all())
    assert chairs and chairs <= set(meeting_chair_candidates())


def test_the_demo_chapter_agm_has_a_ranked_election_for_three_seats(client, demo):
    from meetings.ballots.chairing import open_item
    from meetings.ballots.models import BallotItem

    [ranked] = BallotItem.objects.filter(meeting=demo, kind=BallotItem.Kind.RANKED)
    assert ranked.seats == 3 and ranked.candidates.count() == 5
    open_item(ranked, demo.chairs.first(), without_quorum="Checking the ballot before the meeting")
    sign_in(client, MAYA)
    html = client.get(demo.url).content.decode()
    assert "5th choice" in html and "Scottish STV rules 2007" in html
    call_command("load_demo", stdout=io.StringIO())  # loading again adds no second one
    assert BallotItem.objects.filter(meeting=demo, kind=BallotItem.Kind.RANKED).count() == 1


def test_the_demo_chapter_agm_has_an_approved_proxy_its_holder_votes_with(client, demo):
    from meetings.ballots.chairing import open_item
    from meetings.ballots.models import BallotItem
    from meetings.proxies.models import Proxy

    [proxy] = Proxy.objects.filter(meeting=demo)
    assert (proxy.giver.member_id, proxy.holder.member_id, proxy.status) == (
        "000012",
        "000015",
        "approved",
    )
    motion = BallotItem.objects.get(meeting=demo, position=1)
    open_item(motion, demo.chairs.first(), without_quorum="Checking the ballot before the meeting")
    sign_in(client, RUTH)
    html = client.get(demo.url).content.decode()
    assert "Voting as proxy for Daniel Tremblay" in html
    out = io.StringIO()
    call_command("load_demo", stdout=out)  # loading again adds no second one, and says so
    assert Proxy.objects.filter(meeting=demo).count() == 1
    assert "Ruth Lachance holds the proxy of Daniel Tremblay" in out.getvalue()
    # Other members see one ballot only.
    from django.test import Client

    maya = Client()
    sign_in(maya, MAYA)
    assert "Voting as proxy" not in maya.get(demo.url).content.decode()
