"""The page-component library: every page type builds its body from these.

Editors compose pages from these blocks and never write HTML. Each block has a
template in ``templates/blocks/`` and a structured API representation, so the
headless API returns the same components a browser sees.

Each block also has a ``description`` and a ``preview_value``: the admin's block
chooser shows them, rendered with the site's own stylesheet
(``templates/wagtailcore/shared/block_preview.html``), so editors see what a
component is for and how it looks before they add it.
"""

from django.utils.text import slugify
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.models import CollectionViewRestriction

from cms.previews import preview_audience
from members.audience import Audience, signed_in_member
from members.choosers import ChapterChooserBlock, LocalChooserBlock, SectorChooserBlock

# Rich text features editors get: enough for clear prose, nothing that breaks layout.
PROSE_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]
INLINE_FEATURES = ["bold", "italic", "link", "document-link"]


def anchor_for(heading):
    """The in-page anchor for a component heading, for tables of contents."""
    return slugify(heading)[:60] if heading else ""


class HeadedSectionBlock(blocks.StructBlock):
    """A component with an optional heading, which the API reports with its page anchor."""

    def get_api_representation(self, value, context=None):
        data = super().get_api_representation(value, context)
        data["anchor"] = anchor_for(value["heading"])
        return data


class TextOnlyBlock(HeadedSectionBlock):
    """The "text only block": rich text with an optional heading."""

    heading = blocks.CharBlock(
        required=False,
        max_length=120,
        help_text="Optional. Shown as a section heading and listed in the page contents.",
    )
    text = blocks.RichTextBlock(features=PROSE_FEATURES)

    class Meta:
        icon = "doc-full"
        label = "Text only block"
        template = "blocks/text_only_block.html"
        description = (
            "Paragraphs of text with an optional heading: most of what a page says, "
            "such as what a benefit covers or a section of a policy."
        )
        preview_value = {
            "heading": "Why we bargain together",
            "text": (
                "<p>When every Local brings its members' priorities to the table, the "
                "employer hears one voice. In this round, members told us that "
                "<b>safe staffing</b> and <i>fair scheduling</i> matter most.</p>"
            ),
        }


class ItemListBlock(HeadedSectionBlock):
    """A bulleted or numbered list, for things like "what we collect"."""

    heading = blocks.CharBlock(required=False, max_length=120)
    introduction = blocks.RichTextBlock(
        required=False, features=INLINE_FEATURES, help_text="Optional sentence before the list."
    )
    style = blocks.ChoiceBlock(
        choices=[("bulleted", "Bulleted"), ("numbered", "Numbered")],
        default="bulleted",
        help_text="Numbered when the order matters.",
    )
    items = blocks.ListBlock(blocks.RichTextBlock(features=INLINE_FEATURES), min_num=1)

    class Meta:
        icon = "list-ul"
        label = "List"
        template = "blocks/item_list_block.html"
        description = (
            "A bulleted or numbered list with an optional heading and introduction, "
            "such as what to bring to a grievance meeting. Number it when the order matters."
        )
        preview_value = {
            "heading": "What to bring to a grievance meeting",
            "introduction": "<p>Your steward goes through these with you beforehand.</p>",
            "style": "bulleted",
            "items": [
                "<p>Your member ID</p>",
                "<p>Any letters or emails from your manager</p>",
                "<p>Your notes of dates, times and what was said</p>",
            ],
        }


class CalloutBlock(blocks.StructBlock):
    """A notice set apart from the text: information, something important, a warning."""

    tone = blocks.ChoiceBlock(
        choices=[("info", "Information"), ("important", "Important"), ("warning", "Warning")],
        default="info",
    )
    heading = blocks.CharBlock(required=False, max_length=120)
    text = blocks.RichTextBlock(features=PROSE_FEATURES)

    class Meta:
        icon = "warning"
        label = "Callout / notice"
        template = "blocks/callout_block.html"
        description = (
            "A short notice set apart from the text: information, something important, "
            "or a warning members must not miss, such as a deadline."
        )
        preview_value = {
            "tone": "important",
            "heading": "Nominations close Friday at 5 p.m.",
            "text": (
                "<p>Send your nomination form to your Local's secretary before the "
                "deadline. Late nominations cannot be accepted.</p>"
            ),
        }


class TipBlock(blocks.RichTextBlock):
    """One short piece of advice in a guide's list of tips."""

    def __init__(self, **kwargs):
        super().__init__(features=INLINE_FEATURES, **kwargs)

    class Meta:
        icon = "help"
        label = "Tip"
        description = "One short piece of advice, shown in the guide's list of tips."
        preview_value = (
            "Join from a quiet room and keep your microphone muted until the chair calls on you."
        )


class StepBlock(blocks.StructBlock):
    """One step of a how-to: a short title and what to do."""

    title = blocks.CharBlock(max_length=120, help_text='What the member does, e.g. "Sign in".')
    text = blocks.RichTextBlock(features=PROSE_FEATURES)

    class Meta:
        icon = "tick"
        label = "Step"
        template = "blocks/step_block.html"
        # A step is a list item: its preview puts it in a numbered list.
        preview_template = "blocks/previews/step_block.html"
        description = "One step of a how-to: what the member does, and how."
        preview_value = {
            "title": "Sign in to the meeting page",
            "text": (
                "<p>Use the email and password of your member account. The meeting "
                "page opens 30 minutes before the meeting starts.</p>"
            ),
        }


class StepsBlock(HeadedSectionBlock):
    """Numbered steps, in order."""

    heading = blocks.CharBlock(required=False, max_length=120)
    steps = blocks.ListBlock(StepBlock(), min_num=1)

    class Meta:
        icon = "list-ol"
        label = "Numbered steps"
        template = "blocks/steps_block.html"
        description = (
            "Numbered steps a member follows in order, such as how to vote in an "
            "election or file a grievance."
        )
        preview_value = {
            "heading": "How to vote in your Chapter's election",
            "steps": [
                {
                    "title": "Sign in",
                    "text": "<p>Sign in with your member account before voting opens.</p>",
                },
                {
                    "title": "Choose your candidates",
                    "text": (
                        "<p>The ballot appears on the meeting page when the chair opens "
                        "the vote. Choose up to the number of seats shown.</p>"
                    ),
                },
                {
                    "title": "Keep your receipt code",
                    "text": (
                        "<p>Once voting closes, use it to check that your vote was counted.</p>"
                    ),
                },
            ],
        }


class ComparisonColumnBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=80)
    text = blocks.RichTextBlock(features=PROSE_FEATURES)

    class Meta:
        icon = "doc-empty"
        label = "Column"
        description = "One side of a two-column comparison: a short title and what it says."
        preview_value = {
            "title": "Meeting window",
            "text": "<p>Watch and hear the speakers, and raise your hand to speak.</p>",
        }


class ComparisonBlock(HeadedSectionBlock):
    """Two things side by side, e.g. what each window is for during a virtual AGM."""

    heading = blocks.CharBlock(required=False, max_length=120)
    left = ComparisonColumnBlock()
    right = ComparisonColumnBlock()

    class Meta:
        icon = "table"
        label = "Two-column comparison"
        template = "blocks/comparison_block.html"
        description = (
            "Two things side by side, such as what each window is for during a "
            "virtual AGM, or day shifts and night shifts under a new agreement."
        )
        preview_value = {
            "heading": "What each window is for",
            "left": {
                "title": "Meeting window",
                "text": "<p>Watch and hear the speakers, and raise your hand to speak.</p>",
            },
            "right": {
                "title": "Voting window",
                "text": (
                    "<p>Vote on motions, budgets and elections when the chair opens them.</p>"
                ),
            },
        }


class PhoneNumberBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=60, help_text='e.g. "Edmonton area" or "Toll-free".')
    number = blocks.CharBlock(max_length=40)

    class Meta:
        icon = "mobile-alt"
        label = "Phone number"
        description = "A phone number, with a label saying where or whom it reaches."
        preview_value = {"label": "Toll-free", "number": "1-800-555-0199"}


def contact_card(*, name, organisation="", postal_address="", phone_numbers=(), email="", hours=""):
    """One contact's details in the shape the contact card template and the API share.

    Used by the typed-in contact card and by the site-settings contacts (home.models), so
    both split an address into lines and drop empty phone numbers the same way.
    """
    return {
        "name": name,
        "organisation": organisation,
        "postal_address": [line for line in postal_address.splitlines() if line.strip()],
        "phone_numbers": [
            {"label": label, "number": number} for label, number in phone_numbers if number
        ],
        "email": email,
        "hours": hours,
    }


class ContactCardBlock(blocks.StructBlock):
    """A person or office members can reach."""

    name = blocks.CharBlock(max_length=120, help_text='A role or office, e.g. "Privacy Officer".')
    organisation = blocks.CharBlock(required=False, max_length=120)
    postal_address = blocks.TextBlock(required=False, help_text="One line per line of the address.")
    phone_numbers = blocks.ListBlock(PhoneNumberBlock(), required=False, default=[])
    email = blocks.EmailBlock(required=False)
    hours = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "user"
        label = "Contact card"
        template = "blocks/contact_card_block.html"
        description = (
            "A person or office members can reach, such as their Local's office: "
            "address, phone numbers, email and hours. For the Privacy Officer or the "
            "Member Resource Centre, use the contact card from settings instead."
        )
        preview_value = {
            "name": "Local 041 office",
            "organisation": "Northwind Workers' Union, Local 041",
            "postal_address": "2210 Riverside Road, Suite 4\nEdmonton AB  T5K 1X9",
            "phone_numbers": [
                {"label": "Office", "number": "780-555-0141"},
                {"label": "Toll-free", "number": "1-800-555-0199"},
            ],
            "email": "local041@northwind.example",
            "hours": "Monday to Friday, 9 a.m. to 4:30 p.m.",
        }

    def as_contact(self, value):
        """The same shape as a contact from site settings, for templates and the API."""
        return contact_card(
            name=value["name"],
            organisation=value["organisation"],
            postal_address=value["postal_address"],
            phone_numbers=[(phone["label"], phone["number"]) for phone in value["phone_numbers"]],
            email=value["email"],
            hours=value["hours"],
        )

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["contact"] = self.as_contact(value)
        return context

    def get_api_representation(self, value, context=None):
        return self.as_contact(value)


class SiteContactBlock(blocks.StructBlock):
    """A contact card filled from site settings, so a phone number changes in one place."""

    contact = blocks.ChoiceBlock(
        choices=[
            ("privacy_officer", "Privacy Officer"),
            ("member_resource_centre", "Member Resource Centre"),
        ],
        help_text="The details come from Settings, so every page shows the current ones.",
    )

    class Meta:
        icon = "site"
        label = "Contact card from settings"
        template = "blocks/contact_card_block.html"
        description = (
            "The Privacy Officer's or the Member Resource Centre's card, with the "
            "details kept in Settings, so every page shows the current ones."
        )
        # Shown with the site's current settings, as on a page.
        preview_value = {"contact": "member_resource_centre"}

    def get_context(self, value, parent_context=None):
        from home.models import site_contact  # settings models import these blocks

        context = super().get_context(value, parent_context)
        request = (parent_context or {}).get("request")
        context["contact"] = site_contact(value["contact"], request)
        return context

    def get_api_representation(self, value, context=None):
        from home.models import site_contact  # settings models import these blocks

        request = context.get("request") if context else None
        return {"contact": value["contact"], **site_contact(value["contact"], request)}


class DocumentDownloadBlock(blocks.StructBlock):
    """A document to download, with its type and size shown before members tap it."""

    document = DocumentChooserBlock()
    title = blocks.CharBlock(
        required=False, max_length=120, help_text="Leave empty to use the document's own title."
    )
    description = blocks.TextBlock(required=False, max_length=300)

    class Meta:
        icon = "doc-full-inverse"
        label = "Document download"
        template = "blocks/document_download_block.html"
        description = (
            "A file members can download, such as a form or a meeting's instructions, "
            "with its type and size shown before they tap it."
        )
        preview_value = {
            "document": None,
            "title": "Nomination form for Chapter officers",
            "description": "Fill it in, sign it and return it to your Local's secretary.",
        }

    def get_preview_value(self):
        # The newest public document stands in for the one an editor would choose
        # (a private collection's files stay out of the admin's previews).
        return self.normalize({**self.meta.preview_value, "document": sample_document()})

    def get_preview_template(self, value, context=None):
        if value["document"] is None:
            # No document uploaded yet: the same markup, with a made-up file.
            return "blocks/previews/document_download_block.html"
        return super().get_preview_template(value, context)

    def get_api_representation(self, value, context=None):
        document = value["document"]
        if document is None:
            return None
        return {
            "title": value["title"] or document.title,
            "description": value["description"],
            "document": document_api_representation(document, context),
        }


def sample_document():
    """The newest document outside private collections, or None if there is none."""
    documents = get_document_model().objects.order_by("-created_at", "-pk")
    for path in CollectionViewRestriction.objects.values_list("collection__path", flat=True):
        documents = documents.exclude(collection__path__startswith=path)
    return documents.first()


def document_api_representation(document, context=None):
    """The public facts of a document: what the API says wherever one is linked."""
    url = document.url
    request = context.get("request") if context else None
    if request is not None:
        url = request.build_absolute_uri(url)
    return {
        "id": document.pk,
        "title": document.title,
        "file_extension": document.file_extension,
        "file_size": document.get_file_size(),
        "download_url": url,
    }


class FAQBlock(blocks.StructBlock):
    """A question members ask, and its answer."""

    question = blocks.CharBlock(max_length=200)
    answer = blocks.RichTextBlock(features=PROSE_FEATURES)

    class Meta:
        icon = "help"
        label = "FAQ item"
        template = "blocks/faq_block.html"
        description = "A question members ask, and its answer, which opens when they tap it."
        preview_value = {
            "question": "Do I keep my seniority if I move to another Local?",
            "answer": (
                "<p>Yes. Your seniority comes with you when you transfer within your "
                "sector. Tell the Member Resource Centre, so your record follows you.</p>"
            ),
        }


# A members-only section as the block chooser shows it: what a Local might keep for members.
MEMBERS_ONLY_CONTENT = [
    {
        "type": "text",
        "value": {
            "heading": "",
            "text": (
                "<p>The employer's latest offer is a 2.5% raise in each of three years. "
                "Your bargaining committee recommends that members reject it.</p>"
            ),
        },
    },
    {
        "type": "callout",
        "value": {
            "tone": "info",
            "heading": "Ratification vote",
            "text": "<p>Members vote on the offer at the Local's meeting on 14 May.</p>",
        },
    },
]


class ComponentsBlock(blocks.StreamBlock):
    """The components, without the members-only section (which holds these)."""

    text = TextOnlyBlock()
    list = ItemListBlock()
    callout = CalloutBlock()
    steps = StepsBlock()
    comparison = ComparisonBlock()
    contact_card = ContactCardBlock()
    site_contact = SiteContactBlock()
    document = DocumentDownloadBlock()
    faq = FAQBlock()

    class Meta:
        description = "The page components a members-only section holds."
        preview_value = MEMBERS_ONLY_CONTENT


class MembersOnlyBlock(blocks.StructBlock):
    """A section only signed-in members see, optionally only some sectors, Locals or Chapters.

    Everyone else sees nothing of its content: not on the page, not in the
    API, not in search. Anonymous visitors get an invitation to sign in.
    """

    heading = blocks.CharBlock(required=False, max_length=120)
    content = ComponentsBlock()
    sectors = blocks.ListBlock(
        SectorChooserBlock(), default=[], help_text="Only members of these sectors (optional)."
    )
    locals = blocks.ListBlock(
        LocalChooserBlock(), default=[], help_text="Only members of these Locals (optional)."
    )
    chapters = blocks.ListBlock(
        ChapterChooserBlock(), default=[], help_text="Only members of these Chapters (optional)."
    )
    invite_sign_in = blocks.BooleanBlock(
        required=False,
        default=True,
        help_text="Tell visitors who are not signed in that members see more here.",
    )

    class Meta:
        icon = "lock"
        label = "Members only"
        template = "blocks/members_only_block.html"
        description = (
            "A section only signed-in members see, or only members of some sectors, "
            "Locals or Chapters, such as a bargaining update. Visitors who are not "
            "signed in are invited to sign in instead."
        )
        preview_value = {
            "heading": "Bargaining update for members",
            "content": MEMBERS_ONLY_CONTENT,
            "sectors": [],
            "locals": [],
            "chapters": [],
            "invite_sign_in": True,
        }

    def is_shown_to(self, value, request):
        audience = Audience.listed_or_everyone(
            sectors=value["sectors"], locals_=value["locals"], chapters=value["chapters"]
        )
        if getattr(request, "is_preview", False):
            # The preview mode says whom the editor previews as; the editor's own view
            # (no preview audience) shows every section, labelled (cms/previews.py).
            preview = preview_audience(request)
            return preview is None or preview.sees(audience)
        return audience.includes(signed_in_member(request))

    def get_preview_context(self, value, parent_context=None):
        context = super().get_preview_context(value, parent_context)
        return {**context, "block_chooser_preview": True}

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        if (parent_context or {}).get("block_chooser_preview"):
            # The block chooser shows the section as the editor's own preview does:
            # shown, and labelled as members-only.
            context.update(shown=True, signed_in=True, is_preview=True, preview_audience=None)
            return context
        request = (parent_context or {}).get("request")
        preview = preview_audience(request)
        context["shown"] = request is not None and self.is_shown_to(value, request)
        if preview is not None:
            context["signed_in"] = preview.signed_in
        else:
            context["signed_in"] = bool(request and request.user.is_authenticated)
        context["is_preview"] = bool(getattr(request, "is_preview", False))
        context["preview_audience"] = preview
        return context

    def get_api_representation(self, value, context=None):
        # The public API never carries members-only content.
        return {"heading": value["heading"], "members_only": True}

    def get_searchable_content(self, value):
        # Nor does the search index, so results cannot hint at it.
        return []


class BaseStreamBlock(ComponentsBlock):
    """The components every page body may use."""

    members_only = MembersOnlyBlock()

    class Meta:
        label = "Page body"
        description = "The page components a page's body is built from."
        preview_value = [
            {
                "type": "text",
                "value": {
                    "heading": "Your union at work",
                    "text": (
                        "<p>Northwind members work in hospitals, schools and public "
                        "offices across the province. Your Local is your first stop for "
                        "help at work.</p>"
                    ),
                },
            },
            {
                "type": "faq",
                "value": {
                    "question": "How do I find my Local?",
                    "answer": "<p>Your Local's number is on your member card.</p>",
                },
            },
        ]
