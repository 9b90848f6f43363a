"""Routes of the member API, version 1 (mounted at /api/member/v1/ in cms/urls.py)."""

from django.urls import path, re_path
from django.views.generic import RedirectView

from members.api import views

app_name = "member_api"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="member_api:docs"), name="index"),
    path("docs/", views.api_docs, name="docs"),
    path("schema/", views.MemberAPISchema.as_view(), name="schema"),
    path("me/", views.MyProfile.as_view(), name="me"),
    path("meetings/", views.MyMeetings.as_view(), name="meetings"),
    path("meetings/<id:meeting_id>/", views.MyMeeting.as_view(), name="meeting"),
    path(
        "meetings/<id:meeting_id>/materials/<id:material_id>/download/",
        views.MaterialDownload.as_view(),
        name="material_download",
    ),
    path(
        "meetings/<id:meeting_id>/ballot/",
        views.MeetingBallotView.as_view(),
        name="meeting_ballot",
    ),
    path(
        "meetings/<id:meeting_id>/ballot/<id:item_id>/vote/",
        views.CastVoteView.as_view(),
        name="cast_vote",
    ),
    path(
        "meetings/<id:meeting_id>/ballot/<id:item_id>/receipts/",
        views.ReceiptListView.as_view(),
        name="ballot_receipts",
    ),
    path(
        "meetings/<id:meeting_id>/ballot/<id:item_id>/receipts/<str:receipt>/",
        views.ReceiptCheckView.as_view(),
        name="ballot_receipt_check",
    ),
    # Anything else under the API answers in JSON rather than with the site's 404 page.
    re_path(r"^.*$", views.not_found),
]
