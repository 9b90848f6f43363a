"""Factories for the home page, content pages and the site-wide contact settings."""

import factory
import wagtail_factories
from wagtail.models import Page, Site

from cms.factories import BaseStreamBlockFactory
from home.models import ContentPage, HomePage, MemberResourceCentre, PrivacyOfficer


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Northwind Workers' Union"
    slug = "home"
    introduction = "News, meetings and help for members of the Northwind Workers' Union."
    body = wagtail_factories.StreamFieldFactory(BaseStreamBlockFactory)

    class Meta:
        model = HomePage


def build_site(**home_page_fields):
    """Replace Wagtail's welcome page with a HomePage that is the default site's root.

    Returns the home page. Every other page of a test goes under it.
    """
    root = Page.get_first_root_node()
    # Deleting the welcome page also deletes the Site that points at it.
    Page.objects.filter(depth=2).delete()
    home = HomePageFactory(parent=root, **home_page_fields)
    Site.objects.create(
        hostname="localhost",
        port=80,
        site_name="Northwind Workers' Union",
        root_page=home,
        is_default_site=True,
    )
    return home


class ContentPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Member benefits {n}")
    introduction = "What your membership gives you, and how to use it."
    body = wagtail_factories.StreamFieldFactory(BaseStreamBlockFactory)

    class Meta:
        model = ContentPage


def _default_site():
    return Site.objects.get(is_default_site=True)


class MemberResourceCentreFactory(factory.django.DjangoModelFactory):
    site = factory.LazyFunction(_default_site)
    name = "Member Resource Centre"
    local_phone = "780-555-0100"
    toll_free_phone = "1-800-555-0199"
    email = "mrc@northwind.example"
    hours = "Monday to Friday, 8:30 a.m. to 4:30 p.m."

    class Meta:
        model = MemberResourceCentre


class PrivacyOfficerFactory(factory.django.DjangoModelFactory):
    site = factory.LazyFunction(_default_site)
    name = "Privacy Officer"
    organisation = "Northwind Workers' Union"
    postal_address = "100 Example Street\nEdmonton AB  T5J 0A1"
    local_phone = "780-555-0123"
    toll_free_phone = "1-800-555-0124"
    email = "privacy@northwind.example"

    class Meta:
        model = PrivacyOfficer
