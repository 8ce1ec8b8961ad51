from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ask/", views.ask, name="ask"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("matches/", views.my_matches, name="my_matches"),
    path("questions/", views.questions_to_answer, name="questions"),
    path("matches/report/", views.enterprise_report, name="enterprise_report"),
]
