"""The page-component library: every page type builds its body from these.

Editors compose pages from these blocks and never write HTML. Each block has a
template in ``templates/blocks/`` and a structured API representation, so the
headless API returns the same components a browser sees.
"""

from django.utils.text import slugify
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock

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


class StepBlock(blocks.StructBlock):
    """One step of a how-to: a short title and what to do."""

    title = blocks.CharBlock(max_length=120, help_text='What the member does, e.g. "Sign in".')
    text = blocks.RichTextBlock(features=PROSE_FEATURES)

    class Meta:
        icon = "tick"
        label = "Step"
        template = "blocks/step_block.html"


class StepsBlock(HeadedSectionBlock):
    """Numbered steps, in order."""

    heading = blocks.CharBlock(required=False, max_length=120)
    steps = blocks.ListBlock(StepBlock(), min_num=1)

    class Meta:
        icon = "list-ol"
        label = "Numbered steps"
        template = "blocks/steps_block.html"


class ComparisonColumnBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=80)
    text = blocks.RichTextBlock(features=PROSE_FEATURES)

    class Meta:
        icon = "doc-empty"
        label = "Column"


class ComparisonBlock(HeadedSectionBlock):
    """Two things side by side, e.g. what each window is for during a virtual AGM."""

    heading = blocks.CharBlock(required=False, max_length=120)
    left = ComparisonColumnBlock()
    right = ComparisonColumnBlock()

    class Meta:
        icon = "table"
        label = "Two-column comparison"
        template = "blocks/comparison_block.html"


class PhoneNumberBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=60, help_text='e.g. "Edmonton area" or "Toll-free".')
    number = blocks.CharBlock(max_length=40)

    class Meta:
        icon = "mobile-alt"


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

    def get_api_representation(self, value, context=None):
        document = value["document"]
        if document is None:
            return None
        return {
            "title": value["title"] or document.title,
            "description": value["description"],
            "document": document_api_representation(document, context),
        }


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

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
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
