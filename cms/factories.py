"""Factories for the page-component library and the documents pages link to.

Page factories in each app build their bodies from ``BaseStreamBlockFactory``,
so a test writes a whole page in one line, for example::

    ContentPageFactory(parent=home, body__0__faq__question="Can I vote by phone?")

Rich text values are given as HTML strings; lists as plain lists.
"""

import factory
import wagtail_factories
from django.core.files.base import ContentFile
from django.utils.text import slugify
from fpdf import FPDF
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.models import Collection
from wagtail_factories.blocks import BlockFactory

from cms import blocks as components


def pdf_bytes(*lines):
    """A small, valid one-page PDF with the given lines of (Latin-1) text."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines or ("Northwind Workers' Union",):
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


class DocumentFactory(factory.django.DjangoModelFactory):
    """An uploaded PDF in the root (public) collection unless told otherwise."""

    title = factory.Sequence(lambda n: f"AGM instructions {n}")
    file = factory.LazyAttribute(
        lambda doc: ContentFile(pdf_bytes(doc.title), name=f"{slugify(doc.title)}.pdf")
    )
    collection = factory.LazyFunction(Collection.get_first_root_node)
    # Set as the admin's upload form sets it, so templates never have to read the file.
    file_size = factory.LazyAttribute(lambda doc: doc.file.size)

    class Meta:
        model = get_document_model()


class RichTextBlockFactory(BlockFactory):
    """A rich text value from an HTML string."""

    value = "<p>Members can ask the Member Resource Centre for help.</p>"

    class Meta:
        model = blocks.RichTextBlock

    @classmethod
    def _construct_block(cls, block_class, *args, **kwargs):
        return block_class().normalize(kwargs["value"])


class ComponentBlockFactory(wagtail_factories.StructBlockFactory):
    """A StructBlock value with every child present, normalised as Wagtail stores it.

    Children the factory does not declare get their block default, and HTML
    strings become RichText, so templates and the API see what an editor's
    saved page holds.
    """

    class Meta:
        abstract = True

    @classmethod
    def _construct_struct_value(cls, block_class, params):
        block = block_class()
        value = {name: child.get_default() for name, child in block.child_blocks.items()}
        value.update(params)
        return block.normalize(value)


class TextOnlyBlockFactory(ComponentBlockFactory):
    heading = "What we collect"
    text = "<p>We collect your name, member ID and contact details.</p>"

    class Meta:
        model = components.TextOnlyBlock


class ItemListBlockFactory(ComponentBlockFactory):
    heading = "Why we collect it"
    style = "bulleted"
    items = factory.LazyFunction(
        lambda: ["<p>To send meeting notices</p>", "<p>To check who may vote</p>"]
    )

    class Meta:
        model = components.ItemListBlock


class CalloutBlockFactory(ComponentBlockFactory):
    tone = "important"
    heading = "Before the meeting"
    text = "<p>Verify your email address before the meeting starts.</p>"

    class Meta:
        model = components.CalloutBlock


class StepBlockFactory(ComponentBlockFactory):
    title = factory.Sequence(lambda n: f"Step {n}: sign in")
    text = "<p>Use your member ID and personal email.</p>"

    class Meta:
        model = components.StepBlock


class StepsBlockFactory(ComponentBlockFactory):
    heading = "How to join"
    steps = wagtail_factories.ListBlockFactory(StepBlockFactory, **{"0__title": "Sign in"})

    class Meta:
        model = components.StepsBlock


class ComparisonColumnBlockFactory(ComponentBlockFactory):
    title = "Video window"
    text = "<p>Watch and listen to the speakers.</p>"

    class Meta:
        model = components.ComparisonColumnBlock


class ComparisonBlockFactory(ComponentBlockFactory):
    heading = "What each window is for"
    left = factory.SubFactory(ComparisonColumnBlockFactory, title="Video window")
    right = factory.SubFactory(
        ComparisonColumnBlockFactory,
        title="Voting window",
        text="<p>Vote on each item when the chair opens it.</p>",
    )

    class Meta:
        model = components.ComparisonBlock


class ContactCardBlockFactory(ComponentBlockFactory):
    name = "Meeting IT support"
    organisation = "Northwind Workers' Union"
    postal_address = "100 Example Street\nEdmonton AB  T5J 0A1"
    phone_numbers = factory.LazyFunction(lambda: [{"label": "Help line", "number": "780-555-0142"}])
    email = "it-support@northwind.example"
    hours = "During the meeting"

    class Meta:
        model = components.ContactCardBlock


class SiteContactBlockFactory(ComponentBlockFactory):
    contact = "member_resource_centre"

    class Meta:
        model = components.SiteContactBlock


class DocumentDownloadBlockFactory(ComponentBlockFactory):
    # A plain declaration (not a SubFactory), so ``body__0__document__document=doc`` works.
    document = factory.LazyFunction(DocumentFactory)
    title = ""
    description = "Print this and keep it beside you during the meeting."

    class Meta:
        model = components.DocumentDownloadBlock


class FAQBlockFactory(ComponentBlockFactory):
    question = "Can I vote by phone?"
    answer = "<p>Yes, if you joined by the dial-in number.</p>"

    class Meta:
        model = components.FAQBlock


class BaseStreamBlockFactory(wagtail_factories.StreamBlockFactory):
    """Any page body: ``body__0="faq"`` or ``body__0__text__heading="..."``."""

    text = factory.SubFactory(TextOnlyBlockFactory)
    list = factory.SubFactory(ItemListBlockFactory)
    callout = factory.SubFactory(CalloutBlockFactory)
    steps = factory.SubFactory(StepsBlockFactory)
    comparison = factory.SubFactory(ComparisonBlockFactory)
    contact_card = factory.SubFactory(ContactCardBlockFactory)
    site_contact = factory.SubFactory(SiteContactBlockFactory)
    document = factory.SubFactory(DocumentDownloadBlockFactory)
    faq = factory.SubFactory(FAQBlockFactory)

    class Meta:
        model = components.BaseStreamBlock


def one_of_each_component(field="body", document=None):
    """Factory keyword arguments for a stream holding one of every public component.

    The list component appears twice, bulleted then numbered. Pass the document
    the download component should link to, or one is made. The members-only
    section is left out: what it shows depends on who is asking.
    """
    kinds = [
        "text",
        "list",
        "list",
        "callout",
        "steps",
        "comparison",
        "contact_card",
        "site_contact",
        "document",
        "faq",
    ]
    kwargs = {f"{field}__{index}": kind for index, kind in enumerate(kinds)}
    kwargs[f"{field}__2__list__style"] = "numbered"
    kwargs[f"{field}__2__list__heading"] = "How we use it"
    kwargs[f"{field}__2__list__items"] = ["<p>Check eligibility</p>", "<p>Count the ballot</p>"]
    if document is not None:
        kwargs[f"{field}__{kinds.index('document')}__document__document"] = document
    return kwargs
