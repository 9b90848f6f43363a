"""Importing a delegate meeting's delegate list: the file replaces the meeting's weights,
all of it or (any bad row) none of it, never while an item is open; meeting organisers do
it in the admin, and each delegate then sees their weight."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.delegate_list import MAX_FILE_SIZE, import_delegate_list
from meetings.ballots.models import MAX_WEIGHT, DelegateWeight
from meetings.factories import BallotItemFactory
from tests.meeting_fixtures import chapter_meeting_started
from tests.member_fixtures import member_of, member_with_account
from tests.staff_fixtures import signed_in, staff_client, staff_member

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/delegate-weights/import/"


@pytest.fixture
def convention(home_page):
    """A delegate meeting, not yet voting, with three delegates and a member of another
    Chapter."""
    meeting, chair, chapter, other_chapter = chapter_meeting_started(home_page)
    delegates = [member_with_account(chapter) for _ in range(3)]
    return {
        "meeting": meeting,
        "chair": chair,
        "delegates": delegates,
        "outsider": member_of(other_chapter),
    }


def csv_file(*rows, header="member_id,weight"):
    return ("\n".join([header, *rows]) + "\n").encode()


def weights(meeting):
    return dict(
        DelegateWeight.objects.filter(meeting=meeting).values_list("member__member_id", "weight")
    )


def test_the_list_replaces_the_meetings_weights(convention):
    meeting = convention["meeting"]
    a, b, c = (member.member_id for member in convention["delegates"])
    DelegateWeight.objects.create(meeting=meeting, member=convention["delegates"][0], weight=5)
    DelegateWeight.objects.create(meeting=meeting, member=convention["delegates"][2], weight=9)

    report = import_delegate_list(meeting, csv_file(f"{a},5", f"{b}, 40 "))

    assert report.applied
    assert weights(meeting) == {a: 5, b: 40}  # c is no longer a delegate: one vote
    assert (report.added, report.changed, report.unchanged, report.removed) == (1, 0, 1, 1)
    assert "1 added" in report.summary() and "1 no longer in the list" in report.summary()


@pytest.mark.parametrize(
    "row, problem",
    [
        ("{a},0", "the weight 0 is not between 1 and"),
        (f"{{a}},{MAX_WEIGHT + 1}", "is not between 1 and"),
        ("{a},two", 'the weight "two" is not a whole number'),
        ("{a},2.5", "not a whole number"),
        ("{a},-3", "not a whole number"),
        ("12345,2", '"12345" is not a member ID'),
        ("999999,2", "no member has this ID"),
        ("{outsider},2", "not a member of"),
        ("{a},2,extra", "the row has 3 cells"),
        ("{b},4", "is already on line 2"),
    ],
)
def test_a_bad_row_changes_nothing_and_is_reported_by_line(convention, row, problem):
    meeting = convention["meeting"]
    first, second, _ = convention["delegates"]
    DelegateWeight.objects.create(meeting=meeting, member=second, weight=7)
    ids = {"a": first.member_id, "b": second.member_id, "outsider": convention["outsider"]}
    ids["outsider"] = ids["outsider"].member_id

    report = import_delegate_list(
        meeting, csv_file(f"{ids['b']},3", f"{ids['a']},6", row.format(**ids))
    )

    assert not report.applied
    assert [error.line for error in report.row_errors] == [4]
    assert problem in "; ".join(report.row_errors[0].reasons)
    assert weights(meeting) == {second.member_id: 7}


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"", "The file is empty."),
        (csv_file(header="member_id,votes"), "must name the columns member_id and weight"),
        (csv_file(), "has a header but no delegates"),
        ("member_id,weight\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_a_bad_file_changes_nothing(convention, data, problem):
    meeting = convention["meeting"]
    DelegateWeight.objects.create(meeting=meeting, member=convention["delegates"][0], weight=2)
    report = import_delegate_list(meeting, data)
    assert not report.applied
    assert problem in " ".join(report.file_errors)
    assert weights(meeting) == {convention["delegates"][0].member_id: 2}


def test_the_list_cannot_change_while_an_item_is_open(convention):
    """An open item's ballots are counted with the weights they were cast under."""
    meeting = convention["meeting"]
    first = convention["delegates"][0]
    item = open_item(BallotItemFactory(meeting=meeting, title="Dues increase"), convention["chair"])

    report = import_delegate_list(meeting, csv_file(f"{first.member_id},3"))
    assert not report.applied
    assert "Voting is open on “Dues increase”" in " ".join(report.file_errors)
    assert weights(meeting) == {}

    close_item(item, convention["chair"])
    assert import_delegate_list(meeting, csv_file(f"{first.member_id},3")).applied
    assert weights(meeting) == {first.member_id: 3}


def test_organisers_import_in_the_admin_and_delegates_see_their_weight(
    convention, django_capture_on_commit_callbacks
):
    meeting = convention["meeting"]
    delegate = convention["delegates"][0]
    member = Client()
    member.force_login(delegate.account)
    assert "carrying" not in member.get(meeting.url).content.decode()  # cached: one vote

    organiser = staff_client("organiser")
    index = organiser.get("/admin/delegate-weights/").content.decode()
    assert IMPORT_URL in index  # the header button
    upload = SimpleUploadedFile("delegates.csv", csv_file(f"{delegate.member_id},12"))
    with django_capture_on_commit_callbacks(execute=True):
        response = organiser.post(IMPORT_URL, {"meeting": meeting.pk, "file": upload})

    assert response.status_code == 200
    assert "The delegate list for" in response.content.decode()
    assert weights(meeting) == {delegate.member_id: 12}
    assert "carrying <strong>12 votes</strong>" in member.get(meeting.url).content.decode()


def test_the_admin_shows_every_bad_row_and_changes_nothing(convention):
    meeting = convention["meeting"]
    a = convention["delegates"][0].member_id
    upload = SimpleUploadedFile("delegates.csv", csv_file(f"{a},3", "000000,2", f"{a},x"))
    html = staff_client("organiser").post(IMPORT_URL, {"meeting": meeting.pk, "file": upload})
    html = html.content.decode()
    assert "Nothing was imported: 2 of 3 rows have problems." in html
    assert "no member has this ID" in html and "is already on line 2" in html
    assert weights(meeting) == {}


def test_an_oversized_file_is_refused_before_it_is_read(convention):
    upload = SimpleUploadedFile("delegates.csv", b"x" * (MAX_FILE_SIZE + 1))
    response = staff_client("organiser").post(
        IMPORT_URL, {"meeting": convention["meeting"].pk, "file": upload}
    )
    assert "a delegate list is at most" in response.content.decode()
    assert weights(convention["meeting"]) == {}


def test_staff_without_the_permission_get_a_page_saying_which(convention):
    a = convention["delegates"][0].member_id
    membership = signed_in(staff_member("membership"))
    assert membership.get(IMPORT_URL).status_code == 403
    upload = SimpleUploadedFile("delegates.csv", csv_file(f"{a},3"))
    response = membership.post(IMPORT_URL, {"meeting": convention["meeting"].pk, "file": upload})
    assert response.status_code == 403
    assert "Can add delegate weight" in response.content.decode()
    assert weights(convention["meeting"]) == {}


def test_the_admins_one_at_a_time_edit_keeps_the_same_rule(convention):
    meeting = convention["meeting"]
    delegate = convention["delegates"][0]
    open_item(BallotItemFactory(meeting=meeting, title="Dues increase"), convention["chair"])
    organiser = staff_client("organiser")
    response = organiser.post(
        reverse("delegate_weights:add"),
        {"meeting": meeting.pk, "member": delegate.pk, "weight": "4"},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "only when no item is open" in response.content.decode()
    assert weights(meeting) == {}
