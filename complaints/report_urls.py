"""Figures and public pages about cases: dashboard, statistics, typical cases, export."""

from django.urls import path

app_name = "case_reports"

urlpatterns: list = []
