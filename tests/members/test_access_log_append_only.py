"""The access log only grows: no code path changes or deletes entries, except a superuser's
logged purge of old ones; removing a staff account keeps the entries it made."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from members.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def entry(what="Contact list of Chapter 012/001", **fields):
    return AccessLogEntry.objects.create(
        actor_name="Chidi Chair",
        role="Chapter chair",
        action=AccessLogEntry.Action.VIEW,
        what=what,
        member_ids=["004217"],
        **fields,
    )


def backdate(logged, days):
    """Move an entry into the past (test set-up only: the log itself refuses updates)."""
    from django.db.models import QuerySet

    QuerySet.update(
        AccessLogEntry.objects.filter(pk=logged.pk),
        at=timezone.now() - datetime.timedelta(days=days),
    )


def test_queryset_updates_are_refused(django_assert_num_queries):
    entry()

    with django_assert_num_queries(0), pytest.raises(ValidationError):
        AccessLogEntry.objects.update(what="tampered")
    with django_assert_num_queries(0), pytest.raises(ValidationError):
        AccessLogEntry.objects.filter(role="Chapter chair").update(member_ids=[])
    with pytest.raises(ValidationError):
        AccessLogEntry.objects.bulk_update(list(AccessLogEntry.objects.all()), ["what"])
    assert AccessLogEntry.objects.get().what == "Contact list of Chapter 012/001"


def test_queryset_deletes_are_refused():
    entry()

    with pytest.raises(ValidationError):
        AccessLogEntry.objects.all().delete()
    with pytest.raises(ValidationError):
        AccessLogEntry.objects.filter(role="Chapter chair").delete()
    assert AccessLogEntry.objects.count() == 1


def test_saving_or_deleting_an_entry_is_refused():
    logged = entry()
    logged.what = "tampered"

    with pytest.raises(ValidationError):
        logged.save()
    with pytest.raises(ValidationError):
        logged.delete()
    assert AccessLogEntry.objects.get().what == "Contact list of Chapter 012/001"


def test_removing_a_staff_account_keeps_its_entries_and_their_name():
    staff = get_user_model().objects.create_user("privacy", "privacy@northwind.example", "x" * 16)
    entry(actor=staff)

    staff.delete()

    logged = AccessLogEntry.objects.get()
    assert logged.actor is None and logged.actor_name == "Chidi Chair"


def test_only_a_superuser_may_purge_and_the_purge_is_logged(admin_user, django_user_model):
    old, recent = entry("Old contact list"), entry("Recent contact list")
    backdate(old, days=800)
    cutoff = timezone.now() - datetime.timedelta(days=730)
    staff = django_user_model.objects.create_user(
        "staff", "staff@northwind.example", "x" * 16, is_staff=True
    )

    for who in (None, staff):
        with pytest.raises(PermissionDenied):
            AccessLogEntry.objects.purge(before=cutoff, by=who, reason="two-year retention")
    assert AccessLogEntry.objects.count() == 2

    purged = AccessLogEntry.objects.purge(before=cutoff, by=admin_user, reason="two-year rule")

    assert purged == 1
    remaining = list(AccessLogEntry.objects.order_by("pk"))
    assert remaining[0] == recent
    assert remaining[1].action == AccessLogEntry.Action.PURGE
    assert remaining[1].actor == admin_user and remaining[1].reason == "two-year rule"
    assert remaining[1].what.startswith("Purged 1 access log entries older than")


def test_the_purge_command_needs_a_superuser(admin_user, django_user_model):
    backdate(entry(), days=800)
    django_user_model.objects.create_user("staff", "s@northwind.example", "x" * 16)

    with pytest.raises(CommandError, match="Only a superuser"):
        call_command("purge_access_log", "--before=2099-01-01", "--by=staff", "--reason=x")
    out = io.StringIO()
    before = (timezone.now() - datetime.timedelta(days=400)).date().isoformat()
    call_command(
        "purge_access_log",
        f"--before={before}",
        f"--by={admin_user.username}",
        "--reason=retention",
        stdout=out,
    )

    assert "Purged 1 access log entries" in out.getvalue()
    assert list(AccessLogEntry.objects.values_list("action", flat=True)) == ["purge"]
