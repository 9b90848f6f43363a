"""The admin page where membership staff import the roster from a CSV file.

Uploading a file checks it (a dry run) and shows the report. If the file is
good, "Apply this import" applies exactly the file that was checked: its bytes
wait in the shared cache under a random token, kept in the uploader's session,
for 15 minutes, so the apply request may land on any app server. Applying also
refuses if the roster has changed since the check (see ``import_roster``).
"""

import logging
import secrets
import zlib

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.template.defaultfilters import filesizeformat
from wagtail.admin import messages

from cms.admin_pages import PermissionNeededAdminPage
from members.access_log import record_access
from members.models import AccessLogEntry
from members.roster_import import check_roster, import_roster

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_SIZE = 20 * 1024 * 1024  # 20 MB: about 100,000 members.
CHECK_KEPT_FOR = 15 * 60  # seconds
SESSION_KEY = "members:roster_import_token"
# Bad rows and changes shown on the page; the command line lists every one.
ROWS_SHOWN = 1000
CHANGES_SHOWN = 25


def max_upload_size():
    return getattr(settings, "ROSTER_IMPORT_MAX_UPLOAD_SIZE", DEFAULT_MAX_UPLOAD_SIZE)


def _cache_key(token):
    return f"members:roster-import:{token}"


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file",
        help_text="A CSV file saved as UTF-8, with a header row.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_size()
        if upload.size > limit:
            raise forms.ValidationError(
                f"This file is {filesizeformat(upload.size)}; the largest roster file "
                f"this page takes is {filesizeformat(limit)}. Split the roster into "
                "smaller files (members not in a file are left as they are), or use "
                "the import_roster command."
            )
        return upload


class RosterImportView(PermissionNeededAdminPage):
    permission = "members.import_roster"
    """Check a roster file, then apply the checked import."""

    template_name = "members/admin/roster_import.html"
    page_title = "Import the roster"
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", RosterUploadForm())
        context["max_upload_size"] = max_upload_size()
        context["rows_shown"] = ROWS_SHOWN
        context["changes_shown"] = CHANGES_SHOWN
        return context

    def render_report(self, report, **context):
        # The sample of updates shows which member IDs are on the roster and
        # which of their details differ: that is a view of the roster.
        shown = [change.member_id for change in report.updated[:CHANGES_SHOWN]]
        if shown:
            record_access(
                self.request,
                action=AccessLogEntry.Action.VIEW,
                what=f"Roster import report for {context['filename']}",
                members=shown,
                role="membership staff",
            )
        return self.render_to_response(self.get_context_data(report=report, **context))

    def post(self, request, *args, **kwargs):
        if "apply" in request.POST:
            return self.apply_checked_file(request)
        return self.check_file(request)

    def check_file(self, request):
        form = RosterUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        data = b"".join(upload.chunks())
        report = check_roster(data)
        token = None
        if report.ok and (report.created or report.updated):
            token = secrets.token_urlsafe(32)
            cache.set(
                _cache_key(token),
                {
                    "data": zlib.compress(data),
                    "plan_digest": report.plan_digest,
                    "filename": upload.name,
                    "user_id": request.user.pk,
                },
                CHECK_KEPT_FOR,
            )
            # One pending import per session: a newer check replaces the last.
            previous = request.session.get(SESSION_KEY)
            if previous:
                cache.delete(_cache_key(previous))
            request.session[SESSION_KEY] = token
        return self.render_report(report, filename=upload.name, token=token)

    def apply_checked_file(self, request):
        token = request.POST.get("token", "")
        checked = None
        if token and secrets.compare_digest(token, request.session.get(SESSION_KEY, "")):
            checked = cache.get(_cache_key(token))
        if checked is None or checked["user_id"] != request.user.pk:
            messages.error(
                request,
                "That check has expired (a checked file is kept for 15 minutes), was "
                "already applied, or was replaced by a newer check. Upload the file "
                "again to check it.",
            )
            return self.render_to_response(self.get_context_data())
        # Used once: a second click or a refresh must not apply it again.
        cache.delete(_cache_key(token))
        request.session.pop(SESSION_KEY, None)

        report = import_roster(
            zlib.decompress(checked["data"]),
            dry_run=False,
            expected_digest=checked["plan_digest"],
        )
        if report.applied:
            logger.info(
                "Roster import from %s applied by user %s: %s",
                checked["filename"],
                request.user.pk,
                report.summary(),
            )
            messages.success(request, f"The roster was imported. {report.summary()}")
        return self.render_report(report, filename=checked["filename"])


roster_import_view = RosterImportView.as_view()
