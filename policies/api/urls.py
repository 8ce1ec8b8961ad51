from django.urls import path
from rest_framework.routers import SimpleRouter

from policies.api import applications, supervision, views

router = SimpleRouter()
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("applications", applications.ApplicationViewSet, basename="policy-application")

urlpatterns = [
    # The core router owns "enterprises/"; it has no such route, so this one resolves.
    path("enterprises/<int:pk>/matches/", views.EnterpriseMatchesView.as_view(), name="enterprise-policy-matches"),
    # 三色图 and 督办公示 (#18).
    path("supervision/colour-map/", supervision.ColourMapView.as_view(), name="supervision-colour-map"),
    path("supervision/notices/", supervision.NoticeListView.as_view(), name="supervision-notices"),
    *router.urls,
]
