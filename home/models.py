"""The home page, general content pages and the site-wide contact settings."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page, Site
from wagtail.search import index

from cms.blocks import BaseStreamBlock


@register_setting(icon="mobile-alt")
class MemberResourceCentre(BaseSiteSetting):
    """How members reach the union's Member Resource Centre (shown in every footer)."""

    name = models.CharField(max_length=120, default="Member Resource Centre")
    local_phone = models.CharField(
        "Local phone", max_length=40, blank=True, help_text="The number for the Edmonton area."
    )
    toll_free_phone = models.CharField("Toll-free phone", max_length=40, blank=True)
    email = models.EmailField(blank=True)
    hours = models.CharField(
        max_length=120,
        blank=True,
        help_text='When the phones are answered, e.g. "Monday to Friday, 8:30 a.m. to 4:30 p.m."',
    )

    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [FieldPanel("local_phone"), FieldPanel("toll_free_phone"), FieldPanel("email")],
            heading="How to reach it",
        ),
        FieldPanel("hours"),
    ]

    class Meta:
        verbose_name = "Member Resource Centre"

    def as_contact(self):
        return {
            "name": self.name,
            "organisation": "",
            "postal_address": [],
            "phone_numbers": _phones(("Local", self.local_phone), ("Toll-free", self.toll_free_phone)),
            "email": self.email,
            "hours": self.hours,
        }


@register_setting(icon="lock")
class PrivacyOfficer(BaseSiteSetting):
    """The union's Privacy Officer, whose card ends every policy page."""

    name = models.CharField(max_length=120, default="Privacy Officer")
    organisation = models.CharField(max_length=120, blank=True)
    postal_address = models.TextField(blank=True, help_text="One line per line of the address.")
    local_phone = models.CharField("Local phone", max_length=40, blank=True)
    toll_free_phone = models.CharField("Toll-free phone", max_length=40, blank=True)
    email = models.EmailField(blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("organisation"),
        FieldPanel("postal_address"),
        MultiFieldPanel(
            [FieldPanel("local_phone"), FieldPanel("toll_free_phone"), FieldPanel("email")],
            heading="How to reach the Privacy Officer",
        ),
    ]

    class Meta:
        verbose_name = "Privacy Officer"

    def as_contact(self):
        return {
            "name": self.name,
            "organisation": self.organisation,
            "postal_address": [line for line in self.postal_address.splitlines() if line.strip()],
            "phone_numbers": _phones(("Local", self.local_phone), ("Toll-free", self.toll_free_phone)),
            "email": self.email,
            "hours": "",
        }


def _phones(*labelled):
    return [{"label": label, "number": number} for label, number in labelled if number]


SITE_CONTACTS = {
    "privacy_officer": PrivacyOfficer,
    "member_resource_centre": MemberResourceCentre,
}


def site_contact(kind, request=None):
    """The current details of a site-wide contact, as one dict for templates and the API."""
    setting = SITE_CONTACTS[kind]
    if request is not None:
        return setting.for_request(request).as_contact()
    site = Site.objects.filter(is_default_site=True).first()
    return setting.for_site(site).as_contact() if site else setting().as_contact()


class HomePage(Page):
    """The front page of the site: a welcome and the components staff choose."""

    introduction = models.TextField(
        blank=True, help_text="One or two sentences under the page title, welcoming members."
    )
    body = StreamField(BaseStreamBlock(), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]
    api_fields = [APIField("introduction"), APIField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["home.ContentPage", "policies.PolicyPage", "meetings.GuideIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"


class ContentPage(Page):
    """A general page: about the union, bargaining updates, member benefits and so on."""

    introduction = models.TextField(blank=True, help_text="A short summary shown under the title.")
    body = StreamField(BaseStreamBlock(), use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]
    api_fields = [APIField("introduction"), APIField("body")]

    parent_page_types = ["home.HomePage", "home.ContentPage"]
    subpage_types = ["home.ContentPage", "policies.PolicyPage"]

    class Meta:
        verbose_name = "content page"
