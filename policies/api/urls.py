from django.urls import path
from rest_framework.routers import SimpleRouter

from policies.api import applications, views

router = SimpleRouter()
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("applications", applications.ApplicationViewSet, basename="policy-application")

urlpatterns = [
    # The core router owns "enterprises/"; it has no such route, so this one resolves.
    path("enterprises/<int:pk>/matches/", views.EnterpriseMatchesView.as_view(), name="enterprise-policy-matches"),
    *router.urls,
]
