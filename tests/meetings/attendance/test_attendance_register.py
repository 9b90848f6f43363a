"""The attendance register: members check in by entering the open meeting room, sign out
and return; the chair sees who is present; membership staff export it, logged."""

import csv
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from meetings.attendance.models import AttendanceRecord
from meetings.factories import BallotItemFactory
from members.models import AccessLogEntry
from tests.meetings.attendance.conftest import client_for, enter
from tests.staff_fixtures import staff_client

pytestmark = pytest.mark.django_db


def stays(meeting, member):
    return list(
        AttendanceRecord.objects.filter(meeting=meeting, member=member).values_list(
            "arrived_at", "left_at"
        )
    )


def test_entering_the_open_room_checks_a_member_in_once_in_whole_minutes(agm):
    meeting = agm["meeting"]
    _, html = enter(agm["ada"], meeting)
    enter(agm["ada"], meeting)

    [(arrived, left)] = stays(meeting, agm["ada"])
    assert left is None
    assert arrived.second == 0 and arrived.microsecond == 0
    assert timezone.now() - arrived < timezone.timedelta(minutes=2)
    assert "You are in the attendance register" in html
    assert "Sign out of the meeting" in html


def shown_time(html):
    """The register's time on the page: (its datetime attribute, its text)."""
    found = re.search(
        r"(?:in the attendance register|signed out of the meeting at).*?"
        r'<time datetime="([^"]+)">([^<]+)</time>',
        html,
        re.S,
    )
    return found.groups()


def as_shown(moment, zone):
    """`moment` as the page should show it in `zone`: (datetime attribute, text)."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.isoformat(), date_format(local, "g:i a")


def test_the_page_shows_the_stay_in_the_meetings_time_zone_and_follows_a_change_of_zone(agm):
    meeting = agm["meeting"]
    meeting.time_zone = "America/Toronto"  # two hours ahead of the site's zone
    meeting.save()
    client, html = enter(agm["ada"], meeting)
    [(arrived, _)] = stays(meeting, agm["ada"])
    assert shown_time(html) == as_shown(arrived, "America/Toronto")
    assert shown_time(html)[1] != as_shown(arrived, "America/Edmonton")[1]

    # The time zone is changed while the member's stay is kept: the next page shows it
    # in the new zone, and so does the page after the member signs out.
    meeting.time_zone = "America/Vancouver"
    meeting.save()
    html = client.get(meeting.url).content.decode()
    assert shown_time(html) == as_shown(arrived, "America/Vancouver")

    client.post(meeting.url + "attendance/sign-out/")
    html = client.get(meeting.url).content.decode()
    [(_, left)] = stays(meeting, agm["ada"])
    assert "You signed out of the meeting at" in html
    assert shown_time(html) == as_shown(left, "America/Vancouver")


def test_nobody_is_checked_in_before_the_room_opens_or_when_they_may_not_attend(agm):
    meeting = agm["meeting"]
    enter(agm["outsider"], meeting)
    assert not AttendanceRecord.objects.exists()

    meeting.starts_at = timezone.now() + timezone.timedelta(days=2)
    meeting.ends_at = meeting.starts_at + timezone.timedelta(hours=2)
    meeting.save()
    _, html = enter(agm["ada"], meeting)
    assert not AttendanceRecord.objects.exists()
    assert "Sign out of the meeting" not in html


def test_a_member_signs_out_and_is_not_checked_in_again_until_they_return(agm):
    meeting = agm["meeting"]
    client, _ = enter(agm["ada"], meeting)

    response = client.post(meeting.url + "attendance/sign-out/")

    assert response.status_code == 302 and response["Location"].endswith("#attendance")
    [(arrived, left)] = stays(meeting, agm["ada"])
    assert left is not None and left.second == 0 and left >= arrived
    html = client.get(meeting.url).content.decode()
    assert "You signed out of the meeting at" in html and "Return to the meeting" in html
    assert len(stays(meeting, agm["ada"])) == 1  # reloading the page is not returning

    client.post(meeting.url + "attendance/return/")

    second = stays(meeting, agm["ada"])
    assert len(second) == 2 and second[-1][1] is None
    assert "You are in the attendance register" in client.get(meeting.url).content.decode()


def test_another_member_cannot_sign_someone_else_out(agm):
    meeting = agm["meeting"]
    enter(agm["ada"], meeting)
    bea, _ = enter(agm["bea"], meeting)

    # The form carries no member: whatever is posted, only Bea's own stay ends.
    bea.post(meeting.url + "attendance/sign-out/", {"member": agm["ada"].pk})

    assert stays(meeting, agm["ada"])[0][1] is None
    assert stays(meeting, agm["bea"])[0][1] is not None
    outsider = client_for(agm["outsider"])
    assert outsider.post(meeting.url + "attendance/sign-out/").status_code == 403
    assert Client().post(meeting.url + "attendance/sign-out/").status_code == 403
    assert stays(meeting, agm["ada"])[0][1] is None


def test_signing_out_is_a_post_form_with_csrf(agm):
    meeting = agm["meeting"]
    enter(agm["ada"], meeting)
    careful = Client(enforce_csrf_checks=True)
    careful.force_login(agm["ada"].account)

    assert careful.get(meeting.url + "attendance/sign-out/").status_code == 302
    assert careful.post(meeting.url + "attendance/sign-out/").status_code == 403

    assert stays(meeting, agm["ada"])[0][1] is None
    html = careful.get(meeting.url).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html.split("Sign out of the meeting")[0][-600:]


def test_the_chair_sees_who_is_present_from_the_register(agm):
    meeting = agm["meeting"]
    ada, _ = enter(agm["ada"], meeting)
    enter(agm["bea"], meeting)
    chair = Client()
    chair.force_login(agm["chair"])

    html = chair.get(meeting.url + "chair/").content.decode()
    assert "<dt>Members present</dt><dd>2 of 2 needed for quorum" in html
    assert "in the attendance register and not signed out" in html

    ada.post(meeting.url + "attendance/sign-out/")

    html = chair.get(meeting.url + "chair/").content.decode()
    assert "<dt>Members present</dt><dd>1 of 2 needed for quorum" in html


def test_the_register_records_nothing_about_ballots(agm):
    from meetings.ballots.casting import cast_vote
    from meetings.ballots.chairing import open_item

    meeting = agm["meeting"]
    enter(agm["ada"], meeting)
    enter(agm["bea"], meeting)
    before = stays(meeting, agm["ada"])
    item = open_item(BallotItemFactory(meeting=meeting), agm["chair"])
    cast_vote(agm["ada"], item, [item.choices.get(label="For").pk])

    assert stays(meeting, agm["ada"]) == before
    fields = {field.name for field in AttendanceRecord._meta.get_fields()}
    assert fields == {"id", "meeting", "member", "arrived_at", "left_at", "by_proxy"}


def register_url(meeting):
    return reverse("meetings_attendance_register", args=[meeting.pk])


def test_membership_staff_export_the_register_and_the_export_is_logged(agm):
    meeting = agm["meeting"]
    ada, _ = enter(agm["ada"], meeting)
    enter(agm["bea"], meeting)
    ada.post(meeting.url + "attendance/sign-out/")

    response = staff_client("membership").get(register_url(meeting))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Member ID", "Given name", "Family name", "Arrived", "Left", "By proxy"]
    by_name = {row[2]: row for row in rows[1:]}
    assert set(by_name) == {"Lovelace", "Arthur"}
    assert by_name["Lovelace"][4] != "" and by_name["Arthur"][4] == ""
    assert by_name["Arthur"][5] == "no"
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.EXPORT
    assert entry.member_ids == sorted([agm["ada"].member_id, agm["bea"].member_id])
    assert "Attendance register" in entry.what


def test_the_register_export_is_refused_to_members_and_other_staff(agm):
    meeting = agm["meeting"]
    enter(agm["ada"], meeting)

    as_member = client_for(agm["ada"]).get(register_url(meeting))
    as_editor = staff_client("editor").get(register_url(meeting))

    assert as_member.status_code == 302 and "/admin/login/" in as_member["Location"]
    assert as_editor.status_code == 403
    assert "attendance register" in as_editor.content.decode()
    assert not AccessLogEntry.objects.exists()
