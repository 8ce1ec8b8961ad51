"""Figures and public pages about cases: dashboard, statistics, typical cases, export."""

from django.urls import path

from complaints.reporting import views

app_name = "case_reports"

urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("statistics/", views.statistics, name="statistics"),
    path("typical-cases/", views.typical_case_list, name="typical_case_list"),
    path("typical-cases/<int:pk>/", views.typical_case_detail, name="typical_case_detail"),
    path("export.xlsx", views.export, name="export"),
]
