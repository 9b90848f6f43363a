"""The meeting page in the Wagtail admin: its chairs and scrutineers are chosen from
searchable choosers that name people as the union knows them (name, member ID, Chapter)
and offer only those who may take the role; the page refuses anyone else, whatever the
browser sends; the meeting's ballot items are one click away, filtered to it, and "Add"
starts an item of that meeting.

Through real admin requests, signed in as a superuser unless said otherwise."""

import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from meetings.factories import BallotItemFactory, MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import AudienceKind, MeetingChair, MeetingPage
from members.models import Standing
from tests.member_fixtures import give_account, member_of, two_chapters
from tests.staff_fixtures import edit_url, meeting_form, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(home_page):
    chapter, other = two_chapters()  # Chapter 012/001 North Ward; 034/001 Lakeside School
    meeting = MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter,
        starts_at=timezone.now() + timezone.timedelta(days=3),
        scrutineers=[],
    )
    people = {
        "chair": member_of(chapter, given_name="Daniel", family_name="Tremblay"),
        "secretary": member_of(chapter, given_name="Maya", family_name="Okonkwo"),
        "other_chapter": member_of(other, given_name="Sam", family_name="Whitehorse"),
        "lapsed": member_of(chapter, given_name="Lee", family_name="Lapsed"),
        "unconfirmed": member_of(chapter, given_name="Una", family_name="Unconfirmed"),
        "waiting": member_of(chapter, given_name="Wai", family_name="Waiting"),
    }
    for key, member in people.items():
        give_account(member, verified=key != "unconfirmed")
    people["lapsed"].standing = Standing.LAPSED
    people["lapsed"].save()
    people["waiting"].account_needs_approval = True
    people["waiting"].save()
    teller = get_user_model().objects.create_user(
        "teller", "teller@northwind.example", "x" * 16, first_name="Tess", last_name="Teller"
    )
    teller.groups.add(Group.objects.get(name="Scrutineers"))
    return {"page": meeting, "teller": teller, **people}


def edit_page(client, page):
    response = client.get(edit_url(page))
    assert response.status_code == 200
    return response.content.decode()


def chooser_rows(client, chooser, search=None):
    """The people a chooser lists (searched for ``search``): each row's cells' text."""
    params = {"q": search} if search is not None else {}
    response = client.get(reverse(f"{chooser}:choose_results"), params)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
        for row in soup.select("tbody tr")
    ]


def names(rows):
    return [row[0] for row in rows]


# What the choosers offer -------------------------------------------------------------


def test_the_chair_chooser_lists_people_who_may_chair_by_name_member_id_and_chapter(
    admin_client, meeting
):
    rows = chooser_rows(admin_client, "meeting_chair_chooser")

    daniel = meeting["chair"]
    assert ["Tremblay, Daniel", daniel.member_id, str(daniel.chapter)] in rows
    # Members in good standing with a confirmed account, by family name; nobody else
    # (not the lapsed, the unconfirmed, the one waiting for approval, nor staff sign-ins).
    assert names(rows) == ["Okonkwo, Maya", "Tremblay, Daniel", "Whitehorse, Sam"]


def test_the_chooser_opens_with_a_labelled_search_box(admin_client, meeting):
    response = admin_client.get(reverse("meeting_chair_chooser:choose"), {"multiple": "true"})

    modal = BeautifulSoup(json.loads(response.content)["html"], "html.parser")
    search = modal.find("input", attrs={"name": "q"})
    label = modal.find("label", attrs={"for": search["id"]})
    assert label.get_text(strip=True) == "Search by name, member ID or Chapter"
    assert len(modal.select("input[type=checkbox][name=id]")) == 3  # several can be chosen


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("tremblay", ["Tremblay, Daniel"]),  # a family name, any case
        ("Maya", ["Okonkwo, Maya"]),  # a given name
        ("Daniel Tremblay", ["Tremblay, Daniel"]),  # every word must match
        ("Lakeside", ["Whitehorse, Sam"]),  # a Chapter's name
        ("012/001", ["Okonkwo, Maya", "Tremblay, Daniel"]),  # a Chapter as the union writes it
        ("Chapter 34/1", ["Whitehorse, Sam"]),
        ("Lapsed", []),  # someone who may not chair is not found either
    ],
)
def test_the_chair_chooser_finds_people_by_name_and_chapter(admin_client, meeting, search, found):
    assert names(chooser_rows(admin_client, "meeting_chair_chooser", search)) == found


def test_the_chair_chooser_finds_a_member_by_member_id(admin_client, meeting):
    sam = meeting["other_chapter"]

    assert names(chooser_rows(admin_client, "meeting_chair_chooser", sam.member_id)) == [
        "Whitehorse, Sam"
    ]
    assert names(
        chooser_rows(admin_client, "meeting_chair_chooser", f"member {sam.member_id}")
    ) == ["Whitehorse, Sam"]


def test_the_scrutineer_chooser_lists_the_scrutineers_group_only(admin_client, meeting):
    rows = chooser_rows(admin_client, "meeting_scrutineer_chooser")

    assert rows == [["Tess Teller", "(staff sign-in)", ""]]
    assert chooser_rows(admin_client, "meeting_scrutineer_chooser", "Tremblay") == []


def test_choosing_names_the_person_as_the_chooser_lists_them(admin_client, meeting):
    daniel, teller = meeting["chair"], meeting["teller"]

    response = admin_client.get(
        reverse("meeting_chair_chooser:chosen_multiple"),
        {"id": [daniel.account.pk, teller.pk], "multiple": "true"},
    )

    # Only people the chooser offers can be chosen through it: not the teller.
    chosen = json.loads(response.content)["result"]
    assert [person["title"] for person in chosen] == [
        f"Tremblay, Daniel (member {daniel.member_id}), {daniel.chapter}"
    ]
    assert chosen[0]["edit_url"] is None  # people are edited in the roster
    refused = admin_client.get(reverse("meeting_chair_chooser:chosen", args=[teller.pk]))
    assert refused.status_code == 404


def test_only_staff_who_edit_meetings_may_list_people(client, meeting):
    organiser = staff_client("organiser")
    assert chooser_rows(organiser, "meeting_chair_chooser", "Tremblay")

    for refused in (staff_client("membership"), staff_client("privacy")):
        for url in (
            reverse("meeting_chair_chooser:choose"),
            reverse("meeting_chair_chooser:choose_results"),
            reverse("meeting_scrutineer_chooser:choose_results"),
            reverse("meeting_chair_chooser:chosen", args=[meeting["chair"].account.pk]),
        ):
            response = refused.get(url)
            assert response.status_code in (302, 403), url
            assert b"Tremblay" not in response.content


# The page editor -----------------------------------------------------------------------


def test_the_meeting_page_names_its_chairs_and_offers_the_choosers(admin_client, meeting):
    page, daniel = meeting["page"], meeting["chair"]
    page.chairs.add(daniel.account)

    html = edit_page(admin_client, page)

    assert f"Tremblay, Daniel (member {daniel.member_id}), {daniel.chapter}" in html
    assert f"member-{daniel.member_id}" not in html  # never the username
    assert reverse("meeting_chair_chooser:choose") in html
    assert reverse("meeting_scrutineer_chooser:choose") in html
    assert "Add chair" in html and "Add scrutineer" in html


def test_publishing_with_two_chairs_names_them_in_order(admin_client, meeting):
    page = meeting["page"]
    chair, secretary = meeting["chair"].account, meeting["secretary"].account

    response = admin_client.post(
        edit_url(page),
        meeting_form(page, page.title, chairs=[chair, secretary], scrutineers=[meeting["teller"]]),
    )

    assert response.status_code == 302
    page = MeetingPage.objects.get(pk=page.pk)
    assert set(page.chairs.all()) == {chair, secretary}
    assert [row.person for row in page.chair_appointments.all()] == [chair, secretary]
    assert list(page.scrutineers.all()) == [meeting["teller"]]
    assert page.may_chair(secretary) and not page.may_chair(meeting["teller"])


@pytest.mark.parametrize("who", ["teller", "lapsed", "unconfirmed", "waiting"])
def test_a_forged_chair_is_refused_with_a_clear_error_and_nothing_is_saved(
    admin_client, meeting, who
):
    page = meeting["page"]
    page.chairs.add(meeting["chair"].account)
    revisions = page.revisions.count()
    forged = meeting[who] if who == "teller" else meeting[who].account

    response = admin_client.post(
        edit_url(page), meeting_form(page, "Renamed", chairs=[meeting["secretary"].account, forged])
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "This person may not chair a meeting" in html
    assert "The page could not be saved" in html
    page = MeetingPage.objects.get(pk=page.pk)
    assert page.title != "Renamed" and page.revisions.count() == revisions
    assert list(page.chairs.all()) == [meeting["chair"].account]


def test_a_forged_scrutineer_is_refused(admin_client, meeting):
    page = meeting["page"]

    response = admin_client.post(
        edit_url(page), meeting_form(page, page.title, scrutineers=[meeting["chair"].account])
    )

    assert response.status_code == 200
    assert "This person is not a scrutineer" in response.content.decode()
    assert not MeetingPage.objects.get(pk=page.pk).scrutineers.exists()


def test_someone_chosen_twice_is_refused_rather_than_seated_twice(admin_client, meeting):
    page, chair = meeting["page"], meeting["chair"].account

    response = admin_client.post(
        edit_url(page), meeting_form(page, page.title, chairs=[chair, chair])
    )

    assert response.status_code == 200
    assert "The same person is chosen twice as chair" in response.content.decode()
    assert not MeetingChair.objects.filter(meeting=page).exists()


def test_a_chair_who_has_since_lapsed_is_named_and_must_be_replaced(admin_client, meeting):
    page, daniel = meeting["page"], meeting["chair"]
    page.chairs.add(daniel.account)
    daniel.standing = Standing.SUSPENDED
    daniel.save()

    assert "Tremblay, Daniel" in edit_page(admin_client, page)
    response = admin_client.post(edit_url(page), meeting_form(page, "Renamed"))

    assert "This person may not chair a meeting" in response.content.decode()
    assert MeetingPage.objects.get(pk=page.pk).title != "Renamed"


# Ballot items from the meeting page ----------------------------------------------------


def test_the_meeting_page_links_to_its_ballot_items_filtered_to_it(admin_client, meeting):
    page = meeting["page"]
    mine = BallotItemFactory(meeting=page, title="Motion 1: our own", position=1)
    BallotItemFactory(meeting=page, title="Motion 2: ours too", position=2)
    BallotItemFactory(title="Motion 9: another meeting's")

    soup = BeautifulSoup(edit_page(admin_client, page), "html.parser")
    link = soup.find("a", href=f"/admin/ballot-items/?meeting={page.pk}")
    assert link is not None and link.get_text(strip=True) == "Ballot items"

    listing = admin_client.get(link["href"]).content.decode()
    assert mine.title in listing and "Motion 2: ours too" in listing
    assert "another meeting" not in listing
    assert f"/admin/ballot-items/new/?meeting={page.pk}" in listing


def test_adding_an_item_from_a_meeting_starts_it_on_that_meeting_next_on_the_agenda(
    admin_client, meeting
):
    page = meeting["page"]
    BallotItemFactory(meeting=page, position=4)

    soup = BeautifulSoup(
        admin_client.get(f"/admin/ballot-items/new/?meeting={page.pk}").content, "html.parser"
    )

    assert soup.find("input", attrs={"name": "position"})["value"] == "5"
    chosen = soup.find(attrs={"name": "meeting"})
    chosen_value = chosen.get("value") or chosen.find("option", selected=True)["value"]
    assert chosen_value == str(page.pk)


def test_the_people_a_chooser_lists_are_written_to_the_access_log(admin_client, meeting):
    from members.models import AccessLogEntry

    chooser_rows(admin_client, "meeting_chair_chooser", "Tremblay")

    entry = AccessLogEntry.objects.get()
    assert entry.member_ids == [meeting["chair"].member_id]
    assert entry.what == "Choose the meeting's chairs (admin chooser)"
    assert entry.actor.is_superuser
