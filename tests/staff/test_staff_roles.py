"""Staff roles: what each group the staff migration creates may and may not do in the admin.

Every check is a real admin request by a user in exactly one group, as the
migration left the groups (no permission is added by the tests).
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Site

from home.factories import ContentPageFactory
from home.models import ContentPage, PrivacyOfficer
from meetings.factories import (
    BallotItemFactory,
    GuideIndexPageFactory,
    GuidePageFactory,
    MeetingIndexPageFactory,
    MeetingPageFactory,
)
from meetings.models import GuidePage, MeetingPage
from members.factories import ChapterFactory, LocalFactory, MemberFactory
from policies.factories import PolicyPageFactory
from staff.roles import (
    COMMUNICATIONS_EDITORS,
    MEETING_ORGANISERS,
    MEMBERSHIP_STAFF,
    MODERATORS,
    PRIVACY_OFFICER,
)
from tests.member_fixtures import give_account
from tests.staff_fixtures import (
    GROUPS,
    add_url,
    content_page_form,
    edit_url,
    guide_form,
    is_refused,
    meeting_form,
    signed_in,
    staff_client,
    staff_member,
)

pytestmark = pytest.mark.django_db

ROLES = ["editor", "moderator", "membership", "privacy", "organiser"]


@pytest.fixture
def site(home_page):
    """One of each page the roles work on, all published, and a little of the roster."""
    guides = GuideIndexPageFactory(parent=home_page)
    meetings = MeetingIndexPageFactory(parent=home_page)
    pages = {
        "home": home_page,
        "content": ContentPageFactory(parent=home_page, title="Member benefits"),
        "guides": guides,
        "guide": GuidePageFactory(parent=guides),
        "policy": PolicyPageFactory(parent=home_page, slug="privacy-statement"),
        "meetings": meetings,
        "meeting": MeetingPageFactory(parent=meetings, title="Local 012 AGM"),
    }
    for page in pages.values():
        page.save_revision().publish()
    local = LocalFactory(number=12)
    # A family name that no admin screen's own text contains (Faker once drew "English", which
    # the admin's language list carries on every page).
    pages["member"] = MemberFactory(
        local=local, chapter=ChapterFactory(local=local, number=1), family_name="Quillfeather"
    )
    pages["ballot_item"] = BallotItemFactory(meeting=pages["meeting"])
    pages["site"] = Site.objects.get(is_default_site=True)
    return pages


# What each role may open. Anything not listed as True must be refused.
VIEWS = {
    "add a content page": lambda s: add_url(ContentPage, s["home"]),
    "add a guide": lambda s: add_url(GuidePage, s["guides"]),
    "edit a content page": lambda s: edit_url(s["content"]),
    "edit a guide": lambda s: edit_url(s["guide"]),
    "edit the privacy statement": lambda s: edit_url(s["policy"]),
    "add a meeting": lambda s: add_url(MeetingPage, s["meetings"]),
    "edit a meeting": lambda s: edit_url(s["meeting"]),
    "upload a document": lambda s: reverse("wagtaildocs:add"),
    "upload an image": lambda s: reverse("wagtailimages:add"),
    "the roster": lambda s: "/admin/members/member/",
    "a member's roster record": lambda s: f"/admin/members/member/inspect/{s['member'].pk}/",
    "edit a member's roster record": lambda s: f"/admin/members/member/edit/{s['member'].pk}/",
    "the Locals": lambda s: "/admin/members/local/",
    "roster import": lambda s: "/admin/roster-import/",
    "mailed-notice export": lambda s: f"/admin/meetings/{s['meeting'].pk}/mailing-list/",
    "mailed notices": lambda s: "/admin/meetings/mailed-notices/",
    "the access log": lambda s: "/admin/members/accesslogentry/",
    "ballot items": lambda s: "/admin/ballot-items/",
    "add a ballot item": lambda s: "/admin/ballot-items/new/",
    "Privacy Officer settings": lambda s: f"/admin/settings/home/privacyofficer/{s['site'].pk}/",
    "Member Resource Centre settings": lambda s: (
        f"/admin/settings/home/memberresourcecentre/{s['site'].pk}/"
    ),
}

ALLOWED = {
    "editor": {
        "add a content page",
        "add a guide",
        "edit a content page",
        "edit a guide",
        "edit the privacy statement",
        "add a meeting",
        "edit a meeting",
        "upload a document",
        "upload an image",
    },
    "moderator": {
        "edit a content page",
        "edit a guide",
        "edit the privacy statement",
        "edit a meeting",
    },
    "membership": {
        "the roster",
        "a member's roster record",
        "edit a member's roster record",
        "the Locals",
        "roster import",
        "mailed-notice export",
        "mailed notices",
    },
    "privacy": {
        "the roster",
        "a member's roster record",
        "the access log",
        "Privacy Officer settings",
    },
    "organiser": {
        "add a meeting",
        "edit a meeting",
        "upload a document",
        "ballot items",
        "add a ballot item",
    },
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_part_of_the_admin(role, site):
    client = staff_client(role)
    assert client.get("/admin/").status_code == 200

    opened, refused, other = set(), set(), {}
    for name, url in VIEWS.items():
        response = client.get(url(site))
        if response.status_code == 200:
            opened.add(name)
        elif is_refused(response):
            refused.add(name)
        else:
            other[name] = response.status_code

    assert other == {}
    assert opened == ALLOWED[role]
    assert refused == set(VIEWS) - ALLOWED[role]


def test_the_groups_exist_as_the_migration_made_them():
    names = set(Group.objects.values_list("name", flat=True))
    assert {
        COMMUNICATIONS_EDITORS,
        MODERATORS,
        MEMBERSHIP_STAFF,
        PRIVACY_OFFICER,
        MEETING_ORGANISERS,
    } <= names
    # Wagtail's own "Editors" group became the communications editors.
    assert "Editors" not in names


def test_an_administrator_can_review_every_group_in_the_admin(admin_client):
    for group in Group.objects.filter(name__in=GROUPS.values()):
        response = admin_client.get(reverse("wagtailusers_groups:edit", args=(group.pk,)))
        assert response.status_code == 200, group.name
    privacy = Group.objects.get(name=PRIVACY_OFFICER)
    assert (
        "approve and publish policy pages"
        in admin_client.get(reverse("wagtailusers_groups:edit", args=(privacy.pk,)))
        .content.decode()
        .lower()
    )


# Publishing -----------------------------------------------------------------------


def published_text(page):
    return page.specific_class.objects.get(pk=page.pk).body.render_as_block()


@pytest.mark.parametrize(("role", "publishes"), [("editor", False), ("moderator", True)])
def test_only_moderators_publish_content_pages(role, publishes, site):
    client = staff_client(role)
    page = site["content"]

    response = client.post(edit_url(page), content_page_form(page, "Dental cover doubles."))

    assert response.status_code == 302
    page.refresh_from_db()
    assert ("Dental cover doubles." in published_text(page)) is publishes
    # An editor's change is kept as a draft, not lost.
    assert "Dental cover doubles." in str(page.get_latest_revision().content)


@pytest.mark.parametrize(("role", "publishes"), [("editor", False), ("moderator", True)])
def test_only_moderators_publish_guides(role, publishes, site):
    client = staff_client(role)
    guide = site["guide"]

    response = client.post(edit_url(guide), guide_form(guide, ["Sign in", "Open the page"]))

    assert response.status_code == 302
    live = GuidePage.objects.get(pk=guide.pk)
    assert ("Open the page" in [step.value["title"] for step in live.steps]) is publishes


@pytest.mark.parametrize(
    ("role", "publishes"), [("organiser", True), ("editor", False), ("membership", False)]
)
def test_meeting_organisers_publish_meetings(role, publishes, site):
    client = staff_client(role)
    meeting = site["meeting"]

    response = client.post(edit_url(meeting), meeting_form(meeting, "Local 012 AGM (moved)"))

    if role == "membership":
        assert is_refused(response)
    else:
        assert response.status_code == 302
    assert (MeetingPage.objects.get(pk=meeting.pk).title == "Local 012 AGM (moved)") is publishes


def test_meeting_organisers_create_and_publish_a_meeting(site):
    client = staff_client("organiser")
    meeting = MeetingPageFactory.build(slug="local-012-special-meeting")

    response = client.post(add_url(MeetingPage, site["meetings"]), meeting_form(meeting, "Special"))

    assert response.status_code == 302
    created = MeetingPage.objects.get(slug="local-012-special-meeting")
    assert created.live and created.get_parent().pk == site["meetings"].pk


def test_meeting_organisers_may_not_add_pages_outside_meetings(site):
    client = staff_client("organiser")
    assert is_refused(client.get(add_url(ContentPage, site["home"])))
    assert is_refused(client.get(edit_url(site["guide"])))


def test_communications_editors_create_a_content_page_as_a_draft(site):
    client = staff_client("editor")
    page = ContentPageFactory.build(title="Pension news", slug="pension-news")

    response = client.post(
        add_url(ContentPage, site["home"]), content_page_form(page, "The plan is well funded.")
    )

    assert response.status_code == 302
    created = ContentPage.objects.get(slug="pension-news")
    assert not created.live


# Settings and the roster -----------------------------------------------------------


def test_privacy_officer_changes_the_privacy_officer_settings(site, privacy_officer):
    client = staff_client("privacy")
    url = VIEWS["Privacy Officer settings"](site)

    response = client.post(
        url,
        {
            "name": "Privacy Officer",
            "organisation": "Northwind Workers' Union",
            "postal_address": "Suite 400\nEdmonton",
            "local_phone": "780-555-0199",
            "toll_free_phone": "",
            "email": "privacy@northwind.example",
        },
    )

    assert response.status_code == 302
    assert PrivacyOfficer.for_site(site["site"]).local_phone == "780-555-0199"


def test_privacy_officer_reads_the_roster_but_cannot_change_it(site):
    client = staff_client("privacy")
    member = site["member"]

    record = client.get(VIEWS["a member's roster record"](site))
    refused = client.post(
        VIEWS["edit a member's roster record"](site), {"member_id": member.member_id}
    )

    assert member.member_id in record.content.decode()
    assert is_refused(refused)


def test_meeting_organisers_never_see_the_roster(site):
    client = staff_client("organiser")
    for name in ("the roster", "a member's roster record", "mailed-notice export"):
        response = client.get(VIEWS[name](site))
        assert is_refused(response), name
        assert site["member"].family_name not in response.content.decode()


def test_membership_staff_find_each_meetings_mailing_list_from_their_menu(site):
    client = staff_client("membership")

    dashboard = client.get("/admin/").content.decode()
    listing = client.get(VIEWS["mailed notices"](site)).content.decode()

    assert "/admin/meetings/mailed-notices/" in dashboard
    assert VIEWS["mailed-notice export"](site) in listing
    assert "Local 012 AGM" in listing
    assert (
        "/admin/meetings/mailed-notices/"
        not in staff_client("editor").get("/admin/").content.decode()
    )


# Members ---------------------------------------------------------------------------


def test_a_member_account_is_sent_to_sign_in_from_the_admin(site):
    member = site["member"]
    member.email = "maya@example.com"
    member.save()
    client = signed_in(give_account(member))

    for url in ("/admin/", "/admin/pages/", VIEWS["the roster"](site)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")


def test_staff_groups_cover_every_role_the_demo_signs_in_as():
    assert set(GROUPS.values()) == {
        COMMUNICATIONS_EDITORS,
        MODERATORS,
        MEMBERSHIP_STAFF,
        PRIVACY_OFFICER,
        MEETING_ORGANISERS,
    }
    user = staff_member("moderator")
    assert not user.is_superuser and not user.is_staff
