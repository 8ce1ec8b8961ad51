"""The 问题专员's pages (办不成事窗口)."""

from django.urls import path

from complaints.windows import views

app_name = "windows"

urlpatterns = [
    path("", views.window_home, name="home"),
    path("<int:pk>/cases/new/", views.window_case_new, name="case_new"),
    path("cases/<str:number>/", views.window_case_detail, name="case_detail"),
    path("cases/<str:number>/cause-analysis/", views.window_case_cause, name="case_cause"),
    path("cases/<str:number>/escalate/", views.window_case_escalate, name="case_escalate"),
]
