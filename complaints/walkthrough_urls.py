"""Walkthrough pages (换位体验走流程)."""

from django.urls import path

app_name = "walkthroughs"

urlpatterns: list = []
