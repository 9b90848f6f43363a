"""Ballot items in the Wagtail admin: staff prepare drafts; opened items stay as they were.

Everything goes through real admin requests, signed in as the staff user who
would make them.
"""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from meetings.ballots.admin import BallotItemEditView
from meetings.ballots.chairing import close_item, open_item
from meetings.ballots.models import BallotItem, Candidate
from meetings.factories import (
    BallotItemFactory,
    CandidateFactory,
    MeetingIndexPageFactory,
    MeetingPageFactory,
)

pytestmark = pytest.mark.django_db

INDEX = "/admin/ballot-items/"
ADD = INDEX + "new/"
ITEM_PERMISSIONS = [f"{action}_ballotitem" for action in ("add", "change", "delete", "view")]


def edit_url(item):
    return f"{INDEX}edit/{item.pk}/"


def delete_url(item):
    return f"{INDEX}delete/{item.pk}/"


def inspect_url(item):
    return f"{INDEX}inspect/{item.pk}/"


def staff_client(username, *codenames):
    """A signed-in admin user holding the admin login and the given meetings permissions."""
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@northwind.example", password="a long passphrase"
    )
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="meetings", codename__in=codenames),
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def organiser():
    """Staff who prepare meetings' ballot items (later: the meeting organisers' group)."""
    return staff_client("organiser", *ITEM_PERMISSIONS)


@pytest.fixture
def meetings(home_page):
    index = MeetingIndexPageFactory(parent=home_page)
    return (
        MeetingPageFactory(parent=index, title="Riverside Chapter AGM"),
        MeetingPageFactory(parent=index, title="Local 041 AGM"),
    )


def election_form(meeting, title, candidates, *, initial=0, seats=2):
    """The item form as the admin posts it, with the candidates' inline formset."""
    return nested_form_data(
        {
            "meeting": meeting.pk,
            "position": 3,
            "kind": BallotItem.Kind.ELECTION,
            "title": title,
            "text": rich_text("<p>Two trustees, for three years.</p>"),
            "majority": BallotItem.Majority.SIMPLE,
            "allow_abstain": "on",
            "seats": seats,
            "candidates": inline_formset(candidates, initial=initial),
        }
    )


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed_links(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return {a["href"] for a in soup.select("table a[href]")}


# Listing ------------------------------------------------------------------------------


def test_organiser_finds_ballot_items_in_the_menu_and_lists_them_with_their_facts(
    organiser, meetings
):
    riverside, _ = meetings
    BallotItemFactory(meeting=riverside, position=2, title="Motion 2: night-shift staffing")

    dashboard = organiser.get("/admin/")
    response = organiser.get(INDEX)

    assert "Ballot items" in dashboard.content.decode()
    assert response.status_code == 200
    table = BeautifulSoup(response.content, "html.parser").select_one("table")
    headings = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    for heading in ["Title", "Meeting", "Position", "Kind", "State"]:
        assert any(heading in text for text in headings), headings
    row = table.select_one("tbody tr").get_text(" ", strip=True)
    for fact in ["Motion 2: night-shift staffing", "Riverside Chapter AGM", "2", "Motion"]:
        assert fact in row
    assert "Not yet opened" in row


def test_list_filters_by_meeting_and_state_and_searches_titles(organiser, meetings, chair):
    riverside, local = meetings
    budget = BallotItemFactory(meeting=riverside, kind="budget", title="Budget 2027")
    motion = BallotItemFactory(meeting=riverside, title="Motion on staffing")
    elsewhere = BallotItemFactory(meeting=local, title="Motion on dues")
    open_item(motion, chair)

    def titles(query):
        response = organiser.get(INDEX + query)
        assert response.status_code == 200
        return {item.title for item in response.context["object_list"]}

    assert titles("") == {budget.title, motion.title, elsewhere.title}
    assert titles(f"?meeting={riverside.pk}") == {budget.title, motion.title}
    assert titles("?state=open") == {motion.title}
    assert titles(f"?meeting={riverside.pk}&state=draft") == {budget.title}
    assert titles("?q=motion") == {motion.title, elsewhere.title}
    assert titles("?q=dues") == {elsewhere.title}


# Drafts: create, edit, delete ---------------------------------------------------------


def test_organiser_creates_a_draft_election_with_candidates(organiser, meetings):
    riverside, _ = meetings

    form = organiser.get(ADD)
    response = organiser.post(
        ADD,
        election_form(
            riverside,
            "Election of trustees",
            [{"name": "Ana Silva", "statement": "Nurse, 12 years"}, {"name": "Ben Okafor"}],
        ),
    )

    assert form.status_code == 200
    assert "get their choices automatically" in form.content.decode()
    assert response.status_code == 302, response.context and response.context["form"].errors
    item = BallotItem.objects.get()
    assert (item.meeting_id, item.kind, item.seats, item.position) == (
        riverside.pk,
        "election",
        2,
        3,
    )
    assert item.state == BallotItem.State.DRAFT
    assert "Two trustees" in item.text
    assert [(c.name, c.statement) for c in item.candidates.order_by("sort_order")] == [
        ("Ana Silva", "Nurse, 12 years"),
        ("Ben Okafor", ""),
    ]
    assert not item.choices.exists()  # choices are made when the chair opens it


def test_organiser_edits_a_draft_election_adding_and_removing_candidates(organiser, meetings):
    riverside, _ = meetings
    item = BallotItemFactory(meeting=riverside, kind="election", title="Trustees", seats=1)
    ana = CandidateFactory(item=item, name="Ana Silva", sort_order=0)
    ben = CandidateFactory(item=item, name="Ben Okafor", sort_order=1)

    form = organiser.get(edit_url(item))
    response = organiser.post(
        edit_url(item),
        election_form(
            riverside,
            "Election of trustees",
            [
                {"id": ana.pk, "name": "Ana Silva"},
                {"id": ben.pk, "name": "Ben Okafor", "DELETE": "on"},
                {"name": "Chloé Tremblay"},
            ],
            initial=2,
        ),
    )

    assert form.status_code == 200
    assert response.status_code == 302, response.context and response.context["form"].errors
    item.refresh_from_db()
    assert (item.title, item.seats) == ("Election of trustees", 2)
    assert list(item.candidates.order_by("sort_order").values_list("name", flat=True)) == [
        "Ana Silva",
        "Chloé Tremblay",
    ]


def test_organiser_deletes_a_draft_item(organiser, meetings):
    item = BallotItemFactory(meeting=meetings[0])
    CandidateFactory(item=item)

    confirm = organiser.get(delete_url(item))
    response = organiser.post(delete_url(item))

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert not BallotItem.objects.filter(pk=item.pk).exists()
    assert not Candidate.objects.exists()


# Opened items stay as they were -------------------------------------------------------


@pytest.fixture(params=["open", "closed"])
def opened_election(request, meetings, chair):
    item = BallotItemFactory(meeting=meetings[0], kind="election", title="Trustees", seats=1)
    CandidateFactory(item=item, name="Ana Silva", sort_order=0)
    item = open_item(item, chair)
    if request.param == "closed":
        item = close_item(item, chair)
    return item


def snapshot(item):
    item = BallotItem.objects.get(pk=item.pk)
    return (
        item.state,
        item.title,
        item.seats,
        item.opened_at,
        item.closed_at,
        list(item.candidates.values_list("name", flat=True)),
        list(item.choices.values_list("label", flat=True)),
    )


def test_an_opened_item_cannot_be_edited_and_the_organiser_is_told_why(organiser, opened_election):
    item = opened_election
    before = snapshot(item)

    form = organiser.get(edit_url(item))
    posted = organiser.post(
        edit_url(item),
        election_form(item.meeting, "Changed after opening", [{"name": "Zed"}]),
    )

    for response in (form, posted):
        assert response.status_code == 302
        assert response["Location"] == inspect_url(item)
        assert any("can no longer be changed" in m for m in messages_of(response))
    assert snapshot(item) == before


def test_an_opened_item_cannot_be_deleted(organiser, opened_election):
    item = opened_election
    before = snapshot(item)

    confirm = organiser.get(delete_url(item))
    posted = organiser.post(delete_url(item))

    for response in (confirm, posted):
        assert response.status_code == 302
        assert response["Location"] == inspect_url(item)
        assert any("can no longer be changed or deleted" in m for m in messages_of(response))
    assert snapshot(item) == before


def test_an_opened_item_is_shown_read_only_without_edit_or_delete(
    organiser, opened_election, meetings
):
    item = opened_election
    draft = BallotItemFactory(meeting=meetings[0], title="Motion still in draft")

    listing = organiser.get(INDEX)
    inspect = organiser.get(inspect_url(item))

    links = listed_links(listing)
    assert edit_url(draft) in links and delete_url(draft) in links
    assert edit_url(item) not in links and delete_url(item) not in links
    assert inspect_url(item) in links
    page = inspect.content.decode()
    assert inspect.status_code == 200
    assert "Ana Silva" in page and "Abstain" in page  # candidates and the ballot's choices
    assert edit_url(item) not in page and delete_url(item) not in page


def test_an_item_opened_while_its_form_was_being_saved_is_not_overwritten(
    organiser, meetings, chair, monkeypatch
):
    """The chair opens the item between the form's checks and its save: the save is refused."""
    item = BallotItemFactory(meeting=meetings[0], kind="election", title="Trustees")
    CandidateFactory(item=item, name="Ana Silva", sort_order=0)
    validate = BallotItemEditView.is_valid

    def validate_then_chair_opens(view, form):
        valid = validate(view, form)
        open_item(item, chair)
        return valid

    monkeypatch.setattr(BallotItemEditView, "is_valid", validate_then_chair_opens)

    response = organiser.post(
        edit_url(item),
        election_form(item.meeting, "Changed while opening", [{"name": "Zed"}], seats=1),
    )

    assert response.status_code == 302
    assert response["Location"] == inspect_url(item)
    item.refresh_from_db()
    assert (item.state, item.title) == (BallotItem.State.OPEN, "Trustees")
    assert item.opened_at is not None
    assert list(item.candidates.values_list("name", flat=True)) == ["Ana Silva"]


# Who may use it -----------------------------------------------------------------------


def test_admin_user_without_ballot_item_permissions_neither_sees_nor_opens_it(meetings):
    item = BallotItemFactory(meeting=meetings[0])
    editor = staff_client("editor")

    dashboard = editor.get("/admin/")
    answers = [
        editor.get(url) for url in (INDEX, ADD, edit_url(item), delete_url(item), inspect_url(item))
    ]
    posted = editor.post(delete_url(item))

    assert "Ballot items" not in dashboard.content.decode()
    for response in [*answers, posted]:
        assert response.status_code == 302
        assert response["Location"] == "/admin/"
    assert BallotItem.objects.filter(pk=item.pk).exists()


def test_anonymous_visitor_is_sent_to_the_admin_sign_in(client, meetings):
    response = client.get(INDEX)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_view_permission_alone_lists_and_inspects_but_changes_nothing(meetings):
    item = BallotItemFactory(meeting=meetings[0], title="Budget 2027")
    viewer = staff_client("viewer", "view_ballotitem")

    listing = viewer.get(INDEX)
    inspect = viewer.get(inspect_url(item))
    edit = viewer.post(edit_url(item), {"title": "Changed"})

    assert listing.status_code == inspect.status_code == 200
    assert edit_url(item) not in listing.content.decode()
    assert ADD not in listing.content.decode()
    assert edit.status_code == 302 and edit["Location"] == "/admin/"
    item.refresh_from_db()
    assert item.title == "Budget 2027"
