"""Factories for AGM how-to guides and their index page."""

import factory
import wagtail_factories

from cms.factories import (
    BaseStreamBlockFactory,
    ComparisonBlockFactory,
    RichTextBlockFactory,
    StepBlockFactory,
)
from meetings.models import GuideIndexPage, GuidePage


class GuideIndexPageFactory(wagtail_factories.PageFactory):
    title = "Guides"
    slug = "guides"
    introduction = "How to take part in meetings and votes."

    class Meta:
        model = GuideIndexPage


class GuidePageFactory(wagtail_factories.PageFactory):
    """A guide with two steps unless told otherwise (``steps__0__step__title=...``)."""

    title = "Taking part in a virtual AGM"
    introduction = "<p>For members joining their Annual General Meeting online.</p>"
    steps = wagtail_factories.StreamFieldFactory(
        {"step": factory.SubFactory(StepBlockFactory)},
        **{"0__step__title": "Sign in", "1__step__title": "Enter the meeting"},
    )
    comparison = wagtail_factories.StreamFieldFactory(
        {"comparison": factory.SubFactory(ComparisonBlockFactory)}
    )
    tips = wagtail_factories.StreamFieldFactory({"tip": factory.SubFactory(RichTextBlockFactory)})
    body = wagtail_factories.StreamFieldFactory(BaseStreamBlockFactory)
    instructions_document = None

    class Meta:
        model = GuidePage
