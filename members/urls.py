from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("account/sign-up/", views.sign_up, name="sign_up"),
    path("account/sign-up/sent/", views.sign_up_sent, name="sign_up_sent"),
    path("account/activate/<uidb64>/<token>/", views.activate, name="activate"),
    path("my-union/", views.dashboard, name="dashboard"),
]
