from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("account/sign-up/", views.sign_up, name="sign_up"),
    path("account/sign-up/sent/", views.sign_up_sent, name="sign_up_sent"),
    path("account/activate/<uidb64>/<token>/", views.activate, name="activate"),
    path("my-union/", views.dashboard, name="dashboard"),
    path("my-union/my-information/", views.my_information, name="my_information"),
    path("my-union/chair/", views.chair_home, name="chair_home"),
    path("my-union/chair/local/<int:local_number>/", views.chair_unit, name="chair_local"),
    path(
        "my-union/chair/local/<int:local_number>/chapter/<int:chapter_number>/",
        views.chair_unit,
        name="chair_chapter",
    ),
    path("my-union/chair/members/<str:member_id>/", views.chair_member, name="chair_member"),
]
