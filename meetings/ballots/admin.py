"""Ballot items in the Wagtail admin: staff prepare motions, budgets and elections here.

Only draft items can be changed or deleted. Once the chair opens an item its
ballots exist, members may have voted, and its record must stand as it was: the
admin shows it read-only (the "Inspect" view) and refuses edits and deletions
with a message, and re-checks the state under a row lock when it saves, so a
chair opening the item at the same moment cannot be overwritten.
"""

import logging

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from wagtail.admin.panels import HelpPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.rich_text import RichText

from cms.admin_pages import PermissionNeededAdminPage
from meetings.ballots.delegate_list import MAX_FILE_SIZE, import_delegate_list
from meetings.ballots.live import meeting_changed
from meetings.ballots.models import BallotItem, DelegateWeight
from meetings.models import MeetingPage

CHOICES_HELP = (
    "<p>Motions and budgets get their choices automatically when the chair opens them: "
    "For, Against and, if offered, Abstain. Candidates are only for elections: each "
    "becomes a choice when the election opens.</p>"
    "<p>A ranked election lets members rank the candidates 1st, 2nd, 3rd, ...; choose its "
    "counting rule below (instant-runoff for one seat, or the single transferable vote).</p>"
    "<p>Once the chair opens an item it can no longer be changed or deleted here.</p>"
)
NOT_A_DRAFT = (
    "“{item}” has been opened for voting, so it can no longer be changed or deleted. "
    "To correct it, the chair closes it and re-runs it as a new item."
)


class ItemNoLongerDraft(Exception):
    """The item left the draft state between loading the form and saving it."""


def is_draft(item):
    return item.state == BallotItem.State.DRAFT


def lock_draft(item):
    """Lock the item's row for this transaction; raise unless it is still a draft.

    `open_item` locks the same row, so an edit and an opening never interleave.
    """
    state = (
        BallotItem.objects.select_for_update()
        .filter(pk=item.pk)
        .values_list("state", flat=True)
        .first()
    )
    if state != BallotItem.State.DRAFT:
        raise ItemNoLongerDraft


class DraftOnlyMixin:
    """For the edit and delete views: opened items are refused with a message."""

    inspect_url_name = None  # set by the viewset: where a refusal sends staff

    def refuse(self):
        messages.error(self.request, NOT_A_DRAFT.format(item=self.object))
        return redirect(self.inspect_url_name, self.object.pk)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not is_draft(self.object):
            return self.refuse()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not is_draft(self.object):
            return self.refuse()
        try:
            return super().post(request, *args, **kwargs)
        except ItemNoLongerDraft:
            return self.refuse()


def meeting_items_url(meeting_id):
    """The ballot items of one meeting in the admin: the listing filtered to it (the
    meeting page's "Ballot items" button links here)."""
    return f"{reverse('ballot_items:index')}?{urlencode({'meeting': meeting_id})}"


def chosen_meeting(request):
    """The meeting id the listing is filtered to (?meeting=ID), or None."""
    value = request.GET.get("meeting", "")
    return int(value) if value.isdigit() else None


class BallotItemIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("meeting")

    def get_add_url(self):
        # "Add" from one meeting's items starts an item of that meeting.
        url = super().get_add_url()
        meeting_id = chosen_meeting(self.request)
        if url and meeting_id:
            url += ("&" if "?" in url else "?") + urlencode({"meeting": meeting_id})
        return url

    # Opened items are not editable: no Edit or Delete, and the title links to Inspect.
    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if is_draft(instance) else None

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if is_draft(instance) else None


class BallotItemCreateView(generic.CreateView):
    def get_initial(self):
        initial = super().get_initial()
        meeting_id = chosen_meeting(self.request)
        if meeting_id and MeetingPage.objects.filter(pk=meeting_id).exists():
            initial["meeting"] = meeting_id
            # Next on that meeting's agenda.
            last = (
                BallotItem.objects.filter(meeting_id=meeting_id)
                .order_by("-position")
                .values_list("position", flat=True)
                .first()
            )
            initial["position"] = (last or 0) + 1
        return initial

    def save_instance(self):
        item = super().save_instance()
        # Members' pages list the agenda's later items: they follow at once.
        meeting_changed(item.meeting_id)
        return item


class BallotItemEditView(DraftOnlyMixin, generic.EditView):
    def save_instance(self):
        # Runs inside the view's transaction: the check and the save are one step.
        lock_draft(self.object)
        item = super().save_instance()
        meeting_changed(item.meeting_id)
        return item


class BallotItemDeleteView(DraftOnlyMixin, generic.DeleteView):
    def delete_action(self):
        with transaction.atomic():
            lock_draft(self.object)
            meeting_id = self.object.meeting_id
            super().delete_action()
            meeting_changed(meeting_id)


class BallotItemInspectView(generic.InspectView):
    """The read-only view of an item, and the only view of an opened one."""

    def get_edit_url(self):
        return super().get_edit_url() if is_draft(self.object) else None

    def get_delete_url(self):
        return super().get_delete_url() if is_draft(self.object) else None

    def get_field_label(self, field_name, field):
        return {"candidates": "Candidates", "choices": "Choices on the ballot"}.get(
            field_name
        ) or super().get_field_label(field_name, field)

    def get_text_display_value(self):
        return RichText(self.object.text)

    def get_choices_display_value(self):
        labels = [choice.label for choice in self.object.choices.all()]
        return ", ".join(labels) or "Created when the chair opens the item."


class BallotItemViewSet(ModelViewSet):
    """Ballot items: listed by meeting and agenda position, edited while they are drafts."""

    model = BallotItem
    url_prefix = "ballot-items"
    icon = "tasks"
    menu_label = "Ballot items"
    add_to_admin_menu = True
    menu_order = 250

    index_view_class = BallotItemIndexView
    add_view_class = BallotItemCreateView
    edit_view_class = BallotItemEditView
    delete_view_class = BallotItemDeleteView
    inspect_view_class = BallotItemInspectView

    list_display = ["title", "meeting", "position", "kind", "state"]
    list_filter = ["meeting", "state"]
    search_fields = ["title"]
    search_backend_name = None  # a plain database search of titles; items are not indexed

    inspect_view_enabled = True
    inspect_view_fields = [
        "meeting",
        "position",
        "kind",
        "title",
        "text",
        "majority",
        "allow_abstain",
        "seats",
        "requires_majority",
        "counting_rule",
        "recorded",
        "candidates",
        "state",
        "opened_at",
        "closed_at",
        "choices",
    ]
    # A copy would start from an opened item's state; new items start as drafts instead.
    copy_view_enabled = False

    # The model's own panels, with what staff most often ask first.
    edit_handler = ObjectList([HelpPanel(content=CHOICES_HELP), *BallotItem.panels])


ballot_item_viewset = BallotItemViewSet("ballot_items")


logger = logging.getLogger(__name__)


class DelegateListForm(forms.Form):
    meeting = forms.ModelChoiceField(
        queryset=MeetingPage.objects.order_by("-starts_at"),
        help_text="The delegate meeting whose list this is.",
    )
    file = forms.FileField(
        label="Delegate list",
        help_text="A CSV file saved as UTF-8, with the columns member_id and weight.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_SIZE:
            raise forms.ValidationError(
                f"This file is {filesizeformat(upload.size)}; a delegate list is at most "
                f"{filesizeformat(MAX_FILE_SIZE)}. Is it the right file?"
            )
        return upload


class DelegateListImportView(PermissionNeededAdminPage):
    """Replace a meeting's delegate weights with a delegate list (meetings/ballots/
    delegate_list.py): all of the file or, if any row is bad, none of it."""

    permission = "meetings.add_delegateweight"
    template_name = "meetings/admin/delegate_list_import.html"
    page_title = "Import a delegate list"
    header_icon = "upload"

    @classmethod
    def may_use(cls, user):
        # The list replaces the meeting's weights: adding, changing and removing them.
        return user.has_perms(
            [f"meetings.{action}_delegateweight" for action in ("add", "change", "delete")]
        )

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("delegate_weights:index"), "label": "Delegate weights"},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", DelegateListForm())
        context["max_file_size"] = MAX_FILE_SIZE
        return context

    def post(self, request, *args, **kwargs):
        form = DelegateListForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        meeting, upload = form.cleaned_data["meeting"], form.cleaned_data["file"]
        report = import_delegate_list(meeting, upload)
        if report.applied:
            logger.info(
                "Delegate list %s for meeting %s imported by user %s: %s",
                upload.name,
                meeting.pk,
                request.user.pk,
                report.summary(),
            )
            messages.success(request, f"The delegate list for {meeting.title} was imported.")
        return self.render_to_response(
            self.get_context_data(form=form, report=report, meeting=meeting, filename=upload.name)
        )


class DelegateWeightIndexView(generic.IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if DelegateListImportView.may_use(self.request.user):
            buttons.append(
                HeaderButton(
                    "Import a delegate list",
                    url=reverse("delegate_weights:import"),
                    icon_name="upload",
                )
            )
        return buttons


class DelegateWeightViewSet(ModelViewSet):
    """Delegates' weights for delegate meetings: how many votes each delegate casts."""

    model = DelegateWeight
    url_prefix = "delegate-weights"
    icon = "group"
    menu_label = "Delegate weights"
    add_to_admin_menu = True
    menu_order = 251
    list_display = ["member", "meeting", "weight"]
    list_filter = ["meeting"]
    search_backend_name = None
    copy_view_enabled = False
    index_view_class = DelegateWeightIndexView

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", DelegateListImportView.as_view(), name="import"),
        ]


delegate_weight_viewset = DelegateWeightViewSet("delegate_weights")
