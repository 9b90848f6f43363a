"""Editors at work in the Wagtail admin, with real form posts: upload the
instructions, write and publish a guide, revise a policy, and get clear errors
when a page cannot be saved."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection, Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from home.factories import ContentPageFactory
from home.models import ContentPage
from meetings.models import GuidePage
from policies.factories import PolicyPageFactory
from policies.models import PolicyPage
from tests.staff_fixtures import add_url, content_page_form

Document = get_document_model()


def upload_document(client, title, upload):
    """Upload a document through the admin's documents add view."""
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": title,
            "file": upload,
            "collection": Collection.get_first_root_node().pk,
        },
    )


def guide_form(title, slug, steps, document=None, **extra):
    """The guide page edit form as the admin posts it."""
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "introduction": rich_text("<p>For members joining their AGM online.</p>"),
            "steps": streamfield(
                [
                    ("step", {"title": step_title, "text": rich_text(f"<p>{step_text}</p>")})
                    for step_title, step_text in steps
                ]
            ),
            "comparison": streamfield([]),
            "tips": streamfield([]),
            "body": streamfield([]),
            "instructions_document": str(document.pk) if document else "",
            **extra,
        }
    )


STEPS = [
    ("Sign in to the members' site", "Use your email and password."),
    ("Open My meetings", "Choose your Local's AGM."),
    ("Press Enter meeting", "The video and the ballot open side by side."),
]


def test_editor_uploads_instructions_and_publishes_a_guide_that_appears_on_site_and_api(
    admin_client, client, guide_index, pdf_upload
):
    response = upload_document(admin_client, "Virtual AGM instructions", pdf_upload)
    assert response.status_code == 302
    document = Document.objects.get(title="Virtual AGM instructions")
    assert document.file_extension == "pdf"

    response = admin_client.post(
        add_url(GuidePage, guide_index),
        guide_form(
            "Taking part in a virtual AGM",
            "virtual-agm",
            STEPS,
            document=document,
            **{"action-publish": "action-publish"},
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_explore", args=(guide_index.pk,))

    guide = GuidePage.objects.child_of(guide_index).get(slug="virtual-agm")
    assert guide.live
    assert guide.instructions_document == document
    assert [step.value["title"] for step in guide.steps] == [title for title, _ in STEPS]

    page = client.get(guide.url)
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    shown_steps = soup.select("ol.steps > li")
    assert [step.h3.get_text() for step in shown_steps] == [title for title, _ in STEPS]
    assert [step.p.get_text() for step in shown_steps] == [text for _, text in STEPS]
    assert soup.find("a", href=document.url) is not None

    api = client.get("/api/v2/pages/", {"type": "meetings.GuidePage", "fields": "*"})
    assert api.status_code == 200
    [item] = api.json()["items"]
    assert item["id"] == guide.pk
    assert item["title"] == "Taking part in a virtual AGM"
    assert [step["value"]["title"] for step in item["steps"]] == [title for title, _ in STEPS]
    assert item["instructions_document"]["download_url"] == f"http://testserver{document.url}"


def test_editor_saves_a_draft_guide_that_stays_off_the_site(admin_client, client, guide_index):
    response = admin_client.post(
        add_url(GuidePage, guide_index),
        guide_form("Voting on a motion", "voting-on-a-motion", STEPS[:1]),
    )
    guide = GuidePage.objects.child_of(guide_index).get(slug="voting-on-a-motion")
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=(guide.pk,))
    assert not guide.live

    assert client.get("/guides/voting-on-a-motion/").status_code == 404
    assert client.get("/api/v2/pages/", {"type": "meetings.GuidePage"}).json()["items"] == []


def test_republishing_a_policy_keeps_its_earlier_versions(admin_client, client, home_page):
    policy = PolicyPageFactory(parent=home_page, body__0="text")
    policy.save_revision().publish()
    edit_form = nested_form_data(
        {
            "title": policy.title,
            "slug": policy.slug,
            "introduction": "Revised after the 2026 review.",
            "body": streamfield(
                [("text", {"heading": "What we collect", "text": rich_text("<p>Less.</p>")})]
            ),
            "last_reviewed": "2026-09-15",
            "show_privacy_officer": "on",
            "action-publish": "action-publish",
        }
    )

    response = admin_client.post(reverse("wagtailadmin_pages:edit", args=(policy.pk,)), edit_form)

    assert response.status_code == 302
    policy = PolicyPage.objects.get(pk=policy.pk)
    assert str(policy.last_reviewed) == "2026-09-15"
    assert policy.revisions.count() == 2
    oldest = policy.revisions.order_by("created_at", "pk").first().as_object()
    assert oldest.introduction != "Revised after the 2026 review."
    assert "Revised after the 2026 review." in client.get(policy.url).content.decode()


def add_benefits_page(admin_client, parent):
    """Add a content page with the slug "benefits" under ``parent`` in the admin."""
    return admin_client.post(
        add_url(ContentPage, parent),
        content_page_form(
            ContentPage(title="Benefits for retirees", slug="benefits", introduction=""),
            "Coverage.",
        ),
    )


def test_adding_a_page_with_a_slug_its_sibling_already_uses_is_refused(admin_client, home_page):
    ContentPageFactory(parent=home_page, title="Member benefits", slug="benefits")
    pages_before = Page.objects.count()

    response = add_benefits_page(admin_client, home_page)

    assert response.status_code == 200
    errors = response.context["form"].errors["slug"]
    assert any("already in use" in error for error in errors)
    assert "already in use" in response.content.decode()
    assert Page.objects.count() == pages_before


def test_same_slug_under_a_different_parent_is_allowed(admin_client, home_page):
    section = ContentPageFactory(parent=home_page, title="Retirees", slug="retirees")
    ContentPageFactory(parent=home_page, title="Member benefits", slug="benefits")

    response = add_benefits_page(admin_client, section)

    assert response.status_code == 302
    assert Page.objects.child_of(section).filter(slug="benefits").exists()


@pytest.mark.parametrize(
    ("model", "parent_fixture"),
    [(GuidePage, "home_page"), (PolicyPage, "guide_index")],
    ids=["guide under the home page", "policy under the guide index"],
)
def test_admin_refuses_a_page_type_under_a_parent_it_does_not_belong_to(
    request, admin_client, model, parent_fixture
):
    parent = request.getfixturevalue(parent_fixture)
    pages_before = Page.objects.count()

    response = admin_client.post(
        add_url(model, parent), guide_form("Misplaced", "misplaced", STEPS[:1])
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert "do not have permission" in str(list(get_messages(response.wsgi_request))[0])
    assert Page.objects.count() == pages_before
