"""Emailed meeting notices: once per meeting to the members who may attend and want them,
again when the time moves, sent in the background, retried until they go out exactly once."""

import datetime
import itertools
import smtplib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import icalendar
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connections as db_connections
from django.db import transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from wagtail.models import Revision

from meetings.factories import GuidePageFactory, MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import AudienceKind, MeetingNotice, NoticeDelivery
from meetings.notices import sending as notices
from meetings.notices.tasks import send_meeting_notices
from members.factories import AreaCouncilFactory, LocalFactory, MemberFactory
from members.models import Member, Standing
from tests.meeting_fixtures import aimed_at
from tests.member_fixtures import give_account, member_of, two_chapters

pytestmark = pytest.mark.django_db

Status = NoticeDelivery.Status
JOINING_DETAILS = ["video.northwind.example", "867 5309", "AGM2027", "1-800-555-0177"]
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class FailingForSomeBackend(LocmemBackend):
    """The test outbox, except that mail to the addresses in `failing` is refused."""

    failing = set()

    def send_messages(self, messages):
        for message in messages:
            refused = set(message.to) & self.failing
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    {address: (550, b"Mailbox unavailable") for address in refused}
                )
        return super().send_messages(messages)


@pytest.fixture
def failing_mail():
    FailingForSomeBackend.failing = set()
    with override_settings(EMAIL_BACKEND=f"{__name__}.FailingForSomeBackend"):
        yield FailingForSomeBackend.failing
    FailingForSomeBackend.failing = set()


@pytest.fixture
def units(home_page, member_resource_centre):
    chapter_a, chapter_b = two_chapters()
    chapter_a.local.area_council = AreaCouncilFactory(name="Capital Region", slug="capital")
    chapter_a.local.save()
    chapter_b.local.area_council = AreaCouncilFactory(name="Northern Lakes", slug="northern")
    chapter_b.local.save()
    return {"a": chapter_a, "b": chapter_b, "index": MeetingIndexPageFactory(parent=home_page)}


def chapter_meeting(units, **fields):
    return MeetingPageFactory(
        parent=units["index"],
        audience_kind=AudienceKind.CHAPTER,
        audience_chapter=units["a"],
        **fields,
    )


def publish(page, django_capture_on_commit_callbacks):
    """Publish as the admin does, and run what waits for the commit (the sending task)."""
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()


def confirmed_member(chapter, **fields):
    member = member_of(chapter, **fields)
    give_account(member)
    return member


@pytest.fixture
def audience(units):
    """Members of Chapter A's meeting audience and around it; only the first two get the notice."""
    a, b = units["a"], units["b"]
    no_email = confirmed_member(a)
    no_email.email = ""
    no_email.save()
    unverified = member_of(a)
    give_account(unverified, verified=False)
    return {
        "gets_it": [confirmed_member(a), confirmed_member(a)],
        "left_out": {
            "outside the audience": confirmed_member(b),
            "suspended": confirmed_member(a, standing=Standing.SUSPENDED),
            "lapsed": confirmed_member(a, standing=Standing.LAPSED),
            "unverified account": unverified,
            "no account": member_of(a),
            "account awaiting approval": confirmed_member(a, account_needs_approval=True),
            "turned meeting notices off": confirmed_member(a, wants_meeting_notices=False),
            "refuses email": confirmed_member(a, refuses_email=True),
            "no email on the roster": no_email,
        },
    }


def recipients(messages):
    return sorted(address for message in messages for address in message.to)


# Who gets it ------------------------------------------------------------------------


def test_first_publish_emails_one_notice_to_each_eligible_member_who_wants_it(
    units, audience, django_capture_on_commit_callbacks
):
    meeting = chapter_meeting(units)

    publish(meeting, django_capture_on_commit_callbacks)

    expected = sorted(member.email for member in audience["gets_it"])
    assert recipients(mail.outbox) == expected
    assert all(len(message.to) == 1 for message in mail.outbox)
    assert mail.outbox[0].subject == f"[Northwind] Notice of meeting: {meeting.title}"
    notice = MeetingNotice.objects.get()
    assert notice.kind == MeetingNotice.Kind.INITIAL and notice.starts_at == meeting.starts_at
    deliveries = notice.deliveries.all()
    assert {d.member_id for d in deliveries} == {m.pk for m in audience["gets_it"]}
    assert all(d.status == Status.SENT and d.attempts == 1 and d.sent_at for d in deliveries)


AUDIENCE_KINDS = [
    AudienceKind.UNION,
    AudienceKind.SECTOR,
    AudienceKind.AREA_COUNCIL,
    AudienceKind.LOCAL,
    AudienceKind.CHAPTER,
]


@pytest.mark.parametrize("kind", AUDIENCE_KINDS)
def test_eligible_members_query_agrees_with_the_eligibility_rule(units, kind):
    a, b = units["a"], units["b"]
    for chapter, standing, verified, approval in itertools.product(
        [a, b], list(Standing), [True, False, None], [False, True]
    ):
        member = member_of(chapter, standing=standing, account_needs_approval=approval)
        if verified is not None:
            give_account(member, verified=verified)
    # A member of Chapter A's Local outside any Chapter, and one of a Local with no Area Council.
    give_account(MemberFactory(local=a.local))
    give_account(MemberFactory(local=LocalFactory(sector=a.local.sector, area_council=None)))
    meeting = MeetingPageFactory(parent=units["index"], **aimed_at(kind, a))

    by_rule = {m.pk for m in Member.objects.select_related("local") if meeting.eligibility(m)}
    by_query = set(meeting.eligible_members().values_list("pk", flat=True))

    assert by_query == by_rule
    assert by_rule  # the matrix has someone eligible for every kind of audience


def test_building_the_recipient_list_takes_the_same_queries_for_10_and_100_members(
    units, django_assert_max_num_queries
):
    small = chapter_meeting(units)
    big_chapter = units["b"]
    big = MeetingPageFactory(
        parent=units["index"], audience_kind=AudienceKind.CHAPTER, audience_chapter=big_chapter
    )
    for _ in range(10):
        confirmed_member(units["a"])
    for _ in range(100):
        confirmed_member(big_chapter)

    with CaptureQueriesContext(transaction.get_connection()) as for_ten:
        notices.record_meeting_notice(small)
    with django_assert_max_num_queries(len(for_ten)):
        notices.record_meeting_notice(big)

    assert NoticeDelivery.objects.filter(notice__meeting=small).count() == 10
    assert NoticeDelivery.objects.filter(notice__meeting=big).count() == 100


def test_sending_takes_the_same_queries_for_10_and_100_members(units):
    small, big = chapter_meeting(units), chapter_meeting(units)
    members = [confirmed_member(units["a"]) for _ in range(100)]
    small_notice = notices.record_meeting_notice(small)
    NoticeDelivery.objects.filter(notice=small_notice).exclude(
        member__in=[m.pk for m in members[:10]]
    ).delete()
    big_notice = notices.record_meeting_notice(big)

    small.get_full_url()  # Wagtail caches the site's root paths on first use
    counts = []
    for notice in (small_notice, big_notice):
        with CaptureQueriesContext(transaction.get_connection()) as queries:
            notices.send_due_deliveries(notice_id=notice.pk, batch_size=200)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert len(mail.outbox) == 110


# What it says -------------------------------------------------------------------------


def test_notice_has_an_html_alternative_and_a_calendar_entry_that_parses(
    units, audience, django_capture_on_commit_callbacks
):
    meeting = chapter_meeting(units)

    publish(meeting, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert message.content_subtype == "plain"
    [(html, html_type)] = message.alternatives
    assert html_type == "text/html" and html.lstrip().startswith("<!DOCTYPE html>")
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"{meeting.slug}.ics" and mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == meeting.title
    # Calendar times are to the second.
    assert event.decoded("dtstart") == meeting.starts_at.replace(microsecond=0)
    assert event.decoded("dtend") == meeting.ends_at.replace(microsecond=0)
    assert str(event["url"]) == meeting.get_full_url()
    assert str(event["uid"]) == f"meeting-{meeting.pk}@localhost"


def test_notice_says_what_when_who_and_how_to_join_in_plain_words(
    units, audience, guide_index, django_capture_on_commit_callbacks
):
    guide = GuidePageFactory(parent=guide_index, title="Taking part in a virtual AGM")
    meeting = chapter_meeting(
        units,
        title="Chapter 012/001 Annual General Meeting",
        time_zone="America/Toronto",
        starts_at=datetime.datetime(2099, 3, 4, 23, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2099, 3, 5, 1, 0, tzinfo=datetime.UTC),
        guide=guide,
    )

    publish(meeting, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    member = Member.objects.get(email=message.to[0])
    for text in (message.body, html):
        assert f"Dear {member.given_name}" in text
        assert "Chapter 012/001 Annual General Meeting" in text
        assert "Members of Chapter 012/001 – North Ward" in text
        # 23:00 UTC is 6 p.m. in Toronto: the meeting's own zone, not the server's.
        assert "Wednesday, March 4, 2099, 6:00 p.m. to 8:00 p.m. EST" in text
        assert "Eastern time (Toronto)" in text
        assert "http://localhost/account/login/" in text
        assert "http://localhost/my-union/" in text
        assert "Enter meeting" in text
        assert meeting.get_full_url() in text
        assert guide.get_full_url() in text and guide.title in text
        assert "Member Resource Centre" in text and "780-555-0100" in text
        assert "http://localhost/my-union/my-information/" in text
    assert "&#x27;" not in message.body and "&amp;" not in message.body


def test_notice_never_contains_the_joining_details(
    units, audience, django_capture_on_commit_callbacks
):
    meeting = chapter_meeting(units)

    publish(meeting, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    everything = "\n".join(
        [message.subject, message.body, message.alternatives[0][0], message.attachments[0][1]]
    )
    for detail in JOINING_DETAILS:
        assert detail not in everything


# Once, and again only when the time moves ---------------------------------------------


def test_republishing_sends_nothing_more(units, audience, django_capture_on_commit_callbacks):
    meeting = chapter_meeting(units)
    publish(meeting, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    meeting.title = "Annual General Meeting (agenda updated)"
    publish(meeting, django_capture_on_commit_callbacks)
    publish(meeting, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert MeetingNotice.objects.count() == 1


def test_moving_the_start_time_sends_a_time_changed_notice_to_the_same_members(
    units, audience, django_capture_on_commit_callbacks
):
    meeting = chapter_meeting(units)
    publish(meeting, django_capture_on_commit_callbacks)
    first = recipients(mail.outbox)
    mail.outbox.clear()

    meeting.starts_at += datetime.timedelta(days=1)
    meeting.ends_at += datetime.timedelta(days=1)
    publish(meeting, django_capture_on_commit_callbacks)

    assert recipients(mail.outbox) == first
    message = mail.outbox[0]
    assert message.subject == f"[Northwind] Time changed: {meeting.title}"
    assert "The start time of this meeting has changed" in message.body
    [event] = icalendar.Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")
    assert event.decoded("dtstart") == meeting.starts_at.replace(microsecond=0)
    assert event["sequence"] == 1  # calendars replace the entry they already hold
    assert list(MeetingNotice.objects.values_list("kind", flat=True)) == [
        MeetingNotice.Kind.TIME_CHANGED,
        MeetingNotice.Kind.INITIAL,
    ]

    mail.outbox.clear()
    publish(meeting, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_time_change_cancels_copies_of_the_old_notice_not_yet_sent(
    units, audience, django_capture_on_commit_callbacks
):
    meeting = chapter_meeting(units)
    with override_settings(TASKS=DUMMY_TASKS):  # queued, but no worker has run yet
        publish(meeting, django_capture_on_commit_callbacks)
        assert mail.outbox == []

    meeting.starts_at += datetime.timedelta(hours=2)
    meeting.ends_at += datetime.timedelta(hours=2)
    publish(meeting, django_capture_on_commit_callbacks)
    call_command("send_meeting_notices", verbosity=0)

    subjects = {message.subject for message in mail.outbox}
    assert subjects == {f"[Northwind] Time changed: {meeting.title}"}
    assert len(mail.outbox) == len(audience["gets_it"])
    initial = MeetingNotice.objects.get(kind=MeetingNotice.Kind.INITIAL)
    assert set(initial.deliveries.values_list("status", flat=True)) == {Status.CANCELLED}


def test_publishing_a_meeting_that_has_started_sends_nothing(
    units, audience, django_capture_on_commit_callbacks
):
    meeting = chapter_meeting(units, starts_at=timezone.now() - datetime.timedelta(hours=1))

    publish(meeting, django_capture_on_commit_callbacks)

    assert mail.outbox == [] and not MeetingNotice.objects.exists()


def test_scheduled_publishing_sends_the_notice_when_the_page_goes_live(
    units, audience, django_capture_on_commit_callbacks
):
    meeting = chapter_meeting(
        units, live=False, go_live_at=timezone.now() + datetime.timedelta(hours=1)
    )
    publish(meeting, django_capture_on_commit_callbacks)
    assert mail.outbox == [] and not MeetingNotice.objects.exists()

    # The time comes: the scheduled revision's go-live time is now in the past.
    revision = Revision.objects.get(object_id=str(meeting.pk), approved_go_live_at__isnull=False)
    went_live = timezone.now() - datetime.timedelta(minutes=1)
    revision.content["go_live_at"] = went_live.isoformat()
    revision.approved_go_live_at = went_live
    revision.save()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled")

    assert len(mail.outbox) == len(audience["gets_it"])


def test_a_publish_that_rolls_back_leaves_no_notice_and_sends_nothing(
    units, audience, django_capture_on_commit_callbacks
):
    meeting = chapter_meeting(units)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        meeting.save_revision().publish()
        raise RuntimeError("the rest of the publish failed")

    assert not MeetingNotice.objects.exists()
    assert mail.outbox == []


def test_the_sweep_writes_down_a_notice_a_publish_missed(units, audience):
    meeting = chapter_meeting(units)  # live, but no publish signal ever ran for it

    call_command("send_meeting_notices", verbosity=0)
    call_command("send_meeting_notices", verbosity=0)

    assert MeetingNotice.objects.get().meeting_id == meeting.pk
    assert recipients(mail.outbox) == sorted(m.email for m in audience["gets_it"])


def test_a_member_who_turns_email_off_before_sending_is_not_emailed(
    units, audience, django_capture_on_commit_callbacks
):
    meeting = chapter_meeting(units)
    with override_settings(TASKS=DUMMY_TASKS):
        publish(meeting, django_capture_on_commit_callbacks)
    changed_mind, other = audience["gets_it"]
    Member.objects.filter(pk=changed_mind.pk).update(refuses_email=True)

    call_command("send_meeting_notices", verbosity=0)

    assert recipients(mail.outbox) == [other.email]
    assert NoticeDelivery.objects.get(member=changed_mind).status == Status.CANCELLED


# Failures are recorded and retried until the notice goes out once ---------------------


def queued_sending(backend):
    """The meeting-notice tasks waiting in the dummy backend (Wagtail queues its own too)."""
    path = send_meeting_notices.module_path
    return [result for result in backend.results if result.task.module_path == path]


def a_while_later(minutes):
    """Pretend the last attempts were `minutes` earlier than they were."""
    for delivery in NoticeDelivery.objects.exclude(last_attempt_at=None):
        delivery.last_attempt_at -= datetime.timedelta(minutes=minutes)
        delivery.save(update_fields=["last_attempt_at"])


def test_a_failed_delivery_is_recorded_retried_by_the_command_and_sent_exactly_once(
    units, audience, failing_mail, django_capture_on_commit_callbacks
):
    unlucky, lucky = audience["gets_it"]
    failing_mail.add(unlucky.email)
    meeting = chapter_meeting(units)

    publish(meeting, django_capture_on_commit_callbacks)

    assert recipients(mail.outbox) == [lucky.email]
    delivery = NoticeDelivery.objects.get(member=unlucky)
    assert delivery.status == Status.FAILED and delivery.attempts == 1
    assert "SMTPRecipientsRefused" in delivery.last_error and delivery.sent_at is None

    call_command("send_meeting_notices", verbosity=0)  # too soon: it waits out its backoff
    delivery.refresh_from_db()
    assert delivery.attempts == 1

    a_while_later(minutes=6)
    call_command("send_meeting_notices", verbosity=0)  # still refused
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.attempts == 2

    failing_mail.clear()
    a_while_later(minutes=11)
    call_command("send_meeting_notices", verbosity=0)
    a_while_later(minutes=60)
    call_command("send_meeting_notices", verbosity=0)

    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and delivery.attempts == 3 and delivery.last_error == ""
    assert recipients(mail.outbox) == sorted([lucky.email, unlucky.email])


def test_the_task_queues_its_own_retry_for_when_the_backoff_ends(
    units, audience, failing_mail, django_capture_on_commit_callbacks
):
    unlucky, _ = audience["gets_it"]
    failing_mail.add(unlucky.email)
    meeting = chapter_meeting(units)
    with override_settings(TASKS=DUMMY_TASKS):
        publish(meeting, django_capture_on_commit_callbacks)
        backend = send_meeting_notices.get_backend()
        [queued] = queued_sending(backend)
        assert queued.kwargs == {"notice_id": MeetingNotice.objects.get().pk}

        send_meeting_notices.call(**queued.kwargs)  # what the worker does

        delivery = NoticeDelivery.objects.get(member=unlucky)
        [_, retry] = queued_sending(backend)
        assert retry.task.run_after == delivery.last_attempt_at + notices.FIRST_RETRY_AFTER

        failing_mail.clear()
        a_while_later(minutes=6)
        send_meeting_notices.call(**retry.kwargs)

    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert len(queued_sending(backend)) == 2  # nothing left to retry, so no further task
    assert [m.to for m in mail.outbox].count([unlucky.email]) == 1


def test_a_delivery_that_keeps_failing_stops_at_the_attempts_cap(
    units, audience, failing_mail, django_capture_on_commit_callbacks
):
    unlucky, _ = audience["gets_it"]
    failing_mail.add(unlucky.email)
    publish(chapter_meeting(units), django_capture_on_commit_callbacks)

    for _ in range(notices.MAX_ATTEMPTS + 2):
        a_while_later(minutes=24 * 60)
        call_command("send_meeting_notices", verbosity=0)

    delivery = NoticeDelivery.objects.get(member=unlucky)
    assert delivery.status == Status.FAILED and delivery.attempts == notices.MAX_ATTEMPTS

    failing_mail.clear()
    call_command(
        "send_meeting_notices", max_attempts=notices.MAX_ATTEMPTS + 1, retry_now=True, verbosity=0
    )
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT


def test_a_mail_server_that_cannot_be_reached_fails_the_batch_and_loses_nothing(
    units, audience, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse_to_connect(self):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(LocmemBackend, "open", refuse_to_connect, raising=False)
    publish(chapter_meeting(units), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert set(NoticeDelivery.objects.values_list("status", flat=True)) == {Status.FAILED}

    monkeypatch.undo()
    call_command("send_meeting_notices", retry_now=True, verbosity=0)

    assert recipients(mail.outbox) == sorted(m.email for m in audience["gets_it"])


# Several workers at once (PostgreSQL) ------------------------------------------------

needs_postgres = pytest.mark.skipif(
    transaction.get_connection().vendor != "postgresql", reason="concurrency needs PostgreSQL"
)


class SlowBackend(LocmemBackend):
    """The test outbox, a little slow, so that two workers overlap."""

    def send_messages(self, messages):
        time.sleep(0.01)
        return super().send_messages(messages)


def at_once(count, work):
    """Run `work(n)` for n in range(count) in threads started together; return the results."""
    start = threading.Barrier(count)

    def run(n):
        try:
            start.wait()
            return work(n)
        finally:
            db_connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_sending_at_once_send_each_notice_exactly_once(units):
    members = [confirmed_member(units["a"]) for _ in range(30)]
    with override_settings(TASKS=DUMMY_TASKS):  # queued for the workers below
        notice = notices.record_meeting_notice(chapter_meeting(units))
    assert mail.outbox == []

    with override_settings(EMAIL_BACKEND=f"{__name__}.SlowBackend"):
        reports = at_once(3, lambda n: notices.send_due_deliveries(batch_size=5))

    assert sum(report.sent for report in reports) == 30
    assert recipients(mail.outbox) == sorted(member.email for member in members)
    assert set(notice.deliveries.values_list("status", "attempts")) == {(Status.SENT, 1)}


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_publishes_of_one_meeting_at_once_write_one_notice(units):
    confirmed_member(units["a"])
    meeting = chapter_meeting(units)

    written = at_once(4, lambda n: notices.record_meeting_notice(meeting))

    assert len([notice for notice in written if notice is not None]) == 1
    assert MeetingNotice.objects.count() == 1 and NoticeDelivery.objects.count() == 1
