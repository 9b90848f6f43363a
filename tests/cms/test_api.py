"""The headless API (Wagtail API v2): every page type readable as JSON, page
components as structured data, and nothing restricted or unpublished in it."""

import io

import pytest
from pypdf import PdfReader

from cms import blocks as components
from cms.factories import DocumentFactory, one_of_each_component
from home.factories import ContentPageFactory, build_site
from meetings.factories import GuidePageFactory
from policies.factories import PolicyPageFactory

pytestmark = pytest.mark.django_db


def page_detail(client, page):
    response = client.get(f"/api/v2/pages/{page.pk}/")
    assert response.status_code == 200
    return response.json()


def listed_ids(client, **params):
    response = client.get("/api/v2/pages/", params)
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


def blocks_by_heading(stream):
    return {block["value"].get("heading"): block for block in stream}


def test_home_page_gives_its_introduction_and_body(client):
    home_page = build_site(
        introduction="Welcome, members.", body__0__faq__question="Where is my Local?"
    )

    data = page_detail(client, home_page)

    assert data["meta"]["type"] == "home.HomePage"
    assert data["introduction"] == "Welcome, members."
    assert data["body"][0]["type"] == "faq"
    assert data["body"][0]["value"]["question"] == "Where is my Local?"


def test_guide_index_gives_its_introduction(client, guide_index):
    data = page_detail(client, guide_index)

    assert data["meta"]["type"] == "meetings.GuideIndexPage"
    assert data["introduction"] == guide_index.introduction


def test_text_block_is_structured_with_heading_anchor_and_display_html(client, home_page):
    linked = ContentPageFactory(parent=home_page, title="Meeting rules")
    page = ContentPageFactory(
        parent=home_page,
        body__0__text__heading="Who may vote",
        body__0__text__text=(
            f'<p>Read the <a linktype="page" id="{linked.pk}">meeting rules</a> first.</p>'
        ),
    )

    [block] = page_detail(client, page)["body"]

    assert block["type"] == "text"
    assert block["value"]["heading"] == "Who may vote"
    assert block["value"]["anchor"] == "who-may-vote"
    # Display HTML: the internal link is resolved to the page's URL.
    assert block["value"]["text"] == (
        f'<p>Read the <a href="{linked.url}">meeting rules</a> first.</p>'
    )
    assert "linktype" not in block["value"]["text"]


def test_every_component_comes_out_as_structured_json(client, home_page, member_resource_centre):
    document = DocumentFactory(title="Annual report 2025")
    page = ContentPageFactory(parent=home_page, **one_of_each_component(document=document))

    body = page_detail(client, page)["body"]

    types = [block["type"] for block in body]
    assert types == [block.block_type for block in page.body]
    # Every public component is there (the members-only section is tested on its own).
    assert set(types) == set(components.BaseStreamBlock.base_blocks) - {"members_only"}
    assert types.count("list") == 2
    by_heading = blocks_by_heading(body)
    bulleted = by_heading["Why we collect it"]["value"]
    assert bulleted["style"] == "bulleted"
    assert bulleted["items"] == ["<p>To send meeting notices</p>", "<p>To check who may vote</p>"]
    numbered = by_heading["How we use it"]["value"]
    assert numbered["style"] == "numbered"
    assert numbered["items"] == ["<p>Check eligibility</p>", "<p>Count the ballot</p>"]

    callout = by_heading["Before the meeting"]["value"]
    assert callout["tone"] == "important"
    assert "Verify your email address" in callout["text"]

    steps = by_heading["How to join"]["value"]
    assert steps["anchor"] == "how-to-join"
    assert steps["steps"] == [
        {"title": "Sign in", "text": "<p>Use your member ID and personal email.</p>"}
    ]

    comparison = by_heading["What each window is for"]["value"]
    assert comparison["left"]["title"] == "Video window"
    assert comparison["right"]["title"] == "Voting window"

    contact = body[6]["value"]
    assert contact["name"] == "Meeting IT support"
    assert contact["phone_numbers"] == [{"label": "Help line", "number": "780-555-0142"}]
    assert contact["email"] == "it-support@northwind.example"

    site_contact = body[7]["value"]
    assert site_contact["contact"] == "member_resource_centre"
    assert site_contact["phone_numbers"] == [
        {"label": "Local", "number": member_resource_centre.local_phone},
        {"label": "Toll-free", "number": member_resource_centre.toll_free_phone},
    ]
    assert site_contact["hours"] == member_resource_centre.hours

    download = body[8]["value"]
    assert download["title"] == "Annual report 2025"
    assert download["document"] == {
        "id": document.pk,
        "title": "Annual report 2025",
        "file_extension": "pdf",
        "file_size": document.get_file_size(),
        "download_url": f"http://testserver{document.url}",
    }

    faq = body[9]["value"]
    assert faq == {
        "question": "Can I vote by phone?",
        "answer": "<p>Yes, if you joined by the dial-in number.</p>",
    }


def test_site_contact_follows_the_settings_when_they_change(
    client, home_page, member_resource_centre
):
    page = ContentPageFactory(parent=home_page, body__0="site_contact")
    member_resource_centre.hours = "Closed for the holidays"
    member_resource_centre.save()

    [block] = page_detail(client, page)["body"]

    assert block["value"]["hours"] == "Closed for the holidays"


def test_guide_gives_steps_and_a_working_download_link(client, guide_index):
    instructions = DocumentFactory(title="Virtual AGM instructions")
    guide = GuidePageFactory(
        parent=guide_index,
        instructions_document=instructions,
        tips__0__tip__value="<p>Join ten minutes early.</p>",
    )

    data = page_detail(client, guide)

    assert data["meta"]["type"] == "meetings.GuidePage"
    assert [step["type"] for step in data["steps"]] == ["step", "step"]
    assert [step["value"]["title"] for step in data["steps"]] == ["Sign in", "Enter the meeting"]
    assert data["tips"][0]["value"] == "<p>Join ten minutes early.</p>"
    download = data["instructions_document"]
    assert download["title"] == "Virtual AGM instructions"
    assert download["file_extension"] == "pdf"
    assert download["download_url"] == f"http://testserver{instructions.url}"

    file = client.get(download["download_url"].removeprefix("http://testserver"))
    assert file.status_code == 200
    pdf = PdfReader(io.BytesIO(b"".join(file.streaming_content)))
    assert "Virtual AGM instructions" in pdf.pages[0].extract_text()


def test_guide_without_instructions_gives_null_download(client, guide_index):
    guide = GuidePageFactory(parent=guide_index)

    assert page_detail(client, guide)["instructions_document"] is None


def test_policy_gives_last_reviewed_and_privacy_officer_contact(client, home_page, privacy_officer):
    policy = PolicyPageFactory(parent=home_page, body__0="text")

    data = page_detail(client, policy)

    assert data["meta"]["type"] == "policies.PolicyPage"
    assert data["last_reviewed"] == "2026-03-01"
    assert data["body"][0]["type"] == "text"
    officer = data["privacy_officer"]
    assert officer["name"] == privacy_officer.name
    assert officer["email"] == privacy_officer.email
    assert officer["postal_address"] == ["100 Example Street", "Edmonton AB  T5J 0A1"]
    assert {"label": "Local", "number": privacy_officer.local_phone} in officer["phone_numbers"]


def test_policy_without_the_officer_card_gives_null_contact(client, home_page, privacy_officer):
    policy = PolicyPageFactory(parent=home_page, show_privacy_officer=False)

    assert page_detail(client, policy)["privacy_officer"] is None


def test_listing_filters_by_page_type(client, home_page, guide_index):
    guide = GuidePageFactory(parent=guide_index)
    ContentPageFactory(parent=home_page)

    assert listed_ids(client, type="meetings.GuidePage", fields="*") == {guide.pk}


def test_restricted_page_and_its_children_are_not_in_the_api(
    client, home_page, restrict_to_signed_in
):
    public = ContentPageFactory(parent=home_page, title="Bargaining news")
    restricted = ContentPageFactory(parent=home_page, title="Strike vote planning")
    child = PolicyPageFactory(parent=restricted, title="Strike pay policy")
    restrict_to_signed_in(restricted)

    ids = listed_ids(client)
    assert public.pk in ids
    assert restricted.pk not in ids
    assert child.pk not in ids
    assert listed_ids(client, type="policies.PolicyPage") == set()
    assert client.get(f"/api/v2/pages/{restricted.pk}/").status_code == 404
    assert client.get(f"/api/v2/pages/{child.pk}/").status_code == 404


def test_unpublished_page_is_not_in_the_api(client, home_page):
    draft = ContentPageFactory(parent=home_page, title="Draft news", live=False)

    assert draft.pk not in listed_ids(client)
    assert client.get(f"/api/v2/pages/{draft.pk}/").status_code == 404


def test_documents_in_private_collections_are_not_in_the_api(client, private_collection):
    public = DocumentFactory(title="AGM agenda")
    private = DocumentFactory(title="Bargaining strategy", collection=private_collection)

    response = client.get("/api/v2/documents/")

    assert response.status_code == 200
    assert {item["id"] for item in response.json()["items"]} == {public.pk}
    assert client.get(f"/api/v2/documents/{public.pk}/").status_code == 200
    assert client.get(f"/api/v2/documents/{private.pk}/").status_code == 404
