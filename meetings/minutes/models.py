"""The minutes page: a Wagtail page under its meeting, so drafts, approval and history
work as for any page. The site drafts its content (`meetings.minutes.drafting`); the
chair or the recording secretary adds notes per item and publishes it."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.cache import patch_cache_control, patch_vary_headers
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from cms.blocks import PROSE_FEATURES
from cms.exports import private_file
from members.audience import signed_in_member


class MeetingMinutesPage(RoutablePageMixin, Page):
    """The minutes of one meeting, for the members who may attend it (and its chairs).

    Kept out of the public API and search: a login view restriction is set when the
    site drafts it, and `serve` asks the meeting's own rule for who may read it.
    """

    details = RichTextField(
        features=PROSE_FEATURES, blank=True, help_text="The meeting: when, who chaired, for whom."
    )
    attendance = RichTextField(
        features=PROSE_FEATURES, blank=True, help_text="Attendance and quorum, in numbers."
    )
    chair_log = models.TextField(
        blank=True, help_text="Every chair action with its time, one a line."
    )
    general_notes = models.TextField(
        blank=True, help_text="The chair's or secretary's notes on the meeting as a whole."
    )

    content_panels = Page.content_panels + [
        FieldPanel("details"),
        FieldPanel("attendance"),
        InlinePanel("items", heading="Items of business", label="Item"),
        FieldPanel("general_notes"),
        FieldPanel("chair_log"),
    ]

    parent_page_types = ["meetings.MeetingPage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = "meeting minutes page"

    @property
    def meeting(self):
        return self.get_parent().specific

    def may_read(self, request):
        """The meeting's rule: members who may attend it, and its chairs."""
        return self.meeting.may_see_results(request.user, signed_in_member(request))

    def _refuse_unless_reader(self, request):
        if getattr(request, "is_preview", False):
            return  # editors preview the members' view
        if not self.may_read(request):
            raise PermissionDenied("These minutes are for the members who may attend the meeting.")

    def serve(self, request, *args, **kwargs):
        self._refuse_unless_reader(request)
        response = super().serve(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ["Cookie"])
        return response

    @path("pdf/", name="pdf")
    def pdf(self, request):
        """The minutes as a PDF, laid out as the AGM guide's printable copy is."""
        from meetings.minutes.pdf import write_minutes_pdf

        self._refuse_unless_reader(request)
        return private_file(
            write_minutes_pdf(self),
            content_type="application/pdf",
            filename=f"{self.slug}.pdf",
            inline=True,
        )


class MinutesItem(Orderable):
    """One item of business in the minutes, as it happened, with the chair's note."""

    page = ParentalKey(MeetingMinutesPage, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(
        "meetings.BallotItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=255)
    text = RichTextField(features=PROSE_FEATURES, blank=True)
    moved = models.CharField(max_length=300, blank=True, help_text="Mover and seconder.")
    opened = models.CharField(
        max_length=400, blank=True, help_text="When it opened, with the quorum then."
    )
    result = models.TextField(blank=True, help_text="The result with counts, one line each.")
    note = models.TextField(blank=True, help_text="The chair's or secretary's note on this item.")

    panels = [
        FieldPanel("title"),
        FieldPanel("text"),
        FieldPanel("moved"),
        FieldPanel("opened"),
        FieldPanel("result"),
        FieldPanel("note"),
    ]

    def __str__(self):
        return self.title

    @property
    def result_lines(self):
        return [line for line in self.result.splitlines() if line.strip()]
