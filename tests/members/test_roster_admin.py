"""The Membership admin: who may see and change the roster, and the roster import page.

Everything here goes through real admin requests, signed in as the kind of staff
user who would make them.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from members.factories import ChapterFactory, LocalFactory, MemberFactory, SectorFactory
from members.models import AccessLogEntry, Member, Standing
from staff.roles import COMMUNICATIONS_EDITORS

IMPORT_URL = "/admin/roster-import/"
MEMBER_INDEX_URL = "/admin/members/member/"
HEADER = "member_id,given_name,family_name,local,chapter,email,standing"


def roster(*lines):
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def upload(data, name="roster.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def permission(label):
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def staff_user(username, *permissions, groups=()):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@northwind.example", password="a long passphrase"
    )
    user.user_permissions.add(
        permission("wagtailadmin.access_admin"), *(permission(p) for p in permissions)
    )
    user.groups.add(*groups)
    return user


ROSTER_PERMISSIONS = [
    f"members.{action}_{model}"
    for model in ("member", "local", "chapter", "sector", "areacouncil")
    for action in ("add", "change", "delete", "view")
]


@pytest.fixture
def membership_staff(db):
    """Membership staff: may edit the roster and the union's structure, and import."""
    return staff_user("membership", *ROSTER_PERMISSIONS, "members.import_roster")


@pytest.fixture
def page_editor(db):
    """A communications editor: the staff migration's group, page permissions only."""
    return staff_user("editor", groups=[Group.objects.get(name=COMMUNICATIONS_EDITORS)])


@pytest.fixture
def importer_only(db):
    """May import the roster but holds no permission on the roster's records."""
    return staff_user("importer", "members.import_roster")


@pytest.fixture
def local_54(db):
    local = LocalFactory(number=54, sector=SectorFactory(name="Health care", slug="health-care"))
    ChapterFactory(local=local, number=1)
    return local


@pytest.fixture
def ada(local_54):
    return MemberFactory(
        member_id="004217",
        given_name="Ada",
        family_name="Lovelace",
        local=local_54,
        email="ada@example.org",
        phone="780-555-0101",
    )


def signed_in(user, **client_options):
    client = Client(**client_options)
    client.force_login(user)
    return client


def check_file(client, data, name="roster.csv"):
    return client.post(IMPORT_URL, {"check": "1", "file": upload(data, name)})


def apply_checked(client, response):
    return client.post(IMPORT_URL, {"apply": "1", "token": response.context["token"]})


# The roster import page


def test_import_page_refuses_staff_without_the_import_permission(page_editor, local_54):
    client = signed_in(page_editor)

    refused = client.get(IMPORT_URL)
    assert refused.status_code == 403
    assert 'needs the "Can import the roster from CSV" permission' in refused.text
    response = client.post(
        IMPORT_URL, {"check": "1", "file": upload(roster("004217,A,B,54,,,active"))}
    )
    assert response.status_code == 403
    assert not Member.objects.exists()


def test_import_page_sends_anonymous_visitors_to_sign_in(db):
    response = Client().get(IMPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_import_page_is_a_wagtail_admin_page_with_a_csrf_protected_form(membership_staff):
    response = signed_in(membership_staff).get(IMPORT_URL)

    assert response.status_code == 200
    assert "wagtailadmin/base.html" in [template.name for template in response.templates]
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_staff_checks_a_file_then_applies_it_and_the_roster_changes(membership_staff, ada):
    client = signed_in(membership_staff)

    checked = check_file(
        client,
        roster(
            "004217,Ada,Lovelace,54,1,ada@northwind.example,active",
            "000001,Grace,Hopper,54,,grace@example.org,active",
        ),
    )

    page = checked.content.decode()
    assert checked.status_code == 200
    assert "Apply this import" in page
    assert "2 rows read: 1 member to create, 1 to update, 0 unchanged." in page
    assert "chapter, email" in page  # Ada's changed columns
    assert not Member.objects.filter(member_id="000001").exists()  # a check writes nothing

    applied = apply_checked(client, checked)

    assert applied.status_code == 200
    assert "The roster was imported." in applied.content.decode()
    assert Member.objects.get(member_id="000001").given_name == "Grace"
    ada.refresh_from_db()
    assert ada.email == "ada@northwind.example"
    assert ada.phone == "780-555-0101"


def test_check_lists_each_bad_row_by_line_and_offers_no_apply(membership_staff, local_54):
    client = signed_in(membership_staff)

    response = check_file(
        client,
        roster(
            "04217,Ada,Lovelace,54,,,active",
            "000001,Grace,Hopper,54,,,active",
            "120000,Mary,Jackson,99,,,active",
        ),
    )

    page = response.content.decode()
    assert "2 of 3 rows have problems" in " ".join(page.split())
    assert re.search(r"<td>2</td>\s*<td>04217</td>\s*<td>member ID", page)
    assert re.search(r"<td>4</td>\s*<td>120000</td>\s*<td>there is no Local 99</td>", page)
    assert "Apply this import" not in page
    assert response.context["token"] is None


def test_check_of_a_file_with_bad_headers_explains_the_problem(membership_staff, local_54):
    response = check_file(signed_in(membership_staff), b"id,name\n1,Ada\n")

    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "Unknown columns: &quot;id&quot;, &quot;name&quot;" in page
    assert "Missing required columns" in page


def test_check_of_a_latin1_file_says_to_save_as_utf8(membership_staff, local_54):
    data = (HEADER + "\n004217,Zoë,Bélanger,54,,,active\n").encode("latin-1")

    response = check_file(signed_in(membership_staff), data)

    assert "not UTF-8" in response.content.decode()
    assert "Apply this import" not in response.content.decode()


@override_settings(ROSTER_IMPORT_MAX_UPLOAD_SIZE=1024)
def test_file_over_the_size_limit_is_refused_with_a_clear_message(membership_staff, local_54):
    rows = [f"{n:06d},Given,Family,54,,,active" for n in range(100)]

    response = check_file(signed_in(membership_staff), roster(*rows))

    page = response.content.decode()
    assert "the largest roster file this page takes is 1.0\xa0KB" in page
    assert "Apply this import" not in page
    assert not Member.objects.exists()


def test_an_expired_check_asks_to_check_again_and_writes_nothing(membership_staff, local_54):
    client = signed_in(membership_staff)
    checked = check_file(client, roster("000001,Grace,Hopper,54,,,active"))
    cache.clear()  # fifteen minutes later

    response = apply_checked(client, checked)

    assert "That check has expired" in response.content.decode()
    assert "Upload the file again to check it" in response.content.decode()
    assert not Member.objects.exists()


def test_a_checked_file_is_applied_once_and_then_forgotten(membership_staff, local_54):
    client = signed_in(membership_staff)
    checked = check_file(client, roster("000001,Grace,Hopper,54,,,active"))
    apply_checked(client, checked)
    Member.objects.all().delete()

    again = apply_checked(client, checked)

    assert "That check has expired" in again.content.decode()
    assert not Member.objects.exists()
    assert cache.get(f"members:roster-import:{checked.context['token']}") is None


def test_a_newer_check_replaces_the_pending_one(membership_staff, local_54):
    client = signed_in(membership_staff)
    first = check_file(client, roster("000001,Grace,Hopper,54,,,active"))
    second = check_file(client, roster("120000,Mary,Jackson,54,,,active"))

    assert "That check has expired" in apply_checked(client, first).content.decode()
    apply_checked(client, second)

    assert list(Member.objects.values_list("member_id", flat=True)) == ["120000"]


def test_a_check_token_only_works_in_the_session_that_made_it(
    membership_staff, local_54, django_user_model
):
    checked = check_file(signed_in(membership_staff), roster("000001,Grace,Hopper,54,,,active"))
    other_session = signed_in(membership_staff)

    response = apply_checked(other_session, checked)

    assert "That check has expired" in response.content.decode()
    assert not Member.objects.exists()


def test_apply_refuses_when_the_roster_changed_after_the_check(membership_staff, ada):
    client = signed_in(membership_staff)
    checked = check_file(client, roster("004217,Ada,Lovelace,54,,ada@northwind.example,active"))
    Member.objects.filter(pk=ada.pk).update(email="someone.else.edited@example.org")

    response = apply_checked(client, checked)

    assert "changed since this file was checked" in response.content.decode()
    ada.refresh_from_db()
    assert ada.email == "someone.else.edited@example.org"


def test_check_and_apply_are_refused_without_the_csrf_token(membership_staff, local_54):
    client = signed_in(membership_staff, enforce_csrf_checks=True)

    response = check_file(client, roster("000001,Grace,Hopper,54,,,active"))

    assert response.status_code == 403
    assert not Member.objects.exists()


def test_check_and_apply_work_with_the_pages_csrf_token(membership_staff, local_54):
    client = signed_in(membership_staff, enforce_csrf_checks=True)

    def csrf_token(response):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[
            1
        ]

    form = client.get(IMPORT_URL)
    checked = client.post(
        IMPORT_URL,
        {
            "check": "1",
            "file": upload(roster("000001,Grace,Hopper,54,,,active")),
            "csrfmiddlewaretoken": csrf_token(form),
        },
    )
    applied = client.post(
        IMPORT_URL,
        {
            "apply": "1",
            "token": checked.context["token"],
            "csrfmiddlewaretoken": csrf_token(checked),
        },
    )

    assert applied.status_code == 200
    assert Member.objects.filter(member_id="000001").exists()


# The Membership admin (modeladmin)


def assert_refused(response):
    """Wagtail's answer to a signed-in admin user without the permission: back to
    the dashboard with "Sorry, you do not have permission to access this area"."""
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_page_editor_cannot_list_open_or_change_the_roster(page_editor, ada):
    client = signed_in(page_editor)

    assert_refused(client.get(MEMBER_INDEX_URL))
    assert_refused(client.get(f"/admin/members/member/edit/{ada.pk}/"))
    assert_refused(client.get(f"/admin/members/member/inspect/{ada.pk}/"))
    assert_refused(client.get("/admin/members/member/create/"))
    assert_refused(client.get(f"/admin/members/member/delete/{ada.pk}/"))
    assert_refused(client.get("/admin/members/local/"))
    assert_refused(client.get("/admin/members/chapter/"))
    response = client.post(
        f"/admin/members/member/edit/{ada.pk}/", {"given_name": "Changed", "family_name": "X"}
    )
    assert_refused(response)
    assert "do not have permission" in client.get(response["Location"]).content.decode()
    ada.refresh_from_db()
    assert ada.given_name == "Ada"


def test_page_editor_sees_no_membership_menu(page_editor, membership_staff):
    editor_home = signed_in(page_editor).get("/admin/").content.decode()
    staff_home = signed_in(membership_staff).get("/admin/").content.decode()

    assert "Membership" in staff_home and MEMBER_INDEX_URL in staff_home
    assert "Membership" not in editor_home
    assert MEMBER_INDEX_URL not in editor_home
    assert IMPORT_URL not in editor_home


def test_import_permission_alone_opens_the_import_page_but_not_the_roster(importer_only, ada):
    client = signed_in(importer_only)
    home = client.get("/admin/").content.decode()

    assert client.get(IMPORT_URL).status_code == 200
    assert IMPORT_URL in home
    assert MEMBER_INDEX_URL not in home
    assert_refused(client.get(MEMBER_INDEX_URL))


def test_membership_staff_list_members_with_their_units_and_standing(membership_staff, ada):
    MemberFactory(member_id="000001", given_name="Grace", family_name="Hopper", local=ada.local)

    response = signed_in(membership_staff).get(MEMBER_INDEX_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert "004217" in page and "Lovelace, Ada" in page and "Hopper, Grace" in page
    assert "Local 054" in page
    columns = re.findall(r'<th scope="col"\s+class="sortable column-(\w+)', page)
    assert columns == ["member_id", "name", "local", "chapter", "standing"]


@pytest.mark.parametrize("query", ["004217", "Lovelace", "Ada", "ada@example.org"])
def test_membership_staff_find_a_member_by_id_name_or_email(membership_staff, ada, query):
    MemberFactory(member_id="000001", given_name="Grace", family_name="Hopper", local=ada.local)

    page = signed_in(membership_staff).get(MEMBER_INDEX_URL, {"q": query}).content.decode()

    assert "Lovelace, Ada" in page
    assert "Hopper, Grace" not in page


@pytest.mark.parametrize(
    "filter_on", ["standing", "local", "chapter", "sector"], ids=lambda name: f"by {name}"
)
def test_membership_staff_filter_the_roster(membership_staff, ada, filter_on):
    other_local = LocalFactory(number=12, sector=SectorFactory(name="Education", slug="education"))
    chapter = ada.local.chapters.get(number=1)
    Member.objects.filter(pk=ada.pk).update(standing=Standing.SUSPENDED, chapter=chapter)
    MemberFactory(member_id="000001", given_name="Grace", family_name="Hopper", local=other_local)
    params = {
        "standing": {"standing__exact": "suspended"},
        "local": {"local__id__exact": ada.local.pk},
        "chapter": {"chapter__id__exact": chapter.pk},
        "sector": {"local__sector__id__exact": ada.local.sector.pk},
    }[filter_on]

    page = signed_in(membership_staff).get(MEMBER_INDEX_URL, params).content.decode()

    assert "Lovelace, Ada" in page
    assert "Hopper, Grace" not in page


def test_membership_staff_edit_a_member(membership_staff, ada):
    form = {
        "member_id": "004217",
        "standing": "lapsed",
        "given_name": "Ada",
        "family_name": "King",
        "local": ada.local.pk,
        "chapter": "",
        "email": "ada@example.org",
        "phone": "780-555-0101",
        "address_line_1": "",
        "address_line_2": "",
        "city": "Edmonton",
        "province": "AB",
        "postal_code": "",
        "wants_meeting_notices": "on",
    }

    response = signed_in(membership_staff).post(f"/admin/members/member/edit/{ada.pk}/", form)

    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.family_name, ada.standing) == ("King", Standing.LAPSED)


def test_membership_staff_add_a_member(membership_staff, local_54):
    form = {
        "member_id": "000042",
        "standing": "active",
        "given_name": "Grace",
        "family_name": "Hopper",
        "local": local_54.pk,
        "chapter": local_54.chapters.get(number=1).pk,
        "email": "grace@example.org",
        "province": "AB",
        "wants_meeting_notices": "on",
    }

    response = signed_in(membership_staff).post("/admin/members/member/create/", form)

    assert response.status_code == 302
    grace = Member.objects.get(member_id="000042")
    assert (grace.family_name, grace.chapter.number) == ("Hopper", 1)


def test_membership_staff_are_told_when_the_chapter_is_in_another_local(membership_staff, ada):
    other_chapter = ChapterFactory(local=LocalFactory(number=12), number=3)
    form = {
        "member_id": "004217",
        "standing": "active",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "local": ada.local.pk,
        "chapter": other_chapter.pk,
        "province": "AB",
    }

    response = signed_in(membership_staff).post(f"/admin/members/member/edit/{ada.pk}/", form)

    assert response.status_code == 200
    assert "That Chapter belongs to another Local." in response.content.decode()
    ada.refresh_from_db()
    assert ada.chapter is None


def test_local_chair_is_chosen_from_the_locals_own_members(membership_staff, ada):
    outsider = MemberFactory(member_id="000001", local=LocalFactory(number=12))

    response = signed_in(membership_staff).get(f"/admin/members/local/edit/{ada.local.pk}/")

    choices = response.context["form"].fields["chair"].queryset
    assert list(choices) == [ada]
    assert outsider not in choices


def test_viewing_the_roster_in_the_admin_is_written_to_the_access_log(membership_staff, ada):
    client = signed_in(membership_staff)

    client.get(MEMBER_INDEX_URL)
    client.get(f"/admin/members/member/inspect/{ada.pk}/")
    client.get(f"/admin/members/member/edit/{ada.pk}/")

    entries = list(AccessLogEntry.objects.order_by("pk"))
    assert [entry.what for entry in entries] == [
        "Roster list in the admin",
        "Roster record of member 004217",
        "Roster record of member 004217 (edit form)",
    ]
    assert all(entry.member_ids == ["004217"] for entry in entries)
    assert all(entry.actor == membership_staff for entry in entries)


def test_an_import_report_showing_roster_changes_is_written_to_the_access_log(
    membership_staff, ada
):
    check_file(
        signed_in(membership_staff),
        roster("004217,Ada,Lovelace,54,,ada@northwind.example,active", "000001,G,H,54,,,active"),
    )

    (entry,) = AccessLogEntry.objects.all()
    assert entry.what == "Roster import report for roster.csv"
    assert entry.member_ids == ["004217"]
