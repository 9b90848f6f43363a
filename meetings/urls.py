from django.urls import path

from meetings.ballots import scrutineers, views

app_name = "meetings"

urlpatterns = [
    # Outside Wagtail's page routing on purpose: polling must not query the database.
    path("meeting-state/<id:meeting_id>/", views.meeting_now, name="meeting_now"),
    path("meeting-section/<id:meeting_id>/", views.meeting_section, name="meeting_section"),
    path("meeting-vote/<id:meeting_id>/<id:item_id>/", views.vote_on_item, name="vote"),
    path("scrutineer/passphrase/", scrutineers.passphrase_page, name="scrutineer_passphrase"),
]
