"""The 亲商管家's pages (``/steward/``): the workspace and the 走访 log."""

from django.urls import path

from complaints.visits import views

app_name = "visits"

urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("visits/", views.visit_list, name="list"),
    path("visits/new/", views.visit_new, name="new"),
    path("visits/<int:pk>/", views.visit_detail, name="detail"),
    path("visits/<int:pk>/problems/<int:problem_id>/to-case/", views.problem_to_case, name="problem_to_case"),
]
