from django.urls import path

from roundtables import report_views as views

app_name = "roundtable_reports"

urlpatterns = [
    path("follow-up/", views.follow_up, name="follow_up"),
]
