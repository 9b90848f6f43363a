"""Membership staff export a meeting's mailing list for the mailed notice: the audience in
good standing, account or not, less refusals; only with the permission; always logged."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import GroupPagePermission

from meetings.factories import MeetingIndexPageFactory, MeetingPageFactory
from meetings.models import AudienceKind
from members.models import AccessLogEntry, Standing
from tests.member_fixtures import give_account, member_of, two_chapters

pytestmark = pytest.mark.django_db

ADDRESS = {
    "address_line_1": "12 Birch Avenue",
    "city": "Edmonton",
    "province": "AB",
    "postal_code": "T5J 0A1",
}


def staff_user(django_user_model, username, *codenames):
    user = django_user_model.objects.create_user(username, f"{username}@northwind.example", "pw")
    group = Group.objects.create(name=f"{username} (test)")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in codenames:
        group.permissions.add(Permission.objects.get(codename=codename))
    user.groups.add(group)
    return user


@pytest.fixture
def membership_staff(django_user_model):
    return staff_user(django_user_model, "membership", "export_mailing_list")


@pytest.fixture
def page_editor(django_user_model, home_page):
    """Edits pages and sees the roster with contact details, but may not export mailing lists."""
    user = staff_user(django_user_model, "editor", "view_member", "view_contact_information")
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=user.groups.get(),
            page=home_page,
            permission=Permission.objects.get(codename=codename),
        )
    return user


@pytest.fixture
def meeting(home_page):
    chapter_a, chapter_b = two_chapters()
    index = MeetingIndexPageFactory(parent=home_page)
    page = MeetingPageFactory(
        parent=index, audience_kind=AudienceKind.CHAPTER, audience_chapter=chapter_a
    )
    page.chapters = chapter_a, chapter_b
    return page


@pytest.fixture
def audience(meeting):
    a, b = meeting.chapters
    with_account = member_of(a, family_name="Abara", **ADDRESS, address_line_2="Unit 4")
    give_account(with_account)
    return {
        "mailed": [
            with_account,
            member_of(a, family_name="Bouchard", **ADDRESS),  # no account: still mailed
            member_of(a, family_name="Chen", refuses_email=True, **ADDRESS),
        ],
        "no_address": [member_of(a, family_name="Dube", city="Edmonton", province="AB")],
        "left_out": [
            member_of(a, refuses_postal_mail=True, **ADDRESS),
            member_of(a, wants_meeting_notices=False, **ADDRESS),
            member_of(a, standing=Standing.SUSPENDED, **ADDRESS),
            member_of(a, standing=Standing.LAPSED, **ADDRESS),
            member_of(b, **ADDRESS),  # another Chapter's member
        ],
    }


def page_url(meeting):
    return reverse("meetings_mailing_list", args=[meeting.pk])


def download(client, meeting, which="mail"):
    response = client.get(page_url(meeting), {"download": which})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_mailing_list_has_names_and_addresses_of_the_audience_in_good_standing(
    client, membership_staff, meeting, audience
):
    client.force_login(membership_staff)

    rows = download(client, meeting)

    assert [row["Member ID"] for row in rows] == [m.member_id for m in audience["mailed"]]
    first = rows[0]
    member = audience["mailed"][0]
    assert first == {
        "Member ID": member.member_id,
        "Given name": member.given_name,
        "Family name": "Abara",
        "Address line 1": "12 Birch Avenue",
        "Address line 2": "Unit 4",
        "City": "Edmonton",
        "Province": "AB",
        "Postal code": "T5J 0A1",
    }
    assert "Email" not in first and "Phone" not in first


def test_mailing_list_leaves_out_refusals_other_units_and_members_not_in_good_standing(
    client, membership_staff, meeting, audience
):
    client.force_login(membership_staff)

    listed = {row["Member ID"] for row in download(client, meeting)}
    listed_apart = {row["Member ID"] for row in download(client, meeting, "no-address")}

    for member in audience["left_out"]:
        assert member.member_id not in listed | listed_apart


def test_members_with_no_postal_address_are_counted_and_listed_apart(
    client, membership_staff, meeting, audience
):
    client.force_login(membership_staff)

    page = client.get(page_url(meeting))
    rows = download(client, meeting, "no-address")

    assert page.status_code == 200
    assert page.context["to_mail"] == 3
    assert page.context["no_postal_address"] == 1
    assert page.context["refused_postal_mail"] == 1
    assert page.context["turned_notices_off"] == 1
    assert [row["Member ID"] for row in rows] == [audience["no_address"][0].member_id]
    assert set(rows[0]) == {"Member ID", "Given name", "Family name", "Local", "Chapter"}


def test_every_download_is_recorded_in_the_access_log(client, membership_staff, meeting, audience):
    client.force_login(membership_staff)

    client.get(page_url(meeting))  # counts only: nothing personal, nothing logged
    assert not AccessLogEntry.objects.exists()
    download(client, meeting)
    download(client, meeting, "no-address")

    mailing, no_address = AccessLogEntry.objects.order_by("at", "pk")
    assert mailing.action == AccessLogEntry.Action.EXPORT
    assert mailing.actor == membership_staff
    assert mailing.role == "membership staff"
    assert meeting.title in mailing.what and "mailing list" in mailing.what
    assert mailing.member_ids == sorted(m.member_id for m in audience["mailed"])
    assert no_address.member_ids == [audience["no_address"][0].member_id]


def test_staff_without_the_export_permission_are_refused_and_nothing_is_logged(
    client, page_editor, meeting, audience
):
    client.force_login(page_editor)

    needed = Permission.objects.get(codename="export_mailing_list")
    for params in ({}, {"download": "mail"}, {"download": "no-address"}):
        response = client.get(page_url(meeting), params)
        assert response.status_code == 403
        assert f'needs the "{escape(needed.name)}"' in response.text
        assert "text/csv" not in response["Content-Type"]
        assert audience["mailed"][0].family_name not in response.content.decode()
    assert not AccessLogEntry.objects.exists()


def test_visitors_who_are_not_staff_are_sent_to_the_admin_sign_in(client, meeting, audience):
    response = client.get(page_url(meeting), {"download": "mail"})

    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]
    assert not AccessLogEntry.objects.exists()


def test_the_meeting_page_admin_offers_the_export_only_to_staff_who_may_use_it(
    client, membership_staff, admin_user, page_editor, meeting
):
    edit_url = reverse("wagtailadmin_pages:edit", args=[meeting.pk])
    client.force_login(admin_user)
    assert page_url(meeting) in client.get(edit_url).content.decode()

    client.force_login(page_editor)
    editor_view = client.get(edit_url)
    assert editor_view.status_code == 200
    assert page_url(meeting) not in editor_view.content.decode()
    listing = reverse("wagtailadmin_explore", args=[meeting.get_parent().pk])
    editor_listing = client.get(listing)
    assert editor_listing.status_code == 200
    assert page_url(meeting) not in editor_listing.content.decode()

    client.force_login(admin_user)
    assert page_url(meeting) in client.get(listing).content.decode()


def test_a_cell_that_looks_like_a_formula_stays_text(client, membership_staff, meeting):
    a, _ = meeting.chapters
    member_of(a, family_name="=HYPERLINK(1)", **ADDRESS)
    client.force_login(membership_staff)

    [row] = download(client, meeting)

    assert row["Family name"] == "'=HYPERLINK(1)"


def test_unknown_list_or_meeting_is_not_found(client, membership_staff, meeting):
    client.force_login(membership_staff)

    assert client.get(page_url(meeting), {"download": "everyone"}).status_code == 404
    missing = reverse("meetings_mailing_list", args=[meeting.pk + 1000])
    assert client.get(missing).status_code == 404


def test_the_no_address_list_also_leaves_out_refusals(client, membership_staff, meeting):
    # Staff look up an address for the members on this list: not for those who said no.
    a, _ = meeting.chapters
    wanted = member_of(a, family_name="Ekwueme", city="Edmonton")
    refused = member_of(a, family_name="Fournier", refuses_postal_mail=True)
    turned_off = member_of(a, family_name="Gill", wants_meeting_notices=False)
    client.force_login(membership_staff)

    rows = download(client, meeting, "no-address")

    assert [row["Member ID"] for row in rows] == [wanted.member_id]
    logged = AccessLogEntry.objects.get()
    assert refused.member_id not in logged.member_ids
    assert turned_off.member_id not in logged.member_ids
