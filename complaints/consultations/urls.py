"""咨询 pages (/consultations/)."""

from django.urls import path

from complaints.consultations import views

app_name = "consultations"

urlpatterns = [
    path("", views.consultation_mine, name="mine"),
    path("answers/", views.consultation_answers, name="answers"),
    path("new/", views.consultation_new, name="new"),
    path("<int:pk>/", views.consultation_detail, name="detail"),
    path("<int:pk>/answer/", views.consultation_answer, name="answer"),
    path("<int:pk>/to-case/", views.consultation_to_case, name="to_case"),
    path("<int:pk>/rate/", views.consultation_rate, name="rate"),
]
