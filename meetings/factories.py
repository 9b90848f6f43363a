"""Factories for AGM how-to guides, meetings, their scrutineers and ballot items."""

import datetime

import factory
import wagtail_factories
from django.utils import timezone

from cms.factories import (
    BaseStreamBlockFactory,
    ComparisonBlockFactory,
    DocumentFactory,
    RichTextBlockFactory,
    StepBlockFactory,
)
from meetings.models import (
    AudienceKind,
    BallotItem,
    Candidate,
    GuideIndexPage,
    GuidePage,
    MeetingIndexPage,
    MeetingKind,
    MeetingMaterial,
    MeetingPage,
)


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


class MeetingIndexPageFactory(wagtail_factories.PageFactory):
    title = "Meetings"
    slug = "meetings"

    class Meta:
        model = MeetingIndexPage


# The passphrase of every scrutineer these factories make (tests unlock with it).
SCRUTINEER_PASSPHRASE = "four tellers count the ballots"  # noqa: S105 - tests only


def scrutineer_with_key(username=None, passphrase=SCRUTINEER_PASSPHRASE):
    """A staff account in the Scrutineers group (whom a meeting page may name), holding a
    ballot key locked with `passphrase`."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from meetings.ballots.sealing import set_scrutineer_passphrase
    from staff.roles import SCRUTINEERS

    user_model = get_user_model()
    username = username or f"scrutineer-{user_model.objects.count() + 1}"
    user = user_model.objects.create_user(
        username, f"{username}@northwind.example", "scrutineer password 1"
    )
    user.groups.add(Group.objects.get_or_create(name=SCRUTINEERS)[0])
    set_scrutineer_passphrase(user, passphrase)
    return user


class MeetingPageFactory(wagtail_factories.PageFactory):
    """A union-wide AGM a week from now unless told otherwise, with one scrutineer
    holding a ballot key (pass ``scrutineers=[...]`` to choose them).

    Set the audience with ``audience_kind`` and the matching ``audience_<kind>``.
    """

    title = factory.Sequence(lambda n: f"Annual General Meeting {n}")
    kind = MeetingKind.AGM
    audience_kind = AudienceKind.UNION
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + datetime.timedelta(hours=3))
    agenda = "<p>Call to order. Reports. Elections. Motions. Adjournment.</p>"
    video_link = "https://video.northwind.example/j/8675309"
    video_meeting_id = "867 5309"
    video_passcode = "AGM2027"
    dial_in_number = "1-800-555-0177"
    it_support_phone = "780-555-0150"
    it_support_email = "it-help@northwind.example"

    class Meta:
        model = MeetingPage
        skip_postgeneration_save = True

    @factory.post_generation
    def scrutineers(self, create, extracted, **kwargs):
        if not create:
            return
        self.scrutineers.set(extracted if extracted is not None else [scrutineer_with_key()])
        self.save()


class MeetingMaterialFactory(factory.django.DjangoModelFactory):
    meeting = factory.SubFactory(MeetingPageFactory)
    document = factory.SubFactory(DocumentFactory, title=factory.Sequence(lambda n: f"Report {n}"))
    title = ""

    class Meta:
        model = MeetingMaterial


class BallotItemFactory(factory.django.DjangoModelFactory):
    """A motion on a union-wide meeting unless told otherwise."""

    meeting = factory.SubFactory(MeetingPageFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = BallotItem.Kind.MOTION
    title = factory.Sequence(lambda n: f"Motion {n + 1}")
    text = "<p>That the union campaigns for safe staffing on every night shift.</p>"

    class Meta:
        model = BallotItem


class CandidateFactory(factory.django.DjangoModelFactory):
    item = factory.SubFactory(BallotItemFactory, kind=BallotItem.Kind.ELECTION)
    name = factory.Faker("name", locale="en_CA")
    sort_order = factory.Sequence(lambda n: n)

    class Meta:
        model = Candidate
