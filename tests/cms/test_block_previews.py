"""The admin's block chooser: every page component says what it is for and shows a
preview of itself, rendered by Wagtail's block preview view with the site's styles."""

import inspect
from html import unescape

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import get_page_models

from cms import blocks as components
from cms.factories import DocumentFactory
from policies.models import PolicyPage
from tests.staff_fixtures import staff_client

pytestmark = pytest.mark.django_db

# Not in the page-component library: GuidePage's tips are plain rich text blocks
# declared in meetings/models.py, which the meetings app gives their description.
OUTSIDE_THE_LIBRARY = set()

# What each component's preview shows, from its preview value.
SHOWS = {
    components.TipBlock: ["keep your microphone muted"],
    components.TextOnlyBlock: ["Why we bargain together", "<b>safe staffing</b>"],
    components.ItemListBlock: [
        "What to bring to a grievance meeting",
        "<li><p>Your member ID</p></li>",
    ],
    components.CalloutBlock: ["callout--important", "Nominations close Friday at 5 p.m."],
    components.StepBlock: ['<ol class="steps">', "Sign in to the meeting page"],
    components.StepsBlock: ["How to vote in your Chapter", "Keep your receipt code"],
    components.ComparisonColumnBlock: ["Meeting window", "raise your hand to speak"],
    components.ComparisonBlock: ["What each window is for", "Voting window"],
    components.PhoneNumberBlock: ["Toll-free", "1-800-555-0199"],
    components.ContactCardBlock: ["Local 041 office", 'href="tel:7805550141"'],
    components.SiteContactBlock: ["Member Resource Centre"],
    components.DocumentDownloadBlock: ["Nomination form for Chapter officers"],
    components.FAQBlock: ["Do I keep my seniority if I move to another Local?"],
    components.MembersOnlyBlock: [
        "Bargaining update for members",
        "Ratification vote",
        "Members only (preview)",
    ],
    components.ComponentsBlock: ["Ratification vote"],
    components.BaseStreamBlock: ["Your union at work", "How do I find my Local?"],
}


def library_classes():
    """Every block class the page-component library defines (not its abstract base)."""
    return [
        cls
        for _, cls in inspect.getmembers(components, inspect.isclass)
        if issubclass(cls, blocks.Block)
        and cls.__module__ == components.__name__
        and cls is not components.HeadedSectionBlock
    ]


def nested(block):
    """The block and every block inside it."""
    yield block
    children = list(getattr(block, "child_blocks", {}).values())
    if isinstance(block, blocks.ListBlock):
        children.append(block.child_block)
    for child in children:
        yield from nested(child)


def stream_fields():
    for model in get_page_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                yield model, field


def library_block(cls):
    """The block of this class as the admin's editor uses it: in a policy page's body, or
    in the page field that holds it (a guide's tips)."""
    body = PolicyPage._meta.get_field("body").stream_block
    fields = [body] + [field.stream_block for _, field in stream_fields()]
    return next(block for field in fields for block in nested(field) if type(block) is cls)


def preview(client, block):
    return client.get(reverse("wagtailadmin_block_preview"), {"id": block.definition_prefix})


def test_every_block_in_the_library_declares_a_description_and_a_preview_value():
    classes = library_classes()

    assert set(classes) == set(SHOWS), "each block has its preview checked below"
    for cls in classes:
        meta = cls._meta_class
        assert getattr(meta, "description", "").strip(), f"{cls.__name__} has no description"
        assert hasattr(meta, "preview_value"), f"{cls.__name__} has no preview_value"


def test_every_block_a_chooser_offers_is_described_and_previewable():
    offered = []
    for model, field in stream_fields():
        for block in nested(field.stream_block):
            if not isinstance(block, blocks.StreamBlock):
                continue
            for name, child in block.child_blocks.items():
                if (model.__name__, field.name, name) in OUTSIDE_THE_LIBRARY:
                    continue
                offered.append((model.__name__, field.name, name))
                assert child.get_description(), f"{model.__name__}.{field.name}: {name}"
                assert child.is_previewable, f"{model.__name__}.{field.name}: {name}"

    # The guide's own steps and comparison fields are among them.
    assert ("GuidePage", "steps", "step") in offered
    assert ("GuidePage", "comparison", "comparison") in offered
    assert ("PolicyPage", "body", "members_only") in offered


@pytest.mark.parametrize("cls", list(SHOWS), ids=lambda cls: cls.__name__)
def test_the_admin_previews_each_block_with_its_content(cls, member_resource_centre):
    editor = staff_client("editor")
    block = library_block(cls)

    response = preview(editor, block)

    assert response.status_code == 200
    html = response.content.decode()
    for text in SHOWS[cls]:
        assert text in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("link", rel="stylesheet", href="/static/css/site.css")
    # Wagtail names the block in the page title; the preview is not indexed.
    assert soup.title.get_text() == f"Preview for {block.label} ({cls.__name__})"
    assert block.label
    assert soup.find("meta", attrs={"name": "robots", "content": "noindex"})


def test_the_contact_card_from_settings_previews_the_current_settings(member_resource_centre):
    member_resource_centre.toll_free_phone = "1-800-555-0177"
    member_resource_centre.save()

    html = preview(staff_client("editor"), library_block(components.SiteContactBlock))

    assert "1-800-555-0177" in html.content.decode()


def test_the_document_download_previews_the_newest_public_document(home_page):
    DocumentFactory(title="Bylaws 2024")
    newest = DocumentFactory(title="Strike pay rules")

    html = preview(staff_client("editor"), library_block(components.DocumentDownloadBlock))

    soup = BeautifulSoup(html.content.decode(), "html.parser")
    link = soup.find("a", class_="download__link")
    assert link["href"] == newest.url
    assert "Nomination form for Chapter officers" in link.get_text()
    assert "PDF" in link.get_text()


def test_the_document_download_preview_leaves_private_documents_out(private_collection):
    DocumentFactory(title="Grievance file of a member", collection=private_collection)

    response = preview(staff_client("editor"), library_block(components.DocumentDownloadBlock))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Nomination form for Chapter officers" in html
    assert "(PDF, 180.0 KB)" in html
    assert "/documents/" not in html


def test_block_previews_are_for_staff_only(client, site_user):
    client.force_login(site_user)

    response = preview(client, library_block(components.TextOnlyBlock))

    assert "Why we bargain together" not in response.content.decode()
    assert response.status_code in (302, 403)


def test_the_editor_hands_the_block_chooser_each_description_and_preview(home_page):
    editor = staff_client("editor")
    add_policy = reverse("wagtailadmin_pages:add", args=("policies", "policypage", home_page.pk))

    # The block definitions travel to the editor's script as escaped JSON.
    definitions = unescape(editor.get(add_policy).content.decode())

    body = PolicyPage._meta.get_field("body").stream_block
    for block in body.child_blocks.values():
        assert block.get_description() in definitions
        assert f'"blockDefId": "{block.definition_prefix}", "isPreviewable": true' in definitions, (
            block.name
        )
