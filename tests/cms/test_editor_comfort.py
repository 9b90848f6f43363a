"""Editor comfort: help text on every field staff edit, and starting titles for new pages."""

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from wagtail.admin.panels import get_edit_handler
from wagtail.models import Page, get_page_models

from home.models import MemberResourceCentre, PrivacyOfficer
from meetings.ballots.models import BallotItem, Candidate
from meetings.factories import GuideIndexPageFactory, MeetingIndexPageFactory
from meetings.models import (
    GuideIndexPage,
    MeetingIndexPage,
    MeetingMaterial,
)
from members.models import AreaCouncil, Chapter, Local, Member, Sector
from policies.models import PolicyPage
from tests.staff_fixtures import add_url, staff_client

EDITED_IN_THE_ADMIN = [
    *(page_type for page_type in get_page_models() if page_type is not Page),
    MeetingMaterial,
    MemberResourceCentre,
    PrivacyOfficer,
    BallotItem,
    Candidate,
    Sector,
    AreaCouncil,
    Local,
    Chapter,
    Member,
]


@pytest.mark.parametrize("model", EDITED_IN_THE_ADMIN, ids=lambda m: m.__name__)
def test_every_field_staff_edit_has_help_text(model):
    form_fields = get_edit_handler(model).get_form_class().base_fields
    own_fields = {
        field.name: field
        for field in model._meta.get_fields()
        if getattr(field, "model", None) is model and not field.auto_created
    }

    missing = [
        name for name in form_fields if name in own_fields and not own_fields[name].help_text
    ]

    assert missing == []


# Starting titles ------------------------------------------------------------------------


def new_page_form(client, model, parent):
    response = client.get(add_url(model, parent))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        name: (soup.find(attrs={"name": name}) or {}).get("value", "")
        for name in ("title", "slug", "last_reviewed")
    }


@pytest.mark.django_db
def test_a_new_policy_starts_as_the_privacy_statement_reviewed_today(home_page):
    form = new_page_form(staff_client("editor"), PolicyPage, home_page)

    assert form["title"] == "Privacy statement"
    assert form["slug"] == "privacy-statement"
    assert form["last_reviewed"] == timezone.localdate().isoformat()


@pytest.mark.django_db
def test_a_suggested_title_is_not_offered_when_its_address_is_taken(home_page):
    GuideIndexPageFactory(parent=home_page, slug="guides")
    MeetingIndexPageFactory(parent=home_page, slug="meetings")
    home_page.add_child(
        instance=PolicyPage(
            title="Privacy statement", slug="privacy-statement", last_reviewed="2026-01-01"
        )
    )

    form = new_page_form(staff_client("editor"), PolicyPage, home_page)

    assert form["title"] == "" and form["slug"] == ""


@pytest.mark.django_db
def test_section_indexes_start_with_their_usual_titles(home_page):
    client = staff_client("editor")

    assert new_page_form(client, GuideIndexPage, home_page)["title"] == "How-to guides"
    assert new_page_form(client, MeetingIndexPage, home_page)["slug"] == "meetings"
