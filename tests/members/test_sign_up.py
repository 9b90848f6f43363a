"""Signing up with a member ID: the page tells nobody anything, the task does the work,
and an address the roster does not hold gets an account that waits for the Member
Resource Centre.

The page's promises: every valid request gets the same answer, and the request does
the same work whatever the roster holds (it queues one task), so neither the answer
nor its timing says whether a member ID exists. The emails: only the address typed in
hears about the request, except that the roster's address hears when someone asks for
the member's account with a new one; an email to an address the roster does not hold
carries nothing from the roster.
"""

import re
import smtplib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import AudienceKind
from members.factories import ChapterFactory, LocalFactory, MemberFactory
from members.models import Member
from members.tasks import answer_sign_up
from tests.member_fixtures import give_account

pytestmark = pytest.mark.django_db

SIGN_UP = "/account/sign-up/"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

ROSTER_EMAIL = "ada.okafor@example.org"
NEW_EMAIL = "ada.new@example.net"
# What the roster holds about the member beyond what a person signing up types in.
ROSTER_ONLY = [ROSTER_EMAIL, "Adaeze", "780-555-0123", "12 Birch Street", "Riverside General"]


def sign_up(client, member_id, family_name, email, *, ip="203.0.113.5"):
    return client.post(
        SIGN_UP,
        {"member_id": member_id, "family_name": family_name, "email": email},
        REMOTE_ADDR=ip,
    )


def activation_link(message):
    match = re.search(r"http://testserver(/account/activate/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def mail_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def activate(client, message, password="plum orchard ladder 42"):
    link = activation_link(message)
    response = client.post(link, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302, response.content
    return response


def assert_carries_nothing_from_the_roster(message):
    text = message.subject + message.body
    leaked = [value for value in ROSTER_ONLY if value.casefold() in text.casefold()]
    assert leaked == [], message.body


@pytest.fixture
def rostered(member_resource_centre):
    chapter = ChapterFactory(local=LocalFactory(number=41), number=1, name="Riverside General")
    return MemberFactory(
        member_id="004217",
        given_name="Adaeze",
        family_name="Okafor",
        email=ROSTER_EMAIL,
        phone="780-555-0123",
        address_line_1="12 Birch Street",
        local=chapter.local,
        chapter=chapter,
    )


# The page ------------------------------------------------------------------------------

# Every kind of request the roster can answer differently, and the page must not.
CASES = {
    "unknown ID": ("999999", "Nobody", "someone@example.org"),
    "all match": ("004217", "Okafor", ROSTER_EMAIL),
    "another address": ("004217", "Okafor", NEW_EMAIL),
    "wrong family name": ("004217", "Lind", "someone@example.org"),
}


def test_the_page_gives_every_valid_request_the_same_answer(rostered):
    answers = []
    for member_id, family_name, email in CASES.values():
        response = sign_up(Client(), member_id, family_name, email)
        answers.append(
            (response.status_code, response["Location"], response.content, sorted(response.cookies))
        )

    assert answers == [answers[0]] * len(CASES)
    assert answers[0][:2] == (302, reverse("members:sign_up_sent"))


def normalised(queries):
    """The SQL of each query with its values taken out: what kind of work it was."""
    return [
        re.sub(r"\b\d+\b", "?", re.sub(r"'(?:[^']|'')*'", "?", query["sql"])) for query in queries
    ]


@override_settings(TASKS=DUMMY_TASKS)
def test_the_request_does_the_same_work_for_every_case_and_leaves_the_roster_to_the_task(
    rostered,
):
    backend = answer_sign_up.get_backend()
    users_before = get_user_model().objects.count()
    work = {}
    for case, (member_id, family_name, email) in CASES.items():
        with CaptureQueriesContext(connection) as queries:
            response = sign_up(Client(), member_id, family_name, email)
        assert response.status_code == 302
        work[case] = normalised(queries.captured_queries)

    # The same queries in each case: none, as the request only queues the task.
    assert work == {case: [] for case in CASES}
    # Nothing was decided in the request: no account, no email, one task a request.
    assert get_user_model().objects.count() == users_before
    assert mail.outbox == []
    assert [(result.task.name, result.kwargs) for result in backend.results] == [
        (
            "answer_sign_up",
            {
                "member_id": member_id,
                "family_name": family_name,
                "email": email,
                "site_url": "http://testserver/",
            },
        )
        for member_id, family_name, email in CASES.values()
    ]

    for result in backend.results:  # what the worker does, later
        result.task.call(*result.args, **result.kwargs)

    rostered.refresh_from_db()
    assert rostered.account.email == ROSTER_EMAIL and not rostered.account_needs_approval
    # "another address" came after the account was made: it was told so, and the roster
    # address heard about it; the unknown ID and wrong name got the same "no match".
    assert [m.to for m in mail.outbox] == [
        ["someone@example.org"],
        [ROSTER_EMAIL],
        [NEW_EMAIL],
        [ROSTER_EMAIL],
        ["someone@example.org"],
    ]
    assert (mail.outbox[0].subject, mail.outbox[0].body) == (
        mail.outbox[4].subject,
        mail.outbox[4].body,
    )


# The worker commits as it goes, as in production: this test runs outside a rolled-back
# transaction, and the database is put back as migrations left it afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_queue_the_request_only_writes_the_task_and_the_worker_answers(
    rostered,
):
    work = {}
    for case, (member_id, family_name, email) in CASES.items():
        with CaptureQueriesContext(connection) as queries:
            sign_up(Client(), member_id, family_name, email)
        work[case] = normalised(queries.captured_queries)

    first = work["unknown ID"]
    assert len(first) == 1 and first[0].startswith(f'INSERT INTO "{DBTaskResult._meta.db_table}"')
    assert all(queries == first for queries in work.values()), work
    rostered.refresh_from_db()
    assert rostered.account is None and mail.outbox == []

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    rostered.refresh_from_db()
    assert rostered.account.email == ROSTER_EMAIL
    assert len(mail.outbox) == 5


# What the task does --------------------------------------------------------------------
# The test settings' immediate backend runs the task as it is queued, so from here on a
# request's emails are in the outbox when it returns.


def test_matching_roster_email_creates_an_account_that_activates_by_link(client, rostered):
    sign_up(client, "004217", "okafor", "Ada.Okafor@example.org")

    rostered.refresh_from_db()
    user = rostered.account
    assert user is not None and not user.has_usable_password()
    assert not rostered.account_needs_approval
    assert not EmailAddress.objects.get(user=user).verified
    [message] = mail.outbox
    assert message.to == [ROSTER_EMAIL] and "Hello Adaeze" in message.body

    link = activation_link(message)
    assert client.get(link).status_code == 200
    response = activate(client, message)
    assert response["Location"] == reverse("members:dashboard")
    assert EmailAddress.objects.get(user=user).verified
    # The link works once only.
    assert client.get(link).status_code == 400

    client.logout()
    signed_in = client.post(
        reverse("account_login"), {"login": ROSTER_EMAIL, "password": "plum orchard ladder 42"}
    )
    assert signed_in.status_code == 302
    dashboard = client.get(reverse("members:dashboard")).content.decode()
    assert "Hello Adaeze" in dashboard
    assert "waiting for approval" not in dashboard


def test_another_address_gets_an_account_waiting_for_approval_and_the_roster_address_is_told(
    client, rostered
):
    sign_up(client, "004217", "Okafor", NEW_EMAIL)

    rostered.refresh_from_db()
    assert rostered.account.email == NEW_EMAIL
    assert rostered.account_needs_approval
    assert rostered.email == ROSTER_EMAIL  # the roster changes only when staff change it

    [answer] = mail_to(NEW_EMAIL)
    assert "/account/activate/" in answer.body
    # Plain words: what happens, what to do, whom to call.
    assert "Member Resource Centre will confirm the account is yours" in answer.body
    assert "780-555-0100" in answer.body
    assert_carries_nothing_from_the_roster(answer)

    [notice] = mail_to(ROSTER_EMAIL)
    assert "Hello Adaeze" in notice.body
    assert "giving an email address that is not this one" in notice.body
    assert "If it was not you: call the Member Resource Centre at 780-555-0100" in notice.body
    assert "No new account was made" not in notice.body
    # The new address is not passed on: the old one may no longer be the member's.
    assert NEW_EMAIL not in notice.body and "/account/" not in notice.body
    assert len(mail.outbox) == 2


def test_no_roster_email_gets_the_same_answer_as_another_address_and_nobody_else_hears(
    client, rostered, member_resource_centre
):
    no_email = MemberFactory(member_id="000731", family_name="Tremblay", email="")

    sign_up(client, "000731", "Tremblay", "tremblay.home@example.org")
    sign_up(client, "004217", "Okafor", NEW_EMAIL)

    no_email.refresh_from_db()
    assert no_email.account.email == "tremblay.home@example.org"
    assert no_email.account_needs_approval
    [no_email_answer] = mail_to("tremblay.home@example.org")
    [new_address_answer] = mail_to(NEW_EMAIL)
    # Word for word the same but for the link: the answer does not say whether the
    # roster has an address for the member.
    assert no_email_answer.subject == new_address_answer.subject

    def without_link(message):
        return re.sub(r"/account/activate/\S+", "", message.body)

    assert without_link(no_email_answer) == without_link(new_address_answer)
    assert len(mail.outbox) == 3  # the two answers and the roster address's notice


def test_the_link_verifies_the_new_address_and_the_account_waits_until_staff_approve(
    rostered, units_with_a_meeting, membership_staff
):
    client = Client()
    sign_up(client, "004217", "Okafor", NEW_EMAIL)
    activate(client, mail_to(NEW_EMAIL)[0])
    user = Member.objects.get(pk=rostered.pk).account
    assert EmailAddress.objects.get(user=user, email=NEW_EMAIL).verified

    # Signed in, but not yet a voter, and told why in plain words.
    dashboard = client.get(reverse("members:dashboard")).content.decode()
    assert "Your account is waiting for approval" in dashboard
    [meeting] = client.get("/api/member/v1/meetings/").json()
    assert meeting["eligible"] is False
    assert "Member Resource Centre has not yet confirmed your account" in meeting["reason"]

    # Membership staff find the account among those waiting, see its address, approve it.
    staff = Client()
    staff.force_login(membership_staff)
    waiting = staff.get("/admin/members/member/", {"account_needs_approval__exact": "1"})
    assert "Okafor, Adaeze" in waiting.content.decode()
    edit_url = f"/admin/members/member/edit/{rostered.pk}/"
    edit_form = staff.get(edit_url).content.decode()
    assert NEW_EMAIL in edit_form and "not the personal email above" in edit_form
    response = staff.post(edit_url, roster_form(rostered, email=NEW_EMAIL))
    assert response.status_code == 302

    rostered.refresh_from_db()
    assert not rostered.account_needs_approval and rostered.email == NEW_EMAIL
    [meeting] = client.get("/api/member/v1/meetings/").json()
    assert meeting["eligible"] is True
    assert "waiting for approval" not in client.get(reverse("members:dashboard")).content.decode()


def test_a_wrong_family_name_gets_exactly_what_an_unknown_id_gets(client, rostered):
    sign_up(client, "999999", "Okafor", "someone@example.org")
    sign_up(client, "004217", "Lind", "someone@example.org", ip="203.0.113.6")

    rostered.refresh_from_db()
    assert rostered.account is None
    unknown, wrong_name = mail.outbox  # nothing to the roster's address
    assert unknown.to == wrong_name.to == ["someone@example.org"]
    assert (unknown.subject, unknown.body) == (wrong_name.subject, wrong_name.body)
    assert "/account/activate/" not in wrong_name.body
    assert_carries_nothing_from_the_roster(wrong_name)


def test_another_address_for_a_member_with_an_account_creates_nothing_and_says_what_to_do(
    client, rostered
):
    give_account(rostered)
    users_before = get_user_model().objects.count()

    sign_up(client, "004217", "Okafor", NEW_EMAIL)

    assert get_user_model().objects.count() == users_before
    [answer] = mail_to(NEW_EMAIL)
    assert "already an account for that member ID" in answer.body
    assert "call the Member Resource Centre at 780-555-0100" in answer.body
    assert "/account/activate/" not in answer.body
    assert_carries_nothing_from_the_roster(answer)
    [notice] = mail_to(ROSTER_EMAIL)
    assert "giving an email address that is not this one" in notice.body
    assert "No new account was made" in notice.body and NEW_EMAIL not in notice.body


def test_second_sign_up_for_a_claimed_id_reminds_the_owner_and_creates_nothing(client, rostered):
    give_account(rostered)
    users_before = get_user_model().objects.count()

    sign_up(client, "004217", "Okafor", ROSTER_EMAIL)

    assert get_user_model().objects.count() == users_before
    [message] = mail.outbox
    assert message.to == [ROSTER_EMAIL] and "already have one" in message.body


def test_an_address_another_account_uses_gets_no_account(client, rostered):
    get_user_model().objects.create_user("organiser", NEW_EMAIL, "a long passphrase")

    sign_up(client, "004217", "Okafor", NEW_EMAIL)

    rostered.refresh_from_db()
    assert rostered.account is None
    [message] = mail.outbox
    assert message.to == [NEW_EMAIL] and "each address can open one account only" in message.body


def test_double_sign_up_links_one_account(client, rostered):
    sign_up(client, "004217", "Okafor", ROSTER_EMAIL)
    sign_up(client, "004217", "Okafor", ROSTER_EMAIL, ip="203.0.113.9")

    assert get_user_model().objects.filter(email__iexact=ROSTER_EMAIL).count() == 1
    assert Member.objects.get(member_id="004217").account is not None


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"
)


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_answering_the_same_member_at_once_make_one_account(rostered):
    start = threading.Barrier(4)

    def worker(n):
        try:
            start.wait()
            answer_sign_up.call("004217", "Okafor", [ROSTER_EMAIL, NEW_EMAIL][n % 2], "http://x/")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(worker, range(4)))

    rostered.refresh_from_db()
    assert get_user_model().objects.filter(email__in=[ROSTER_EMAIL, NEW_EMAIL]).count() == 1
    assert rostered.account is not None
    # One of the four made the account; the other three were told it exists.
    assert sum("/account/activate/" in message.body for message in mail.outbox) == 1


class RefusingMailBackend(LocmemBackend):
    """The test outbox, except that the mail server refuses everything."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_when_the_mail_server_refuses_no_account_is_left_and_asking_again_works(client, rostered):
    with override_settings(EMAIL_BACKEND=f"{__name__}.RefusingMailBackend"):
        response = sign_up(client, "004217", "Okafor", NEW_EMAIL)

    assert response.status_code == 302  # the page never knows
    rostered.refresh_from_db()
    assert rostered.account is None
    assert not get_user_model().objects.filter(email=NEW_EMAIL).exists()

    sign_up(client, "004217", "Okafor", NEW_EMAIL, ip="203.0.113.6")
    rostered.refresh_from_db()
    assert rostered.account.email == NEW_EMAIL


# While an account waits for approval --------------------------------------------------


def pending_account(member):
    user = give_account(member)
    Member.objects.filter(pk=member.pk).update(account_needs_approval=True)
    client = Client()
    client.force_login(user)
    return client


def test_an_account_waiting_for_approval_sees_and_changes_nothing_on_my_information(rostered):
    client = pending_account(rostered)

    page = client.get(reverse("members:my_information"))
    posted = client.post(reverse("members:my_information"), {"refuses_email": "on"})

    text = page.content.decode()
    assert "waiting for approval" in text and "780-555-0100" in text
    assert [value for value in ROSTER_ONLY if value in text] == []
    assert "<form" not in text.split("<main", 1)[-1]
    assert posted.status_code == 200
    rostered.refresh_from_db()
    assert not rostered.refuses_email


def test_a_chair_whose_account_waits_for_approval_sees_no_contact_list(rostered):
    chapter = rostered.chapter
    chapter.chair = rostered
    chapter.save()
    client = pending_account(rostered)

    url = reverse("members:chair_chapter", args=[chapter.local.number, chapter.number])
    response = client.get(url)

    assert response.status_code == 403


# Form errors and rate limits -------------------------------------------------------------


def test_malformed_member_id_is_refused_with_a_clear_message_and_no_email(client):
    response = sign_up(client, "12a45", "Okafor", "ada@example.org")

    assert response.status_code == 200
    assert "exactly six digits" in response.content.decode()
    assert mail.outbox == []


def test_the_form_says_what_happens_with_an_address_not_on_file(client):
    page = client.get(SIGN_UP).content.decode()

    assert "If it is not the one we have on file, the Member Resource Centre" in page


def test_sign_up_is_rate_limited_per_member_id(client, rostered):
    for attempt in range(3):
        response = sign_up(
            client, "004217", "Wrong", f"x{attempt}@example.org", ip=f"198.51.100.{attempt}"
        )
        assert response.status_code == 302

    limited = sign_up(client, "004217", "Wrong", "x9@example.org", ip="198.51.100.77")

    assert limited.status_code == 429
    assert len(mail.outbox) == 3


def test_sign_up_is_rate_limited_per_ip(client):
    for n in range(10):
        assert sign_up(client, f"{n:06d}", "Nobody", "n@example.org").status_code == 302

    assert sign_up(client, "000099", "Nobody", "n@example.org").status_code == 429


# Fixtures for the approval journey -------------------------------------------------------


@pytest.fixture
def units_with_a_meeting(rostered, home_page):
    return MeetingPageFactory(
        parent=MeetingIndexPageFactory(parent=home_page),
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=rostered.chapter,
    )


@pytest.fixture
def membership_staff(db):
    from django.contrib.auth.models import Group

    from staff.roles import MEMBERSHIP_STAFF

    user = get_user_model().objects.create_user(
        "membership", "membership@northwind.example", "a long passphrase"
    )
    user.groups.add(Group.objects.get(name=MEMBERSHIP_STAFF))
    return user


def roster_form(member, **changes):
    """The roster edit form as staff submit it, with approval unticked."""
    fields = {
        "member_id": member.member_id,
        "standing": member.standing,
        "given_name": member.given_name,
        "family_name": member.family_name,
        "local": member.local_id,
        "chapter": member.chapter_id or "",
        "email": member.email,
        "phone": member.phone,
        "address_line_1": member.address_line_1,
        "address_line_2": member.address_line_2,
        "city": member.city,
        "province": member.province,
        "postal_code": member.postal_code,
        "wants_meeting_notices": "on",
        "wants_newsletter": "on",
    }
    return {**fields, **changes}
