"""Page types: where each may be created, that each renders and previews, and
that every page component shows its content on the page."""

from bs4 import BeautifulSoup
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from wagtail.models import Page, get_page_models
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.factories import DocumentFactory, one_of_each_component
from home.factories import (
    ContentPageFactory,
    MemberResourceCentreFactory,
    PrivacyOfficerFactory,
    build_site,
)
from home.models import ContentPage, HomePage
from meetings.factories import (
    GuideIndexPageFactory,
    GuidePageFactory,
    MeetingIndexPageFactory,
    MeetingPageFactory,
)
from meetings.models import (
    GuideIndexPage,
    GuidePage,
    MeetingIndexPage,
    MeetingMinutesPage,
    MeetingPage,
)
from policies.factories import PolicyPageFactory
from policies.models import PolicyPage


def list_block(items):
    """ListBlock form data, as the admin's list editor posts it."""
    data = {
        str(index): {"value": value, "deleted": "", "order": str(index)}
        for index, value in enumerate(items)
    }
    data["count"] = str(len(items))
    return data


PAGE_TYPES = set(get_page_models())  # every page type of the site, and Wagtail's own Page

# Below the home page: each page type, the types it may go under, the types it may hold.
TREE = [
    (ContentPage, {HomePage, ContentPage}, {ContentPage, PolicyPage}),
    (PolicyPage, {HomePage, ContentPage}, set()),
    (GuideIndexPage, {HomePage}, {GuidePage}),
    (GuidePage, {GuideIndexPage}, set()),
    (MeetingIndexPage, {HomePage}, {MeetingPage}),
    (MeetingPage, {MeetingIndexPage}, {MeetingMinutesPage}),
    (MeetingMinutesPage, {MeetingPage}, set()),
]


class PageTreeRulesTests(WagtailPageTestCase):
    """Each page type can be created only where it belongs in the site tree."""

    def test_home_page_sits_only_at_the_top_of_the_tree(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertCanCreateAt(Page, HomePage)
        for parent in PAGE_TYPES - {Page}:
            self.assertCanNotCreateAt(parent, HomePage)

    def test_home_page_holds_content_pages_policies_and_the_guide_and_meeting_indexes(self):
        self.assertAllowedSubpageTypes(
            HomePage, {ContentPage, PolicyPage, GuideIndexPage, MeetingIndexPage}
        )
        self.assertCanNotCreateAt(HomePage, GuidePage)

    def test_only_one_home_page_can_exist(self):
        build_site()
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))

    def test_each_page_type_goes_only_under_its_parents_and_holds_only_its_children(self):
        for page_type, parents, children in TREE:
            with self.subTest(page_type.__name__):
                self.assertAllowedParentPageTypes(page_type, parents)
                self.assertAllowedSubpageTypes(page_type, children)
                for elsewhere in PAGE_TYPES - parents:
                    self.assertCanNotCreateAt(elsewhere, page_type)


class PageRenderingTests(WagtailPageTestCase):
    """Every page type renders with the site templates and previews in the admin."""

    @classmethod
    def setUpTestData(cls):
        cls.home = build_site(introduction="Welcome, members of the Northwind Workers' Union.")
        MemberResourceCentreFactory()
        PrivacyOfficerFactory()
        cls.content = ContentPageFactory(
            parent=cls.home, title="Bargaining updates", body__0__text__heading="Where talks stand"
        )
        cls.policy = PolicyPageFactory(parent=cls.home, body__0="text")
        cls.guide_index = GuideIndexPageFactory(parent=cls.home)
        cls.instructions = DocumentFactory(title="Virtual AGM instructions")
        cls.guide = GuidePageFactory(
            parent=cls.guide_index,
            instructions_document=cls.instructions,
            comparison__0="comparison",
            tips__0__tip__value="<p>Use headphones to avoid echo.</p>",
        )
        cls.meeting_index = MeetingIndexPageFactory(parent=cls.home)
        cls.meeting = MeetingPageFactory(parent=cls.meeting_index, guide=cls.guide)

    def all_pages(self):
        return [
            self.home,
            self.content,
            self.policy,
            self.guide_index,
            self.guide,
            self.meeting_index,
            self.meeting,
        ]

    def test_every_page_type_renders(self):
        for page in self.all_pages():
            with self.subTest(page=type(page).__name__):
                self.assertPageIsRenderable(page)

    def test_every_page_type_uses_its_own_template(self):
        templates = {
            self.home: "home/home_page.html",
            self.content: "home/content_page.html",
            self.policy: "policies/policy_page.html",
            self.guide_index: "meetings/guide_index_page.html",
            self.guide: "meetings/guide_page.html",
        }
        for page, template in templates.items():
            with self.subTest(page=type(page).__name__):
                response = self.client.get(page.url)
                self.assertTemplateUsed(response, template)
                self.assertContains(response, f"<h1>{page.title}</h1>", html=True)

    def test_home_page_shows_its_welcome(self):
        response = self.client.get(self.home.url)
        self.assertContains(response, "Welcome, members of the Northwind Workers")

    def test_policy_page_shows_last_reviewed_date_and_privacy_officer_from_settings(self):
        response = self.client.get(self.policy.url)
        self.assertContains(response, '<time datetime="2026-03-01">March 1, 2026</time>', html=True)
        self.assertContains(response, "Questions about this policy")
        self.assertContains(response, "privacy@northwind.example")
        self.assertContains(response, "780-555-0123")

    def test_policy_page_can_leave_out_the_privacy_officer_card(self):
        policy = PolicyPageFactory(
            parent=self.home, title="Code of conduct", show_privacy_officer=False
        )
        response = self.client.get(policy.url)
        self.assertNotContains(response, "Questions about this policy")
        self.assertNotContains(response, "780-555-0123")

    def test_policy_page_lists_its_sections_when_it_has_several(self):
        policy = PolicyPageFactory(
            parent=self.home,
            title="Records retention",
            body__0__text__heading="What we keep",
            body__1__text__heading="How long we keep it",
            body__2__faq__question="Can I see my file?",
            body__3__list__heading="Who can see it",
        )
        soup = BeautifulSoup(self.client.get(policy.url).content, "html.parser")
        contents = soup.find("nav", class_="toc")
        self.assertIsNotNone(contents)
        self.assertEqual(
            [(a.get_text(), a["href"]) for a in contents.find_all("a")],
            [
                ("What we keep", "#what-we-keep"),
                ("How long we keep it", "#how-long-we-keep-it"),
                ("Who can see it", "#who-can-see-it"),
            ],
        )
        self.assertIsNotNone(soup.find(id="how-long-we-keep-it"))

    def test_guide_page_shows_steps_comparison_tips_and_download(self):
        response = self.client.get(self.guide.url)
        soup = BeautifulSoup(response.content, "html.parser")
        steps = soup.find("section", attrs={"aria-labelledby": "steps-heading"})
        self.assertEqual(
            [title.get_text() for title in steps.select("ol > li h3")],
            ["Sign in", "Enter the meeting"],
        )
        self.assertContains(response, "What each window is for")
        self.assertContains(response, "Voting window")
        self.assertContains(response, "Use headphones to avoid echo.")
        download = soup.find("a", href=self.instructions.url)
        self.assertIsNotNone(download)
        self.assertIn("Download these instructions", download.get_text())
        self.assertIn("PDF", download.get_text())

    def test_guide_index_lists_only_live_public_guides(self):
        draft = GuidePageFactory(parent=self.guide_index, title="Draft guide", live=False)
        response = self.client.get(self.guide_index.url)
        self.assertContains(response, f'href="{self.guide.url}"')
        self.assertNotContains(response, draft.title)

    def preview_data(self, page):
        """The edit form as an editor would post it, with changes not yet saved."""
        common = {"title": f"{page.title} (edited)", "slug": page.slug}
        body = streamfield(
            [
                ("text", {"heading": "New section", "text": rich_text("<p>Preview me.</p>")}),
                ("faq", {"question": "Is this live?", "answer": rich_text("<p>No.</p>")}),
            ]
        )
        by_type = {
            HomePage: {"introduction": "Hello", "body": body},
            ContentPage: {"introduction": "Summary", "body": body},
            PolicyPage: {
                "introduction": "Summary",
                "body": body,
                "last_reviewed": "2026-04-01",
                "show_privacy_officer": "on",
            },
            GuideIndexPage: {"introduction": "All our guides"},
            MeetingIndexPage: {"introduction": "Our meetings"},
            MeetingPage: {
                "kind": "agm",
                "audience_kind": "union",
                "starts_at": "2027-03-13 10:00",
                "ends_at": "2027-03-13 13:00",
                "time_zone": "America/Edmonton",
                "agenda": rich_text("<p>Call to order.</p>"),
                "materials": inline_formset([]),
                "chair_appointments": inline_formset([]),
                "scrutineer_appointments": inline_formset([]),
                "guide": "",
                "quorum": "25",
                "proxy_cap": "1",
            },
            GuidePage: {
                "introduction": rich_text("<p>For members joining online.</p>"),
                "steps": streamfield(
                    [("step", {"title": "Open the preview", "text": rich_text("<p>Go.</p>")})]
                ),
                "comparison": streamfield([]),
                "tips": streamfield([]),
                "body": body,
                "instructions_document": "",
            },
        }
        return nested_form_data({**common, **by_type[type(page)]})

    def test_every_page_type_previews(self):
        for page in self.all_pages():
            with self.subTest(page=type(page).__name__):
                self.assertPageIsPreviewable(page, post_data=self.preview_data(page))

    def test_preview_shows_unsaved_changes_without_publishing_them(self):
        self.login()
        preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=(self.guide.pk,))
        response = self.client.post(preview_url, self.preview_data(self.guide))
        self.assertJSONEqual(response.content, {"is_valid": True, "is_available": True})

        preview = self.client.get(preview_url)
        self.assertContains(preview, "Open the preview")
        self.assertContains(preview, "Is this live?")
        self.assertNotContains(self.client.get(self.guide.url), "Open the preview")


class PageComponentTests(WagtailPageTestCase):
    """One of every component on each page type with a body shows its content."""

    @classmethod
    def setUpTestData(cls):
        cls.document = DocumentFactory(title="Annual report 2025")
        components = one_of_each_component(document=cls.document)
        cls.home = build_site(**components)
        MemberResourceCentreFactory(local_phone="780-555-0177", hours="Weekdays, 9 a.m. to 5 p.m.")
        cls.pages = [
            cls.home,
            ContentPageFactory(parent=cls.home, title="Your privacy", **components),
            PolicyPageFactory(parent=cls.home, **components),
            GuidePageFactory(parent=GuideIndexPageFactory(parent=cls.home), **components),
        ]

    def stream_of(self, page):
        """The rendered components of a page, without header, footer or other fields."""
        response = self.client.get(page.url)
        self.assertEqual(response.status_code, 200)
        return BeautifulSoup(response.content, "html.parser").select_one("main .stream")

    def each_stream(self):
        for page in self.pages:
            with self.subTest(page=type(page).__name__):
                yield self.stream_of(page)

    def section_headed(self, stream, heading):
        title = stream.find("h2", string=heading)
        self.assertIsNotNone(title, f"no component headed {heading!r}")
        return title.find_parent("section")

    def test_text_block_shows_heading_with_anchor_and_rich_text(self):
        for stream in self.each_stream():
            section = self.section_headed(stream, "What we collect")
            self.assertEqual(section.h2["id"], "what-we-collect")
            self.assertIn("We collect your name, member ID", section.get_text())

    def assertListShownAs(self, heading, tag, items):
        """Every page shows the list under ``heading`` as an HTML ``tag`` list (and no
        list of the other kind) of ``items``."""
        other = {"ul": "ol", "ol": "ul"}[tag]
        for stream in self.each_stream():
            section = self.section_headed(stream, heading)
            self.assertIsNone(section.find(other))
            self.assertEqual([li.get_text() for li in section.find(tag).find_all("li")], items)

    def test_bulleted_list_is_an_unordered_list(self):
        self.assertListShownAs(
            "Why we collect it", "ul", ["To send meeting notices", "To check who may vote"]
        )

    def test_numbered_list_is_an_ordered_list(self):
        self.assertListShownAs("How we use it", "ol", ["Check eligibility", "Count the ballot"])

    def test_callout_is_set_apart_with_its_tone(self):
        for stream in self.each_stream():
            callout = stream.find("aside")
            self.assertIn("callout--important", callout["class"])
            self.assertEqual(callout["aria-label"], "Before the meeting")
            self.assertIn("Verify your email address", callout.get_text())

    def test_steps_are_numbered_in_order(self):
        for stream in self.each_stream():
            section = self.section_headed(stream, "How to join")
            self.assertEqual(
                [step.find("h3").get_text() for step in section.select("ol > li")],
                ["Sign in"],
            )
            self.assertIn("Use your member ID and personal email.", section.get_text())

    def test_comparison_shows_both_columns(self):
        for stream in self.each_stream():
            section = self.section_headed(stream, "What each window is for")
            self.assertEqual(
                [title.get_text() for title in section.find_all("h3")],
                ["Video window", "Voting window"],
            )
            self.assertIn("Vote on each item when the chair opens it.", section.get_text())

    def test_contact_card_shows_address_phone_email_and_hours(self):
        for stream in self.each_stream():
            card = stream.find("h3", string="Meeting IT support").find_parent("section")
            self.assertEqual(
                card.find("address").get_text(separator="|"),
                "100 Example Street|Edmonton AB  T5J 0A1",
            )
            self.assertIsNotNone(card.find("a", href="tel:7805550142"))
            self.assertIsNotNone(card.find("a", href="mailto:it-support@northwind.example"))
            self.assertIn("During the meeting", card.get_text())

    def test_site_contact_shows_the_current_details_from_site_settings(self):
        for stream in self.each_stream():
            card = stream.find("h3", string="Member Resource Centre").find_parent("section")
            self.assertIsNotNone(card.find("a", string="780-555-0177"))
            self.assertIn("Weekdays, 9 a.m. to 5 p.m.", card.get_text())

    def test_document_block_links_the_file_with_its_type_and_size(self):
        size = filesizeformat(self.document.get_file_size())
        for stream in self.each_stream():
            link = stream.find("a", href=self.document.url)
            self.assertIsNotNone(link)
            self.assertIn("Annual report 2025", link.get_text())
            self.assertIn(f"(PDF, {size})", link.get_text())
            self.assertIn("Print this and keep it beside you", stream.get_text())

    def test_faq_item_is_a_disclosure(self):
        for stream in self.each_stream():
            faq = stream.find("details")
            self.assertEqual(faq.find("summary").get_text(), "Can I vote by phone?")
            self.assertIn("Yes, if you joined by the dial-in number.", faq.get_text())
