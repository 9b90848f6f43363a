"""The cached menu and footer change as soon as an editor publishes or edits settings."""

import pytest

from home.factories import ContentPageFactory, MemberResourceCentreFactory
from home.models import MemberResourceCentre

pytestmark = pytest.mark.django_db


def test_publishing_a_menu_page_shows_it_in_the_cached_menu_at_once(client, home_page):
    client.get(home_page.url)  # fills the cache
    page = ContentPageFactory(parent=home_page, title="Strike pay", show_in_menus=True, live=False)

    assert "Strike pay" not in client.get(home_page.url).content.decode()

    page.save_revision().publish()

    nav = (
        client.get(home_page.url).content.decode().split('aria-label="Main"')[1].split("</nav>")[0]
    )
    assert "Strike pay" in nav


def test_editing_the_resource_centre_phone_updates_the_cached_footer(client, home_page):
    MemberResourceCentreFactory(local_phone="780-555-0100")
    assert "780-555-0100" in client.get(home_page.url).content.decode()

    centre = MemberResourceCentre.objects.get()
    centre.local_phone = "780-555-0177"
    centre.save()

    html = client.get(home_page.url).content.decode()
    assert "780-555-0177" in html and "780-555-0100" not in html


def test_renaming_a_page_updates_breadcrumbs_on_its_children(client, home_page):
    section = ContentPageFactory(parent=home_page, title="Bargaining")
    child = ContentPageFactory(parent=section, title="Health care table")
    assert "Bargaining" in client.get(child.url).content.decode()

    section.title = "Collective bargaining"
    section.save_revision().publish()

    assert "Collective bargaining" in client.get(child.url).content.decode()
