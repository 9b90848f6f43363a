"""Who may download a meeting's materials: decided here, for every way of reaching a file."""

from wagtail.admin.auth import user_has_any_page_permission

from members.audience import signed_in_member


def meetings_using(document):
    from meetings.models import MeetingPage

    return MeetingPage.objects.filter(materials__document=document).select_related(
        *MeetingPage.AUDIENCE_RELATED
    )


def may_download(document, request):
    """None when the document is no meeting's material; otherwise whether this request may have it.

    Eligible members of any meeting that uses the document may download it, and
    so may staff who edit pages (they attach the materials).
    """
    meetings = list(meetings_using(document))
    if not meetings:
        return None
    user = request.user
    if user.is_authenticated and user_has_any_page_permission(user):
        return True
    member = signed_in_member(request)
    return any(meeting.is_eligible(member) for meeting in meetings)


def material_document_ids():
    """Every document that is some meeting's material (kept out of the public API)."""
    from meetings.models import MeetingMaterial

    return MeetingMaterial.objects.values("document_id")
