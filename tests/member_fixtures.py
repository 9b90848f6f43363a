"""Members with site accounts, for tests of member pages."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from members.factories import ChapterFactory, LocalFactory, MemberFactory, SectorFactory


def give_account(member, *, verified=True, password="correct horse battery staple"):
    """Create the member's site account (as the activation link would) and return the user."""
    user = get_user_model().objects.create_user(
        username=f"member-{member.member_id}",
        email=member.email,
        password=password,
        first_name=member.given_name,
        last_name=member.family_name,
    )
    EmailAddress.objects.create(user=user, email=member.email, primary=True, verified=verified)
    member.account = user
    member.save(update_fields=["account"])
    return user


def two_chapters():
    """Two Chapters in two Locals of two sectors: the smallest union that can differ."""
    health = SectorFactory(name="Health care", slug="health-care")
    education = SectorFactory(name="Education", slug="education")
    chapter_a = ChapterFactory(
        local=LocalFactory(number=12, sector=health), number=1, name="North Ward"
    )
    chapter_b = ChapterFactory(
        local=LocalFactory(number=34, sector=education), number=1, name="Lakeside School"
    )
    return chapter_a, chapter_b


def member_of(chapter, **kwargs):
    return MemberFactory(local=chapter.local, chapter=chapter, **kwargs)
