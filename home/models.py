"""The home page, general content pages and the site-wide contact settings."""

from django import forms
from django.core.cache import cache
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page, Site
from wagtail.search import index

from cms.blocks import BaseStreamBlock, contact_card
from cms.previews import MemberViewPreviewMixin, preview_audience


@register_setting(icon="mobile-alt")
class MemberResourceCentre(BaseSiteSetting):
    """How members reach the union's Member Resource Centre (shown in every footer)."""

    name = models.CharField(
        max_length=120,
        default="Member Resource Centre",
        help_text="The name members know it by, shown as the heading of its contact card.",
    )
    local_phone = models.CharField(
        "Local phone", max_length=40, blank=True, help_text="The number for the Edmonton area."
    )
    toll_free_phone = models.CharField(
        "Toll-free phone",
        max_length=40,
        blank=True,
        help_text="For members calling from outside the Edmonton area.",
    )
    email = models.EmailField(
        blank=True, help_text="Where members write with questions about their membership."
    )
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
        return contact_card(
            name=self.name,
            phone_numbers=[("Local", self.local_phone), ("Toll-free", self.toll_free_phone)],
            email=self.email,
            hours=self.hours,
        )


@register_setting(icon="lock")
class PrivacyOfficer(BaseSiteSetting):
    """The union's Privacy Officer, whose card ends every policy page."""

    name = models.CharField(
        max_length=120,
        default="Privacy Officer",
        help_text="The title on the contact card; the officer's own name is not needed.",
    )
    organisation = models.CharField(
        max_length=120, blank=True, help_text="Usually the union's name, shown under the title."
    )
    postal_address = models.TextField(blank=True, help_text="One line per line of the address.")
    local_phone = models.CharField(
        "Local phone", max_length=40, blank=True, help_text="The number for the Edmonton area."
    )
    toll_free_phone = models.CharField(
        "Toll-free phone",
        max_length=40,
        blank=True,
        help_text="For members calling from outside the Edmonton area.",
    )
    email = models.EmailField(
        blank=True,
        help_text="Where members send privacy questions and ask what the union holds about them.",
    )

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
        return contact_card(
            name=self.name,
            organisation=self.organisation,
            postal_address=self.postal_address,
            phone_numbers=[("Local", self.local_phone), ("Toll-free", self.toll_free_phone)],
            email=self.email,
        )


SITE_CONTACTS = {
    "privacy_officer": PrivacyOfficer,
    "member_resource_centre": MemberResourceCentre,
}


def site_contact(kind, request=None):
    """The current details of a site-wide contact, as one dict for templates and the API."""
    setting = SITE_CONTACTS[kind]
    if request is not None:
        # From the shared cache, under the site version that a save of the setting moves.
        from cms.page_routing import find_site
        from cms.site_version import request_site_version

        site = find_site(request)
        key = f"site-contact:{kind}:{request_site_version(request)}:{site.pk if site else ''}"
        contact = cache.get(key)
        if contact is None:
            contact = setting.for_request(request).as_contact()
            cache.set(key, contact, 60 * 60)
        return contact
    site = Site.objects.filter(is_default_site=True).first()
    return setting.for_site(site).as_contact() if site else setting().as_contact()


class HomePage(MemberViewPreviewMixin, Page):
    """The front page of the site: a welcome and the components staff choose."""

    introduction = models.TextField(
        blank=True, help_text="One or two sentences under the page title, welcoming members."
    )
    body = StreamField(
        BaseStreamBlock(),
        blank=True,
        use_json_field=True,
        help_text="The home page's sections, built from page components.",
    )

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]
    api_fields = [APIField("introduction"), APIField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "home.ContentPage",
        "policies.PolicyPage",
        "meetings.GuideIndexPage",
        "meetings.MeetingIndexPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    def get_context(self, request, *args, **kwargs):
        from members.audience import signed_in_member

        context = super().get_context(request, *args, **kwargs)
        member = signed_in_member(request)
        context["member"] = member
        context["for_you"] = pages_aimed_at(member, limit=5)
        preview = preview_audience(request)
        if preview is not None and preview.sector is not None:
            # Previewed as a member of a sector: the pages aimed at that sector.
            context["preview_sector"] = preview.sector
            from members.audience import MemberUnits

            context["for_you"] = pages_aimed_at(MemberUnits(sector=preview.sector.pk), limit=5)
        return context


class ContentPage(MemberViewPreviewMixin, Page):
    """A general page: about the union, bargaining updates, member benefits and so on.

    A page can be aimed at sectors, Locals or Chapters: it then appears on those
    members' dashboards and home page. Aiming a page does not hide it; use the
    page's privacy setting, or members-only sections, for that.
    """

    introduction = models.TextField(blank=True, help_text="A short summary shown under the title.")
    body = StreamField(
        BaseStreamBlock(),
        use_json_field=True,
        help_text=(
            "The page's sections, built from page components. Put anything the public "
            "should not read in a “Members only” section."
        ),
    )
    aimed_at_sectors = ParentalManyToManyField(
        "members.Sector",
        blank=True,
        related_name="+",
        verbose_name="sectors",
        help_text="Members of these sectors see this page under “For you”.",
    )
    aimed_at_locals = ParentalManyToManyField(
        "members.Local",
        blank=True,
        related_name="+",
        verbose_name="Locals",
        help_text="Members of these Locals see this page under “For you”.",
    )
    aimed_at_chapters = ParentalManyToManyField(
        "members.Chapter",
        blank=True,
        related_name="+",
        verbose_name="Chapters",
        help_text="Members of these Chapters see this page under “For you”.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("introduction"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("aimed_at_sectors", widget=forms.CheckboxSelectMultiple),
                FieldPanel("aimed_at_locals"),
                FieldPanel("aimed_at_chapters"),
            ],
            heading="Aimed at",
            help_text="Optional: who should find this page on their dashboard.",
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]
    api_fields = [APIField("introduction"), APIField("body")]

    parent_page_types = ["home.HomePage", "home.ContentPage"]
    subpage_types = ["home.ContentPage", "policies.PolicyPage"]

    class Meta:
        verbose_name = "content page"


def pages_aimed_at(member, *, limit=10):
    """Live public content pages aimed at the member's sector, Local or Chapter, newest first.

    `member` may also be a `MemberUnits` (an editor's preview as a member of a sector).
    """
    from members.audience import reaching

    aimed = reaching(
        member,
        sectors="aimed_at_sectors",
        locals_="aimed_at_locals",
        chapters="aimed_at_chapters",
    )
    ids = ContentPage.objects.filter(aimed).values("pk")
    return ContentPage.objects.live().filter(pk__in=ids).order_by("-first_published_at")[:limit]
