"""Roundtable reports (mounted at /roundtables/reports/)."""

from django.urls import path

from roundtables.reporting import views

app_name = "roundtable_reports"

urlpatterns = [
    path("follow-up/", views.follow_up, name="follow_up"),
    path("follow-up.xlsx", views.follow_up_export, name="follow_up_export"),
    path("follow-up/issue/", views.follow_up_issue, name="follow_up_issue"),
    path("figures/", views.figures, name="figures"),
    path("registrations.xlsx", views.registrations_export, name="registrations_export"),
]
