"""Figures and public pages about cases: dashboard, statistics, typical cases, export."""

from django.urls import path

from complaints import report_views

app_name = "case_reports"

urlpatterns: list = [
    path("dashboard/", report_views.dashboard, name="dashboard"),
    path("statistics/", report_views.statistics, name="statistics"),
    path("typical-cases/", report_views.typical_case_list, name="typical_case_list"),
    path("typical-cases/<int:pk>/", report_views.typical_case_detail, name="typical_case_detail"),
    path("export.xlsx", report_views.export, name="export"),
]
