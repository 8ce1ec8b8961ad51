from django.urls import include, path
from rest_framework.routers import DefaultRouter

from portal.api import views

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("industries", views.IndustryViewSet, basename="industry")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("tags", views.EnterpriseTagViewSet, basename="enterprise-tag")

urlpatterns = [
    path("auth/token/", views.ObtainAuthTokenView.as_view(), name="api_token"),
    path("", include(router.urls)),
    path("", include("complaints.api.urls")),
    path("", include("roundtables.api.urls")),
    path("", include("policies.api.urls")),
]
