"""The mailed-notice export: staff download a meeting's mailing list as CSV from the admin.

It needs the `meetings.export_mailing_list` permission, a narrow one of its own:
membership staff who post the notice need names and postal addresses of one
meeting's audience, not the roster browsing or the email and phone numbers that
`members.view_contact_information` opens. Every download is written to the
access log with the member IDs it contained.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from cms.admin_pages import PermissionNeededAdminPage
from cms.exports import PersonalData, csv_response
from meetings.models import MeetingPage
from meetings.notices.mailing_list import mailing_list

STAFF_ROLE = "membership staff"

MAILING_COLUMNS = [
    ("Member ID", "member_id"),
    ("Given name", "given_name"),
    ("Family name", "family_name"),
    ("Address line 1", "address_line_1"),
    ("Address line 2", "address_line_2"),
    ("City", "city"),
    ("Province", "province"),
    ("Postal code", "postal_code"),
]
NO_ADDRESS_COLUMNS = [
    ("Member ID", "member_id"),
    ("Given name", "given_name"),
    ("Family name", "family_name"),
    ("Local", "local__number"),
    ("Chapter", "chapter__number"),
]
LISTS = {
    "mail": ("mailing list", "mailing-list", MAILING_COLUMNS),
    "no-address": ("members with no postal address", "no-postal-address", NO_ADDRESS_COLUMNS),
}


class MailingListView(PermissionNeededAdminPage):
    permission = "meetings.export_mailing_list"
    """How many members the mailed notice reaches, with downloads of the two lists."""

    template_name = "meetings/admin/mailing_list.html"
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        self.meeting = get_object_or_404(
            MeetingPage.objects.select_related(*MeetingPage.AUDIENCE_RELATED),
            pk=kwargs["meeting_id"],
        )
        return super().dispatch(request, *args, **kwargs)

    @property
    def page_title(self):
        return "Mailing list for the mailed notice"

    def get_page_subtitle(self):
        return self.meeting.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("wagtailadmin_pages:edit", args=[self.meeting.pk]),
                "label": self.meeting.title,
            },
            {"url": "", "label": "Mailing list"},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["meeting"] = self.meeting
        return context

    def get(self, request, *args, **kwargs):
        wanted = request.GET.get("download")
        if wanted:
            return self.download(wanted)
        # Counts only: no personal information, so nothing to log.
        lists = mailing_list(self.meeting)
        response = self.render_to_response(
            self.get_context_data(
                to_mail=lists.to_mail.count(),
                no_postal_address=lists.no_postal_address.count(),
                refused_postal_mail=lists.refused_postal_mail,
                turned_notices_off=lists.turned_notices_off,
            )
        )
        add_never_cache_headers(response)
        return response

    def download(self, which):
        if which not in LISTS:
            raise Http404("No such list.")
        label, filename_part, columns = LISTS[which]
        lists = mailing_list(self.meeting)
        queryset = lists.to_mail if which == "mail" else lists.no_postal_address
        rows = list(queryset.values_list(*[field for _, field in columns]))
        return csv_response(
            self.request,
            filename=f"{self.meeting.slug or self.meeting.title}-{filename_part}",
            header=[heading for heading, _ in columns],
            rows=rows,
            personal=PersonalData(
                what=f"Mailed-notice {label} for {self.meeting.title} (CSV)",
                members=[row[0] for row in rows],
                role=STAFF_ROLE,
                reason=f"Mailed notice of meeting {self.meeting.pk}",
            ),
        )


mailing_list_view = MailingListView.as_view()


class MailedNoticeMeetingsView(PermissionNeededAdminPage):
    permission = "meetings.export_mailing_list"
    """The meetings whose mailing lists membership staff can export, soonest first.

    Membership staff hold no page permissions, so the page actions that lead to
    a mailing list are out of their sight; this list is their way in.
    """

    template_name = "meetings/admin/mailed_notices.html"
    header_icon = "mail"
    page_title = "Mailed notices"
    PAST_MEETINGS = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meetings = MeetingPage.objects.select_related(*MeetingPage.AUDIENCE_RELATED)
        context["upcoming"] = meetings.upcoming()
        context["past"] = meetings.past()[: self.PAST_MEETINGS]
        return context


mailed_notice_meetings_view = MailedNoticeMeetingsView.as_view()
