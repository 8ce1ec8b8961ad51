"""Walkthrough pages (换位体验走流程)."""

from django.urls import path

from complaints.walkthroughs import views as views

app_name = "walkthroughs"

urlpatterns = [
    path("", views.walkthrough_list, name="list"),
    path("new/", views.walkthrough_new, name="new"),
    path("<int:pk>/", views.walkthrough_detail, name="detail"),
    path("<int:pk>/edit/", views.walkthrough_edit, name="edit"),
    path("<int:pk>/discard/", views.walkthrough_discard, name="discard"),
    path("<int:pk>/review/", views.walkthrough_review, name="review"),
    path("<int:pk>/findings/<int:finding_id>/promote/", views.finding_promote, name="promote"),
    path("photos/<int:photo_id>/", views.photo_download, name="photo"),
]
