"""Factories for policy pages such as the privacy statement."""

import datetime

import wagtail_factories

from cms.factories import BaseStreamBlockFactory
from policies.models import PolicyPage


class PolicyPageFactory(wagtail_factories.PageFactory):
    title = "Privacy statement"
    introduction = "How the union collects, uses and protects members' personal information."
    body = wagtail_factories.StreamFieldFactory(BaseStreamBlockFactory)
    last_reviewed = datetime.date(2026, 3, 1)
    show_privacy_officer = True

    class Meta:
        model = PolicyPage
