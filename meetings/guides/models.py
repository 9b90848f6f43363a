"""AGM how-to guides: a guide index and guide pages, each with a printable PDF
(`meetings.guides.pdf`, rewritten on every publish)."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import (
    PROSE_FEATURES,
    BaseStreamBlock,
    ComparisonBlock,
    StepBlock,
    TipBlock,
)
from cms.previews import MemberViewPreviewMixin
from cms.serializers import DocumentField


class GuideIndexPage(Page):
    """The list of how-to guides for members: joining a virtual AGM, voting, and so on."""

    introduction = models.TextField(blank=True, help_text="Shown above the list of guides.")

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]
    api_fields = [APIField("introduction")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["meetings.GuidePage"]

    class Meta:
        verbose_name = "guide index page"

    def guides(self):
        return GuidePage.objects.child_of(self).live().public().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["guides"] = self.guides()
        return context


class GuidePage(MemberViewPreviewMixin, Page):
    """A how-to guide, such as "Taking part in a virtual AGM".

    Structured rather than free-form so every guide reads the same way: who it
    is for, numbered steps, what each window is for, tips, then a downloadable
    copy of the same instructions for members who want them on paper.
    """

    introduction = RichTextField(
        features=PROSE_FEATURES, help_text="Who this guide is for and what it helps with."
    )
    steps = StreamField(
        [("step", StepBlock())],
        use_json_field=True,
        min_num=1,
        help_text="The steps in the order a member follows them.",
    )
    comparison = StreamField(
        [("comparison", ComparisonBlock())],
        use_json_field=True,
        blank=True,
        max_num=1,
        help_text='Optional. For example, "what each window is for" during the meeting.',
    )
    tips = StreamField(
        [("tip", TipBlock())],
        use_json_field=True,
        blank=True,
        help_text="Short pieces of advice, shown as a list.",
    )
    body = StreamField(
        BaseStreamBlock(),
        use_json_field=True,
        blank=True,
        verbose_name="More help",
        help_text="Anything else: questions and answers, contacts, further documents.",
    )
    instructions_document = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="Downloadable instructions",
        help_text="The same instructions as a file (PDF) members can print or keep.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("introduction"),
        FieldPanel("steps"),
        FieldPanel("comparison"),
        FieldPanel("tips"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("instructions_document")], heading="Download"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("steps"),
        index.SearchField("comparison"),
        index.SearchField("tips"),
        index.SearchField("body"),
    ]
    api_fields = [
        APIField("introduction"),
        APIField("steps"),
        APIField("comparison"),
        APIField("tips"),
        APIField("body"),
        APIField("instructions_document", serializer=DocumentField()),
    ]

    parent_page_types = ["meetings.GuideIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "guide page"
