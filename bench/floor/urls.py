from django.urls import path

from bench.floor import views

urlpatterns = [
    path("up/", views.up),
    path("items/<int:item_id>/vote/", views.vote),
]
