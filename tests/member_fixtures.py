"""Members with site accounts, for tests of member pages."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

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


def save_my_choices(client, member, *ticked):
    """Save the My information form with only the ``ticked`` boxes on, as ``member``'s
    signed-in ``client``; the answer (``member`` is reloaded)."""
    response = client.post(reverse("members:my_information"), dict.fromkeys(ticked, "on"))
    member.refresh_from_db()
    return response


def members_only(heading, text=None, *, sectors=(), locals_=(), chapters=()):
    """A members-only section for a page's body (as JSON): shown to members of the
    sectors, Locals and Chapters given (every member when none are), with ``text``
    (the heading, when not given) as its one paragraph."""
    paragraph = text or f"{heading}."
    return {
        "type": "members_only",
        "value": {
            "heading": heading,
            "content": [{"type": "text", "value": {"heading": "", "text": f"<p>{paragraph}</p>"}}],
            "sectors": [s.pk for s in sectors],
            "locals": [u.pk for u in locals_],
            "chapters": [c.pk for c in chapters],
            "invite_sign_in": True,
        },
    }


def member_of(chapter, **kwargs):
    return MemberFactory(local=chapter.local, chapter=chapter, **kwargs)


def member_with_account(chapter, **kwargs):
    """A member of ``chapter`` who has activated their site account."""
    member = member_of(chapter, **kwargs)
    give_account(member)
    return member
