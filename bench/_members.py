"""The members, meetings and sign-ins the benchmarks make before anything is timed."""

import datetime
import io
import random

MEMBER_IDS_FROM = 600000  # the burst's members: 600000, 600001, …


def chapter_meeting(**fields):
    """A Chapter AGM under way (started 10 minutes ago), with the structure it needs."""
    from django.utils import timezone

    from home.factories import build_site
    from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
    from meetings.models import AudienceKind
    from members.models import Chapter, Local, Sector

    home = build_site()
    sector = Sector.objects.create(name="Health care", slug="health-care")
    local = Local.objects.create(number=41, name="Riverside Health", sector=sector)
    chapter = Chapter.objects.create(local=local, number=1, name="Riverside General")
    now = timezone.now()
    return MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home),
        slug="riverside-agm",
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=chapter,
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
        **fields,
    )


def make_meeting_and_members(count=2_000):
    """A Chapter AGM under way, `count` eligible members with confirmed accounts, a chair:
    (meeting, members, users, chair)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from members.models import Member

    User = get_user_model()
    meeting = chapter_meeting(title="Riverside General Chapter AGM")
    chapter = meeting.audience_chapter
    unusable = make_password(None)  # sessions are made directly: no password needed
    numbers = range(MEMBER_IDS_FROM, MEMBER_IDS_FROM + count)
    users = User.objects.bulk_create(
        User(username=f"member-{n}", email=f"member{n}@example.org", password=unusable)
        for n in numbers
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
    )
    members = Member.objects.bulk_create(
        Member(
            member_id=f"{n:06d}",
            given_name="Member",
            family_name=f"Number {n - MEMBER_IDS_FROM}",
            local=chapter.local,
            chapter=chapter,
            email=user.email,
            account=user,
        )
        for n, user in zip(numbers, users, strict=True)
    )
    chair = User.objects.create_user("chair", "chair@northwind.example", None)
    return meeting, members, users, chair


def open_motion(meeting, chair, position):
    """A new motion on the meeting, opened by the chair: (item, its choices in order)."""
    from meetings.ballots.chairing import open_item
    from meetings.ballots.models import BallotItem, Choice

    item = BallotItem.objects.create(
        meeting=meeting,
        position=position,
        kind=BallotItem.Kind.MOTION,
        title=f"Motion {position}: safe staffing on every night shift",
    )
    item = open_item(item, chair)
    unlock_ballots(meeting)
    return item, list(Choice.objects.filter(item=item).order_by("position"))


def unlock_ballots(meeting, passphrase=None):
    """The meeting's scrutineer unlocks its sealed ballots into the shared cache (as on
    the chair's page), unless they are unlocked already: closing an item counts it then.
    The scrutineer is the meetings factory's unless `passphrase` says otherwise."""
    from meetings.ballots.sealing import current_meeting_key, is_unlocked, unlock_meeting
    from meetings.factories import SCRUTINEER_PASSPHRASE

    if not is_unlocked(current_meeting_key(meeting)):
        unlock_meeting(meeting, meeting.scrutineers.first(), passphrase or SCRUTINEER_PASSPHRASE)


def sign_in(users, backend="members.auth_backends.ModelBackend"):
    """A session (as `login` through `backend` leaves it: in the database and, with the
    cached_db engine, in the shared cache) and a CSRF cookie/token pair for every user:
    [(Cookie header value, form token)]."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from django.utils import timezone

    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    age = 24 * 3600
    expires = timezone.now() + datetime.timedelta(seconds=age)
    sessions, cached, credentials = [], {}, []
    for user in users:
        key = store._get_new_session_key()
        session = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(session), expire_date=expires)
        )
        cached[key] = session
        secret = _get_new_csrf_string()
        credentials.append((f"sessionid={key}; csrftoken={secret}", _mask_cipher_secret(secret)))
    Session.objects.bulk_create(sessions, batch_size=500)
    prefix = getattr(store, "cache_key_prefix", None)  # cached_db: login fills the cache too
    if prefix:
        cache = caches[settings.SESSION_CACHE_ALIAS]
        cache.set_many({prefix + key: data for key, data in cached.items()}, timeout=age)
    return credentials


def api_tokens(users):
    """A member API token for every user, stored hashed as `issue_token` stores it."""
    import secrets

    from rest_framework.authtoken.models import Token

    from members.api.access import token_digest

    keys = [secrets.token_hex(20) for _ in users]
    Token.objects.bulk_create(
        Token(user=user, key=token_digest(key)) for user, key in zip(users, keys, strict=True)
    )
    return keys


# The demo content ------------------------------------------------------------------------


def load_demo():
    """The demo content, quietly; returns its Chapter AGM."""
    from django.core.management import call_command

    from meetings.models import MeetingPage

    call_command("load_demo", stdout=io.StringIO())
    return MeetingPage.objects.get(slug="riverside-chapter-agm")


def eligible_members(meeting, count):
    """`count` members of the meeting's Chapter with confirmed accounts: the demo's own
    Chapter member first (Maya Okonkwo), then roster members given an account, then
    new members if the roster is short."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from members.models import Member, Standing

    chapter = meeting.audience_chapter
    in_chapter = Member.objects.filter(chapter=chapter, standing=Standing.ACTIVE)
    with_account = list(in_chapter.filter(member_id="000011", account__isnull=False))
    others = list(in_chapter.filter(account__isnull=True).order_by("member_id")[: count - 1])
    for n in range(count - len(with_account) - len(others)):
        others.append(
            Member.objects.create(
                member_id=f"{700000 + n:06d}",
                given_name="Bench",
                family_name=f"Member {n}",
                local=chapter.local,
                chapter=chapter,
                email=f"bench.member.{n}@members.northwind.example",
            )
        )
    unusable = make_password(None)  # sessions are made directly: no password needed
    User = get_user_model()
    for member in others:
        email = member.email or f"member.{member.member_id}@members.northwind.example"
        user = User.objects.create(
            username=f"member-{member.member_id}", email=email, password=unusable
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        member.account = user
        member.save(update_fields=["account"])
    members = with_account + others
    assert all(meeting.is_eligible(member) for member in members), "a member is not eligible"
    return members


def meeting_under_way(meeting, members):
    """Halfway through the demo ballot: every member has voted on the motion, which the
    chair has closed (so the page shows its result and the list of counted receipts),
    and the budget is open. Returns the open item."""
    from meetings.attendance.register import arrive
    from meetings.ballots.casting import cast_vote
    from meetings.ballots.chairing import close_item, open_item
    from meetings.ballots.models import BallotItem
    from staff.demo import BALLOT_PASSPHRASE

    chair = meeting.chairs.first()
    motion, budget = BallotItem.objects.filter(meeting=meeting).order_by("position")[:2]
    for member in members:  # the voters are in the room: the meeting has its quorum
        arrive(meeting, member)
    motion = open_item(motion, chair)
    unlock_ballots(meeting, BALLOT_PASSPHRASE)  # the demo scrutineer's
    choices = list(motion.choices.order_by("position"))
    rng = random.Random(2026)  # noqa: S311 - repeatable test data, not secrets
    for member in members:
        cast_vote(member, motion, [rng.choices(choices, weights=[6, 3, 1])[0].pk])
    close_item(motion, chair)
    return open_item(budget, chair)
