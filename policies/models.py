"""Policy pages: the privacy statement and any other policy the union publishes."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import BaseStreamBlock, anchor_for
from cms.previews import MemberViewPreviewMixin
from home.models import site_contact
from policies.review import PolicyPermissionTester, policy_review_workflow


class PolicyPage(MemberViewPreviewMixin, Page):
    """A policy such as the privacy statement.

    Sections are page components; the page ends with the Privacy Officer's card,
    drawn from site settings so that the statement never shows an old number.
    Wagtail keeps every published revision, which is the policy's history.
    """

    introduction = models.TextField(
        blank=True, help_text="What this policy covers, in a sentence or two."
    )
    body = StreamField(
        BaseStreamBlock(),
        use_json_field=True,
        help_text=(
            "The policy's sections, built from page components. Give sections headings: "
            "they make the “On this page” list."
        ),
    )
    last_reviewed = models.DateField(
        help_text="The date the policy was last reviewed as a whole, shown at the top of the page."
    )
    show_privacy_officer = models.BooleanField(
        "Show the Privacy Officer's contact card",
        default=True,
        help_text="Ends the page with the Privacy Officer's details from Settings.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("introduction"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("last_reviewed"), FieldPanel("show_privacy_officer")],
            heading="Review and contact",
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]
    api_fields = [
        APIField("introduction"),
        APIField("body"),
        APIField("last_reviewed"),
        APIField("privacy_officer"),
    ]

    parent_page_types = ["home.HomePage", "home.ContentPage"]
    subpage_types = []

    class Meta:
        verbose_name = "policy page"
        permissions = [
            ("approve_policy", "Can approve and publish policy pages (the Privacy Officer)"),
        ]

    # The Privacy Officer's review (policies/review.py) ---------------------------

    def permissions_for_user(self, user):
        """Only the Privacy Officer (and superusers) may publish a policy page."""
        return PolicyPermissionTester(user, self)

    def get_workflow(self):
        """The Privacy Officer's approval, wherever the policy sits in the page tree."""
        return policy_review_workflow() or super().get_workflow()

    @property
    def has_workflow(self):
        return self.get_workflow() is not None

    @property
    def privacy_officer(self):
        """The Privacy Officer's contact card, or None when the page does not show it."""
        if not self.show_privacy_officer:
            return None
        return site_contact("privacy_officer")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["privacy_officer"] = site_contact("privacy_officer", request)
        return context

    def contents(self):
        """The headed sections, in order, for the "On this page" list."""
        return [
            {"heading": block.value["heading"], "anchor": anchor_for(block.value["heading"])}
            for block in self.body
            if hasattr(block.value, "get") and block.value.get("heading")
        ]
