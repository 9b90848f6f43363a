"""The minutes: drafted from what happened, annotated and published by the chair as a
members-only Wagtail page (with its history) and a PDF."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader
from wagtail.models import PageViewRestriction

from meetings.ballots.casting import cast_vote
from meetings.minutes.models import MeetingMinutesPage
from tests.meeting_fixtures import unlock
from tests.meetings.attendance.conftest import client_for, enter

pytestmark = pytest.mark.django_db

MOTION = "Motion from the floor: a hardship fund"


@pytest.fixture
def held(agm):
    """The meeting as it happened: Ada and Bea came, a motion from the floor was moved by
    Ada, seconded by Bea, opened with quorum, voted on by both and carried."""
    meeting = agm["meeting"]
    enter(agm["ada"], meeting)
    enter(agm["bea"], meeting)
    chair = Client()
    chair.force_login(agm["chair"])
    chair.post(
        meeting.url + "chair/business/",
        {
            "business": "motion",
            "motion-title": MOTION,
            "motion-text": "That the Chapter sets up a hardship fund.",
            "motion-mover": agm["ada"].pk,
            "motion-seconder": agm["bea"].pk,
        },
    )
    item = meeting.ballot_items.get(title=MOTION)
    chair.post(meeting.url + f"chair/open/{item.pk}/")
    item.refresh_from_db()
    unlock(meeting)
    cast_vote(agm["ada"], item, [item.choices.get(label="For").pk])
    cast_vote(agm["bea"], item, [item.choices.get(label="Against").pk])
    chair.post(meeting.url + f"chair/close/{item.pk}/", {"confirmed": "yes"})
    return {**agm, "chair_client": chair, "item": item}


def minutes_url(held):
    return held["meeting"].url + "chair/minutes/"


def test_the_minutes_are_drafted_from_what_happened_as_a_private_draft(held):
    chair = held["chair_client"]
    assert "Draft the minutes" in chair.get(minutes_url(held)).content.decode()

    chair.post(minutes_url(held), {"action": "draft"})

    minutes = MeetingMinutesPage.objects.get()
    assert not minutes.live and minutes.get_parent().pk == held["meeting"].pk
    assert PageViewRestriction.objects.filter(page=minutes).exists()
    draft = minutes.get_latest_revision_as_object()
    assert "2 members attended (the attendance register)" in draft.attendance
    assert "2 members could attend" in draft.attendance
    assert "The quorum was 2 members" in draft.attendance
    [row] = draft.items.all()
    assert row.title == MOTION and "hardship fund" in row.text
    assert row.moved == "Moved by Ada Lovelace, seconded by Bea Arthur."
    assert "2 present, 2 needed: quorum held" in row.opened
    assert row.result_lines[:2] == ["For: 1 (50.0%)", "Against: 1 (50.0%)"]
    assert "Ballots cast: 2" in row.result_lines
    log = draft.chair_log.splitlines()
    assert any("Added a motion from the floor" in line and "Moved by Ada" in line for line in log)
    assert any(line.split(" ")[0].count(":") == 1 and "Opened" in line for line in log)
    assert any("Closed" in line for line in log)


def test_the_chair_adds_notes_and_publishes_and_the_history_keeps_each_draft(held):
    chair = held["chair_client"]
    chair.post(minutes_url(held), {"action": "draft"})
    note = f"note-{held['item'].pk}"

    chair.post(minutes_url(held), {"action": "draft", note: "Debate was brief."})
    chair.post(
        minutes_url(held),
        {"action": "publish", note: "Debate was brief.", "general_notes": "Adjourned at 9."},
    )

    minutes = MeetingMinutesPage.objects.get()
    assert minutes.live and minutes.revisions.count() == 3
    assert minutes.items.get().note == "Debate was brief."
    assert minutes.general_notes == "Adjourned at 9."
    # Drafting again from what happened keeps the notes.
    chair.post(minutes_url(held), {"action": "draft"})
    assert minutes.get_latest_revision_as_object().items.get().note == "Debate was brief."


def test_members_who_may_attend_read_the_published_minutes_and_nobody_else(held):
    held["chair_client"].post(
        minutes_url(held),
        {"action": "publish", f"note-{held['item'].pk}": "Tied, so the motion fell."},
    )
    minutes = MeetingMinutesPage.objects.get()

    member = client_for(held["ada"])
    page = member.get(minutes.url)
    html = page.content.decode()
    assert page.status_code == 200 and MOTION in html and "Tied, so the motion fell." in html
    assert "Read the minutes of this meeting" in member.get(held["meeting"].url).content.decode()
    outsider = client_for(held["outsider"]).get(minutes.url)
    assert outsider.status_code == 403
    assert "for the members who may attend" in outsider.content.decode()
    assert Client().get(minutes.url).status_code == 302  # to sign in
    api = Client().get("/api/v2/pages/?limit=100").json()
    assert minutes.pk not in [row["id"] for row in api["items"]]


def test_the_minutes_pdf_is_for_readers_only_and_holds_the_record(held):
    held["chair_client"].post(minutes_url(held), {"action": "publish"})
    minutes = MeetingMinutesPage.objects.get()

    response = client_for(held["ada"]).get(minutes.url + "pdf/")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert MOTION in text and "Moved by Ada Lovelace, seconded by Bea Arthur." in text
    assert "Attendance and quorum" in text
    assert client_for(held["outsider"]).get(minutes.url + "pdf/").status_code == 403


def test_only_the_chairs_draft_and_publish_the_minutes(held):
    member = client_for(held["ada"])

    assert member.get(minutes_url(held)).status_code == 403
    assert member.post(minutes_url(held), {"action": "publish"}).status_code == 403
    assert not MeetingMinutesPage.objects.exists()
