"""factory-boy factories for the union's structure and the roster, for tests and benchmarks."""

import re

import factory
from django.utils.text import slugify

from members.models import AreaCouncil, Chapter, Local, Member, Sector, Standing


def _mailbox(name):
    return re.sub(r"[^a-z0-9]", "", name.lower()) or "member"


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Sector {n}")
    slug = factory.LazyAttribute(lambda sector: slugify(sector.name))


class AreaCouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaCouncil
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Area Council {n}")
    slug = factory.LazyAttribute(lambda council: slugify(council.name))


class LocalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Local

    # Local numbers from 100 up, so tests can pick small numbers of their own.
    number = factory.Sequence(lambda n: 100 + n)
    name = factory.LazyAttribute(lambda local: f"Local {local.number} worksites")
    sector = factory.SubFactory(SectorFactory)
    area_council = None


class ChapterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chapter

    local = factory.SubFactory(LocalFactory)
    number = factory.Sequence(lambda n: 1 + n)
    name = factory.LazyAttribute(lambda chapter: f"Chapter {chapter.number}")


class MemberFactory(factory.django.DjangoModelFactory):
    """A member in good standing. Member IDs count up from 500000, leaving the
    low numbers for tests that spell their member IDs out."""

    class Meta:
        model = Member

    member_id = factory.Sequence(lambda n: f"{500000 + n:06d}")
    given_name = factory.Faker("first_name", locale="en_CA")
    family_name = factory.Faker("last_name", locale="en_CA")
    local = factory.SubFactory(LocalFactory)
    chapter = None
    email = factory.LazyAttribute(
        lambda member: f"{_mailbox(member.given_name)}.{member.member_id}@example.org"
    )
    city = "Edmonton"
    province = "AB"
    standing = Standing.ACTIVE
