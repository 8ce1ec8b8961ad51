from django.urls import path

app_name = "policy_applications"

urlpatterns: list = []
