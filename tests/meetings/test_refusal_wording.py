"""A member refused another Chapter's meeting reads the unit's name as the union writes
it, and is pointed to the meetings they can attend."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.meeting_fixtures import meeting_under_way

pytestmark = pytest.mark.django_db


@pytest.fixture
def agm(home_page):
    return meeting_under_way(home_page)


def refusal(client, agm):
    client.force_login(agm["outsider"].account)
    html = client.get(agm["meeting"].url).content.decode()
    start = html.index('<aside class="callout callout--important"')
    return html[start : html.index("</aside>", start)]


def test_the_refusal_keeps_the_units_name_as_written(client, agm):
    aside = refusal(client, agm)

    name = escape(str(agm["chapter"]))  # "Chapter 012/001 – North Ward"
    assert f"This meeting is for members of {name} only." in aside


def test_the_refusal_links_to_the_members_own_meetings(client, agm):
    aside = refusal(client, agm)

    assert f'<a href="{reverse("members:dashboard")}#my-meetings">My union</a>' in aside
    assert "My meetings" in aside
