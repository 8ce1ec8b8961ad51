"""The monthly walkthrough report (换位体验月报)."""

from django.urls import path

from complaints.walkthroughs import report_views as views

app_name = "walkthrough_reports"

urlpatterns = [
    path("monthly/", views.monthly, name="monthly"),
    path("monthly.xlsx", views.monthly_export, name="monthly_export"),
]
