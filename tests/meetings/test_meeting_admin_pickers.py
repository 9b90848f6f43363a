"""The meeting page in the Wagtail admin: the chair picker names people as the union
knows them (name, member ID, Chapter) and offers only those who may chair; the
scrutineer picker names them too; the meeting's ballot items are one click away,
filtered to it, and "Add" starts an item of that meeting.

Through real admin requests, signed in as a superuser."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from meetings.factories import BallotItemFactory, MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import AudienceKind, MeetingPage
from members.models import Standing
from tests.member_fixtures import give_account, member_of, two_chapters

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(home_page):
    chapter, other = two_chapters()
    meeting = MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter,
        starts_at=timezone.now() + timezone.timedelta(days=3),
    )
    people = {
        "chair": member_of(chapter, given_name="Daniel", family_name="Tremblay"),
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


def edit_page(admin_client, meeting):
    response = admin_client.get(f"/admin/pages/{meeting['page'].pk}/edit/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def options(soup, field):
    select = soup.find("select", attrs={"name": field})
    return {option.get_text(strip=True): option["value"] for option in select.find_all("option")}


def test_the_chair_picker_names_members_by_name_member_id_and_chapter(admin_client, meeting):
    chairs = options(edit_page(admin_client, meeting), "chairs")

    daniel = meeting["chair"]
    label = f"Tremblay, Daniel (member {daniel.member_id}), {daniel.chapter}"
    assert chairs[label] == str(daniel.account.pk)
    assert any(text.startswith("Whitehorse, Sam (member ") for text in chairs)


def test_the_chair_picker_offers_only_those_who_may_chair(admin_client, meeting):
    chairs = options(edit_page(admin_client, meeting), "chairs")

    assert not any(
        name in text
        for text in chairs
        for name in ("Lapsed", "Unconfirmed", "Waiting", "admin", "teller", "Teller")
    )
    assert len(chairs) == 2


def test_the_chair_picker_refuses_anyone_else(meeting):
    form_class = MeetingPage.get_edit_handler().get_form_class()
    form = form_class(instance=meeting["page"], parent_page=meeting["page"].get_parent())

    field = form.fields["chairs"]
    assert list(field.clean([meeting["chair"].account.pk])) == [meeting["chair"].account]
    with pytest.raises(Exception, match="valid choice"):
        field.clean([meeting["teller"].pk])
    with pytest.raises(Exception, match="valid choice"):
        field.clean([meeting["lapsed"].account.pk])


def test_the_scrutineer_picker_names_the_scrutineers(admin_client, meeting):
    scrutineers = options(edit_page(admin_client, meeting), "scrutineers")

    assert scrutineers == {"Tess Teller (teller)": str(meeting["teller"].pk)}


def test_the_meeting_page_links_to_its_ballot_items_filtered_to_it(admin_client, meeting):
    page = meeting["page"]
    mine = BallotItemFactory(meeting=page, title="Motion 1: our own", position=1)
    BallotItemFactory(meeting=page, title="Motion 2: ours too", position=2)
    BallotItemFactory(title="Motion 9: another meeting's")

    soup = edit_page(admin_client, meeting)
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
