"""Local and Chapter chairs see their own unit's contacts, nobody else's; every view is logged."""

import csv
import io
import re

import pytest
from django.urls import reverse

from members.factories import ChapterFactory
from members.models import AccessLogEntry, Standing
from tests.member_fixtures import give_account, member_of, member_with_account, two_chapters

pytestmark = pytest.mark.django_db


@pytest.fixture
def chapter_chair(db):
    chapter_a, chapter_b = two_chapters()
    chair = member_with_account(chapter_a, given_name="Chidi")
    chapter_a.chair = chair
    chapter_a.save()
    own = [member_of(chapter_a) for _ in range(3)]
    shy = member_of(chapter_a, refuses_contact_sharing=True, phone="780-555-0142")
    others = [member_of(chapter_b) for _ in range(2)]
    return {
        "chair": chair,
        "chapter": chapter_a,
        "own": own,
        "shy": shy,
        "others": others,
        "other_chapter": chapter_b,
    }


def without_csrf(response):
    # The sign-out form's token is masked afresh on every response.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def chapter_url(chapter):
    return reverse("members:chair_chapter", args=[chapter.local.number, chapter.number])


def test_chapter_chair_sees_their_members_contacts_and_the_view_is_logged(client, chapter_chair):
    client.force_login(chapter_chair["chair"].account)

    response = client.get(chapter_url(chapter_chair["chapter"]))

    html = response.content.decode()
    assert response.status_code == 200
    for member in chapter_chair["own"]:
        assert member.email in html
    for member in chapter_chair["others"]:
        assert member.email not in html and member.member_id not in html
    entry = AccessLogEntry.objects.get()
    assert entry.actor == chapter_chair["chair"].account
    assert entry.action == AccessLogEntry.Action.VIEW
    expected = {
        m.member_id for m in [*chapter_chair["own"], chapter_chair["shy"], chapter_chair["chair"]]
    }
    assert set(entry.member_ids) == expected


def test_contact_sharing_refusal_hides_email_and_phone_from_the_chair(client, chapter_chair):
    client.force_login(chapter_chair["chair"].account)
    shy = chapter_chair["shy"]

    html = client.get(chapter_url(chapter_chair["chapter"])).content.decode()
    card = client.get(reverse("members:chair_member", args=[shy.member_id])).content.decode()

    assert shy.family_name in html
    assert shy.email not in html and shy.phone not in html
    assert shy.email not in card and shy.phone not in card


def test_chair_is_refused_another_chapters_list_and_members_by_url_tampering(client, chapter_chair):
    client.force_login(chapter_chair["chair"].account)
    outsider = chapter_chair["others"][0]

    other_list = client.get(chapter_url(chapter_chair["other_chapter"]))
    other_member = client.get(reverse("members:chair_member", args=[outsider.member_id]))
    unknown_member = client.get(reverse("members:chair_member", args=["000000"]))

    assert other_list.status_code == other_member.status_code == unknown_member.status_code == 403
    assert outsider.email not in other_list.content.decode() + other_member.content.decode()
    # Unknown and forbidden IDs look the same, so a chair cannot probe for member IDs.
    assert without_csrf(other_member) == without_csrf(unknown_member)
    assert not AccessLogEntry.objects.exists()


def test_chair_views_one_of_their_members_and_it_is_logged(client, chapter_chair):
    client.force_login(chapter_chair["chair"].account)
    member = chapter_chair["own"][0]

    response = client.get(reverse("members:chair_member", args=[member.member_id]))

    assert response.status_code == 200 and member.email in response.content.decode()
    assert AccessLogEntry.objects.get().member_ids == [member.member_id]


def test_chair_csv_export_is_logged_as_an_export_and_honours_refusals(client, chapter_chair):
    client.force_login(chapter_chair["chair"].account)

    response = client.get(chapter_url(chapter_chair["chapter"]), {"format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Type"].startswith("text/csv")
    by_id = {row["member_id"]: row for row in rows}
    assert by_id[chapter_chair["own"][0].member_id]["email"] == chapter_chair["own"][0].email
    assert by_id[chapter_chair["shy"].member_id]["email"] == ""
    assert AccessLogEntry.objects.get().action == AccessLogEntry.Action.EXPORT


def test_chair_csv_export_keeps_cells_that_look_like_formulas_as_text(client, chapter_chair):
    member_of(chapter_chair["chapter"], given_name="=HYPERLINK(1)", family_name="Test")
    client.force_login(chapter_chair["chair"].account)

    response = client.get(chapter_url(chapter_chair["chapter"]), {"format": "csv"})

    names = [
        row["name"] for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    ]
    assert "'=HYPERLINK(1) Test" in names


def test_local_chair_sees_every_chapter_of_the_local_only(client, chapter_chair):
    local = chapter_chair["chapter"].local
    second = ChapterFactory(local=local, number=2, name="South Ward")
    south = member_of(second)
    local_chair = member_of(second, given_name="Lena")
    give_account(local_chair)
    local.chair = local_chair
    local.save()
    client.force_login(local_chair.account)

    html = client.get(reverse("members:chair_local", args=[local.number])).content.decode()
    refused = client.get(
        reverse("members:chair_local", args=[chapter_chair["other_chapter"].local.number])
    )

    assert south.email in html and chapter_chair["own"][0].email in html
    assert chapter_chair["others"][0].email not in html
    assert refused.status_code == 403


def test_member_who_chairs_nothing_is_refused(client, chapter_chair):
    plain = chapter_chair["own"][0]
    give_account(plain)
    client.force_login(plain.account)

    assert client.get(reverse("members:chair_home")).status_code == 403
    assert client.get(chapter_url(chapter_chair["chapter"])).status_code == 403


def test_suspended_chair_loses_access(client, chapter_chair):
    chair = chapter_chair["chair"]
    chair.standing = Standing.SUSPENDED
    chair.save()
    client.force_login(chair.account)

    assert client.get(chapter_url(chapter_chair["chapter"])).status_code == 403


def test_access_log_entries_cannot_be_changed_or_deleted(client, chapter_chair):
    from django.core.exceptions import ValidationError

    client.force_login(chapter_chair["chair"].account)
    client.get(chapter_url(chapter_chair["chapter"]))
    entry = AccessLogEntry.objects.get()

    entry.what = "nothing to see"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert AccessLogEntry.objects.get().what.startswith("Contact list of")
