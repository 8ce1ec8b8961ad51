from django.urls import path

from policies.supervision import views

app_name = "policy_supervision"

urlpatterns = [
    path("", views.colour_map, name="colour_map"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice, name="notice"),
    path("public/", views.public_notices, name="public_notices"),
]
