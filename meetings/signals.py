"""Meeting notices and guides' printable PDFs follow publishing: connected in
`MeetingsConfig.ready`.

Why the `page_published` signal rather than overriding a publish method: the
admin's edit view runs Wagtail's publish action directly, without calling
`Page.publish`, so an override would miss it; the signal is sent by every path
that makes a page live (create, edit, revert, scheduled publishing through
`publish_scheduled`, `revision.publish()` in code). It is sent after the page
row is saved, inside the publish's transaction when the caller has one, so
the notice commits with the publish. (Wagtail's admin views do not wrap
publishing in one transaction; if writing the notice fails there, the page is
live without it, and the `send_meeting_notices` command's sweep writes it.)
The signal is also sent on every republish, and when a page is only scheduled
for later: `record_meeting_notice` compares the start time with the last
notice's, and this handler skips pages not yet live.
"""

from wagtail.signals import page_published

from meetings.guides.pdf import refresh_guide_pdf
from meetings.models import GuidePage, MeetingPage
from meetings.notices.sending import record_meeting_notice


def notice_on_publish(sender, instance, **kwargs):
    if not instance.live:
        # Scheduled for later; the scheduled publish sends this signal again.
        return
    record_meeting_notice(instance)


def guide_pdf_on_publish(sender, instance, **kwargs):
    """A published guide's printable PDF is rewritten from what was just published.

    The file is replaced in place and the page is never published again from
    here, so this cannot loop (see `refresh_guide_pdf`).
    """
    if not instance.live:
        return
    refresh_guide_pdf(instance)


def connect():
    page_published.connect(
        notice_on_publish, sender=MeetingPage, dispatch_uid="meetings.notice_on_publish"
    )
    page_published.connect(
        guide_pdf_on_publish, sender=GuidePage, dispatch_uid="meetings.guide_pdf_on_publish"
    )
