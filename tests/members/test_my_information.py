"""*My information*: the member's choices, each box beside its own label, hints written to them."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from members.factories import MemberFactory
from members.forms import CommunicationChoicesForm
from members.models import Member
from tests.member_fixtures import give_account, save_my_choices

pytestmark = pytest.mark.django_db

CHOICES = [*CommunicationChoicesForm.SENDING, *CommunicationChoicesForm.REFUSALS]


@pytest.fixture
def page(home_page, member_resource_centre):
    client = Client()
    client.force_login(give_account(MemberFactory()))
    response = client.get(reverse("members:my_information"))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_every_checkbox_sits_beside_its_own_label(page):
    boxes = page.select('form.form--choices input[type="checkbox"]')

    assert sorted(box["name"] for box in boxes) == sorted(CHOICES)
    for box in boxes:
        label = box.find_next_sibling()
        # The label comes right after its box, in the same row, and names it.
        assert label.name == "label" and label["for"] == box["id"], box
        assert box.parent is label.parent
        assert len(page.select(f'label[for="{box["id"]}"]')) == 1


def test_every_hint_is_read_out_with_its_checkbox(page):
    for box in page.select('form.form--choices input[type="checkbox"]'):
        [hint_id] = box["aria-describedby"].split()
        hint = page.find(id=hint_id)
        assert hint is not None and hint.parent is box.parent
        assert hint.get_text(strip=True)


def test_hints_speak_to_the_member_not_about_them(page):
    hints = [hint.get_text(" ", strip=True) for hint in page.select("form .helptext")]

    assert len(hints) == len(CHOICES)
    for hint in hints:
        assert "the member" not in hint.lower(), hint
        assert "list" not in hint.lower(), hint  # "Leave out of every emailed list" was for staff
    staff_hints = {str(Member._meta.get_field(name).help_text) for name in CHOICES}
    assert staff_hints.isdisjoint(hints)
    assert any("you" in hint.lower().split() for hint in hints)


def test_choices_are_grouped_under_legends(page):
    legends = [
        (fieldset.legend.get_text(strip=True), [box["name"] for box in fieldset.select("input")])
        for fieldset in page.select("form.form--choices fieldset")
    ]

    assert legends == [
        ("What we send you", list(CommunicationChoicesForm.SENDING)),
        ("What you do not want", list(CommunicationChoicesForm.REFUSALS)),
    ]


def test_unticking_a_box_saves_it(home_page):
    member = MemberFactory(wants_newsletter=True)
    client = Client()
    client.force_login(give_account(member))

    response = save_my_choices(client, member, "wants_meeting_notices", "refuses_postal_mail")

    assert response.status_code == 302
    assert member.wants_meeting_notices and member.refuses_postal_mail
    assert not member.wants_newsletter
